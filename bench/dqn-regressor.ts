/**
 * The learned throughput regressor against EWMA and the harmonic mean: MAPE and over-prediction
 * rate of next-segment throughput on ../shared/traces/validation, sessions played by the rate rule
 * on Envivio in the Pensieve-mode simulator. The regressor is fitted on ../shared/traces/train
 * (ridge least squares; with --fit tfjs or both, also by tfjs Adam on the same objective,
 * `fitRegressorTfjs`), then adapts online (RLS) within each session.
 *
 *   npx tsx bench/dqn-regressor.ts [--fit ridge|tfjs|both]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { type ThroughputEstimator, type DownloadSample, sampleThroughputBps, createDualEwmaEstimator, createHarmonicMeanEstimator } from 'abrkit';
import { createThroughputRegressor, type RegressorState, fitRegressor } from 'abrkit/dqn';
import { loadTraces, loadVideo, collectSamples, markdownTable } from 'abrkit/node';

const { values } = parseArgs({ options: { fit: { type: 'string', default: 'ridge' } } });
if (!['ridge', 'tfjs', 'both'].includes(values.fit!)) {
  console.error('usage: tsx bench/dqn-regressor.ts [--fit ridge|tfjs|both]');
  process.exit(2);
}
const shared = resolve(process.env.ABRKIT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
if (!existsSync(join(shared, 'traces'))) {
  console.log(`dqn-regressor: ${shared}/traces not found; this benchmark needs ../shared.`);
  process.exit(0);
}
const video = loadVideo(join(shared, 'video', 'envivio'));
const sequencesOf = (dir: string) => loadTraces(join(shared, dir)).map((trace) => collectSamples(trace, video));
const train = [...sequencesOf('traces/train/fcc-hsdpa'), ...sequencesOf('traces/train/puffer-2021')];
/** The offline fits compared: the closed-form ridge fit and/or the tfjs one (tfjs loaded only if asked). */
const fits: { name: string; state: RegressorState; fitMs: number }[] = [];
if (values.fit !== 'tfjs') {
  const startedMs = performance.now();
  fits.push({ name: 'ridge', state: fitRegressor(train), fitMs: performance.now() - startedMs });
}
if (values.fit !== 'ridge') {
  const { readyTfjs } = await import('../src/node/train/tfjs/tfjs.js');
  const { fitRegressorTfjs } = await import('../src/node/train/tfjs/tfjs-regressor.js');
  await readyTfjs();
  const startedMs = performance.now();
  fits.push({ name: 'tfjs', state: fitRegressorTfjs(train), fitMs: performance.now() - startedMs });
}

interface Row {
  name: string;
  predictions: number;
  ape: number;
  over: number;
  overConservative: number;
}

function score(name: string, make: () => ThroughputEstimator, sequences: readonly (readonly DownloadSample[])[]): Row {
  const row: Row = { name, predictions: 0, ape: 0, over: 0, overConservative: 0 };
  for (const sequence of sequences) {
    const estimator = make();
    for (const sample of sequence) {
      const prediction = estimator.predict();
      if (prediction !== null) {
        const actual = sampleThroughputBps(sample);
        row.predictions++;
        row.ape += Math.abs(prediction.throughputBps - actual) / actual;
        if (prediction.throughputBps > actual) row.over++;
        if (prediction.throughputBps / (1 + prediction.errorRatio) > actual) row.overConservative++;
      }
      estimator.addSample(sample);
    }
  }
  return row;
}

for (const dir of ['traces/validation/puffer-2021']) {
  const sequences = sequencesOf(dir);
  const rows = [
    score('dual EWMA (3 s / 9 s)', () => createDualEwmaEstimator(), sequences),
    score('harmonic mean (5)', () => createHarmonicMeanEstimator({ windowSize: 5 }), sequences),
    ...fits.flatMap(({ name, state }) => [
      score(`regressor, ${name} fit only (no RLS)`, () => createThroughputRegressor({ initial: state, forgetting: 1, residualDecay: 1e-9 }), sequences),
      score(`regressor, ${name} fit + online RLS`, () => createThroughputRegressor({ initial: state }), sequences),
    ]),
    score('regressor, online RLS from scratch', () => createThroughputRegressor(), sequences),
  ];
  console.log(`\n## ${dir}: ${sequences.length} sessions (rate rule, Envivio, Pensieve mode)\n`);
  console.log(
    markdownTable(
      ['estimator', 'predictions', 'MAPE', 'over-predicted', 'over-predicted after /(1+errorRatio)'],
      rows.map((r) => [
        r.name,
        String(r.predictions),
        `${((100 * r.ape) / r.predictions).toFixed(1)}%`,
        `${((100 * r.over) / r.predictions).toFixed(1)}%`,
        `${((100 * r.overConservative) / r.predictions).toFixed(1)}%`,
      ]),
    ),
  );
}
for (const { name, state, fitMs } of fits) {
  console.log(`\n${name} fit on ${train.length} training sessions in ${(fitMs / 1000).toFixed(1)} s; weights ${state.weights.map((w) => w.toFixed(4)).join(' ')}`);
}
