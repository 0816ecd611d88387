/**
 * `abrkit eval`: evaluate policies over traces in the simulator (the embedded default when given
 * nothing).
 */
import { writeFileSync } from 'node:fs';
import { loadTraces, loadVideo } from '../../io.js';
import { choiceOption, intOption, parseCommandArgs, UsageError } from '../args.js';
import { createSyntheticVideo } from '../../../sim/synthetic-video.js';
import { DEFAULT_TRACE_SET, defaultTraceSet } from '../../../sim/synth.js';
import { createProgressBar } from '../progress.js';
import { formatSummary } from '../../table.js';
import { BUILTIN_POLICY_NAMES, ESTIMATOR_NAMES, OPTIMAL_POLICY_NAME, builtinPolicySpec, evaluate, type PolicySpec } from '../../../sim/evaluate.js';
import { createDqnPolicy, createThroughputRegressor } from '../../../dqn.js';
import { DEFAULT_DQN_MODEL } from '../../../learned/model/default-model.js';
import { createRobustMpcPolicy } from '../../../policies/robustmpc.js';
import { withStallGuard } from '../../../policies/stall-guard.js';
import { createNamedEstimator } from '../../../policies/named.js';
import { withPredictionErrors } from '../../../estimators/prediction-errors.js';
import type { QoeName as Qoe } from '../../../qoe/models.js';
import { runViewerEval, VIEWERS_HELP } from './eval-viewers.js';

/**
 * The learned policies, registered here rather than in the simulator so that the core and sim
 * bundles never carry the weights. `dqn`'s estimator only feeds its RobustMPC fallback. A
 * simulation has no playback to protect, so `dqn` has no time budget here: its figures must not
 * depend on how busy the machine is (the budget's fallback is tested, and measured in Chromium).
 */
const LEARNED_POLICIES: Record<string, (qoe: Qoe) => PolicySpec> = {
  dqn: () => ({
    name: 'dqn',
    createPolicy: () => createDqnPolicy({ model: DEFAULT_DQN_MODEL, warmUpDecisions: 0, timeBudgetMs: Infinity, onError: (error) => console.error(`dqn: ${error.message}`) }),
    createEstimator: () => withPredictionErrors(createNamedEstimator('harmonic'), { windowSize: 5 }),
  }),
  'robustmpc+learned': (qoe) => ({
    name: 'robustmpc+learned',
    createPolicy: () => withStallGuard(createRobustMpcPolicy({ qoe })),
    createEstimator: () => createThroughputRegressor({ initial: DEFAULT_DQN_MODEL.regressor }),
  }),
};
import type { QoeName } from '../../../qoe/models.js';

const HELP = `usage: abrkit eval [--video <path>] [--traces <dir|file>] [options]

  --video <path>       Pensieve video_size_N folder, Sabre manifest JSON, or abrkit ladder JSON
                       (default: the embedded synthetic video on Pensieve's 300-4300 kbps ladder)
  --traces <dir|file>  trace file, or a folder of them (time_s Mbps, Mahimahi, Sabre JSON), sorted by name
                       (default: the embedded synthetic set, ${DEFAULT_TRACE_SET.description})
  --policies <list>    comma-separated: ${[...BUILTIN_POLICY_NAMES, OPTIMAL_POLICY_NAME].join(', ')} (default: these),
                       ${Object.keys(LEARNED_POLICIES).join(', ')} (learned); a built-in policy may name its
                       estimator: robustmpc+regression, rate+ewma (${ESTIMATOR_NAMES.join(', ')})
  --qoe <lin|log|hd>   QoE model (default lin)
  --mode <m>           pensieve | realistic (default realistic)
  --pensieve-quirks    RobustMPC as in Pensieve's code: next-chunk sizes, error history kept across traces
  --bitrates <list>    nominal kbps per rung, for video_size_N folders (default: inferred)
  --chunks <n>         pensieve mode: chunks per session (default 48)
  --json <file>        also write {summary, perTrace} as JSON
${VIEWERS_HELP}`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      video: { type: 'string' },
      traces: { type: 'string' },
      policies: { type: 'string' },
      qoe: { type: 'string' },
      mode: { type: 'string' },
      'pensieve-quirks': { type: 'boolean' },
      bitrates: { type: 'string' },
      chunks: { type: 'string' },
      json: { type: 'string' },
      viewers: { type: 'string' },
      sessions: { type: 'string' },
      seed: { type: 'string' },
      engagement: { type: 'string' },
      'viewer-options': { type: 'string' },
    },
    HELP,
  );
  const qoe = choiceOption<QoeName>(values.qoe, 'qoe', ['lin', 'log', 'hd'], 'lin');
  const mode = choiceOption(values.mode, 'mode', ['pensieve', 'realistic'] as const, 'realistic');
  const names = (values.policies ?? [...BUILTIN_POLICY_NAMES, OPTIMAL_POLICY_NAME].join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const pensieveQuirks = values['pensieve-quirks'] ?? false;
  const specs = names
    .filter((n) => n !== OPTIMAL_POLICY_NAME)
    .map((n) => {
      const learned = LEARNED_POLICIES[n];
      if (learned) return learned(qoe);
      try {
        return builtinPolicySpec(n, { qoe, pensieveQuirks });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    });
  const bitratesKbps = values.bitrates?.split(',').map((s) => {
    const n = Number(s);
    if (!(n > 0)) throw new UsageError(`--bitrates: '${s}' is not a positive number`);
    return n;
  });
  const video = values.video === undefined ? createSyntheticVideo() : loadVideo(values.video, bitratesKbps ? { bitratesKbps } : {});
  const traces = values.traces === undefined ? defaultTraceSet() : loadTraces(values.traces);
  if (values.viewers !== undefined) {
    if (mode !== 'realistic') throw new UsageError('--viewers plays the realistic mode only');
    return runViewerEval(video, traces, specs, qoe, {
      viewers: values.viewers,
      sessions: intOption(values.sessions, 'sessions', 2),
      seed: intOption(values.seed, 'seed', 1),
      ...(values.engagement === undefined ? {} : { engagement: values.engagement }),
      ...(values['viewer-options'] === undefined ? {} : { viewerOptions: values['viewer-options'] }),
      ...(values.json === undefined ? {} : { json: values.json }),
    });
  }
  const progress = createProgressBar('eval');
  const startedMs = Date.now();
  const result = evaluate(video, traces, {
    mode,
    qoe,
    policies: specs,
    optimal: names.includes(OPTIMAL_POLICY_NAME),
    ...(values.chunks === undefined ? {} : { chunkCount: intOption(values.chunks, 'chunks', 48) }),
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  console.log(`\n${traces.length} traces, video ${video.name} (${video.renditions.length} rungs), ${mode} mode, QoE_${qoe}, ${seconds} s\n`);
  console.log(formatSummary(result));
  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ summary: result.summary, perTrace: result.perTrace }, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}
