/**
 * `abrkit train regression`: adapt (or refit) the learned throughput regressor to telemetry
 * sessions.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseCommandArgs, requireOption, UsageError } from '../args.js';
import type { DownloadSample } from '../../../core/sample.js';
import type { ThroughputEstimator } from '../../../core/estimator.js';
import { sampleThroughputBps } from '../../../core/sample.js';
import { samplesFromTelemetry } from '../../../sim/telemetry-traces.js';
import { createThroughputRegressor, type RegressorState } from '../../../learned/regressor.js';
import { fitRegressor } from '../../../learned/regressor-fit.js';
import { DEFAULT_DQN_MODEL } from '../../../learned/model/default-model.js';
import { HELP } from './train-common.js';
import { STORE_ARGS, storeTelemetryText } from '../store-source.js';

export async function trainRegression(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { telemetry: { type: 'string' }, out: { type: 'string' }, refit: { type: 'boolean' }, ...STORE_ARGS }, HELP);
  const fromStore = await storeTelemetryText(values);
  const files = (fromStore ? (values.telemetry ?? '') : requireOption(values.telemetry, 'telemetry', HELP)).split(',').filter(Boolean);
  const out = requireOption(values.out, 'out', HELP);
  const sessions = [...files.flatMap((file) => samplesFromTelemetry(readFileSync(file, 'utf8'), file)), ...(fromStore ? samplesFromTelemetry(fromStore.text, fromStore.name) : [])].filter((s) => s.length > 1);
  if (fromStore) files.push(fromStore.name);
  const downloads = sessions.reduce((n, s) => n + s.length, 0);
  if (sessions.length === 0) throw new UsageError(`--telemetry: no session with two or more completed downloads in ${files.join(', ')}`);
  const shipped = DEFAULT_DQN_MODEL.regressor;
  let state: RegressorState;
  if (values.refit) {
    state = fitRegressor(sessions);
  } else {
    const regressor = createThroughputRegressor(shipped ? { initial: shipped } : {});
    for (const session of sessions) {
      regressor.reset();
      for (const sample of session) regressor.addSample(sample);
    }
    state = regressor.state();
  }
  const before = predictionErrors(sessions, () => createThroughputRegressor(shipped ? { initial: shipped } : {}));
  const after = predictionErrors(sessions, () => createThroughputRegressor({ initial: state }));
  const path = `${out}.tmp`;
  writeFileSync(path, JSON.stringify(state));
  renameSync(path, out);
  console.log(`${sessions.length} sessions, ${downloads} downloads from ${files.length} source(s); ${values.refit ? 'refitted' : 'adapted from the shipped regressor'}`);
  console.log(`  shipped regressor: MAPE ${(before.mape * 100).toFixed(1)}%, over-predicts ${(before.over * 100).toFixed(1)}% (${before.n} predictions)`);
  console.log(`  new regressor:     MAPE ${(after.mape * 100).toFixed(1)}%, over-predicts ${(after.over * 100).toFixed(1)}% (in-sample: these sessions trained it)`);
  console.log(`wrote ${out}`);
}

/** One-step-ahead error of a fresh regressor per session, replayed over the sessions' downloads. */
function predictionErrors(sessions: readonly DownloadSample[][], create: () => ThroughputEstimator): { mape: number; over: number; n: number } {
  let n = 0;
  let absError = 0;
  let over = 0;
  for (const session of sessions) {
    const estimator = create();
    for (const sample of session) {
      const prediction = estimator.predict();
      const actualBps = sampleThroughputBps(sample);
      if (prediction !== null && actualBps > 0) {
        n++;
        absError += Math.abs(prediction.throughputBps - actualBps) / actualBps;
        if (prediction.throughputBps > actualBps) over++;
      }
      estimator.addSample(sample);
    }
  }
  return { mape: n ? absError / n : NaN, over: n ? over / n : NaN, n };
}
