/**
 * DQN against the baselines and the offline optimum, Pensieve mode, QoE_lin (EVALUATION.md):
 * Envivio on the fcc-hsdpa training set and the puffer-2021 validation set, and the unseen
 * 10-rung bbb-sd ladder on puffer-2021 validation and fcc-hsdpa.
 *
 *   npx tsx bench/dqn-eval.ts                      (the model shipped in src/dqn/model)
 *   npx tsx bench/dqn-eval.ts --model .cache/dqn-run1/best.f32.json [--no-optimal] [--sets envivio-fcc,...]
 *   npx tsx bench/dqn-eval.ts --mode realistic     (abrkit's player's-eye simulator instead of Pensieve's)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHarmonicMeanEstimator, withPredictionErrors, createRobustMpcPolicy, withStallGuard } from 'abrkit';
import { builtinPolicySpec, evaluate, type PolicySpec, type SimMode } from 'abrkit/sim';
import { createDqnPolicy, DQN_POLICY_DEFAULTS, type DqnFallbackError, createThroughputRegressor, decodeModel } from 'abrkit/dqn';
import { loadTraces, loadVideo, markdownTable, DEFAULT_DQN_MODEL } from 'abrkit/node';

const { values } = parseArgs({
  options: { model: { type: 'string' }, 'no-optimal': { type: 'boolean' }, sets: { type: 'string' }, margin: { type: 'string' }, mode: { type: 'string', default: 'pensieve' } },
});
const shared = resolve(process.env.ABRKIT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
if (!existsSync(join(shared, 'traces'))) {
  console.log(`dqn-eval: ${shared}/traces not found; this benchmark needs ../shared.`);
  process.exit(0);
}
const modelFile: unknown = values.model ? JSON.parse(readFileSync(values.model, 'utf8')) : DEFAULT_DQN_MODEL;

const SETS = [
  { id: 'envivio-fcc', video: 'video/envivio', traces: 'traces/train/fcc-hsdpa' },
  { id: 'envivio-puffer', video: 'video/envivio', traces: 'traces/validation/puffer-2021' },
  { id: 'bbb-puffer', video: 'video/bbb-sd', traces: 'traces/validation/puffer-2021' },
  { id: 'bbb-fcc', video: 'video/bbb-sd', traces: 'traces/train/fcc-hsdpa' },
  // Training traces, for tuning on training data only (not run unless asked for with --sets).
  { id: 'envivio-puffer-train', video: 'video/envivio', traces: 'traces/train/puffer-2021', onlyOnRequest: true },
];
const wanted = values.sets?.split(',');
const mode = values.mode as SimMode;
if (mode !== 'pensieve' && mode !== 'realistic') throw new Error(`--mode must be pensieve or realistic, got ${values.mode}`);
const deviationMargin = values.margin === undefined ? DQN_POLICY_DEFAULTS.deviationMargin : Number(values.margin);
const errors: DqnFallbackError[] = [];

/**
 * The PolicySpec for `abrkit eval`: the estimator only feeds the RobustMPC fallback. No time
 * budget, as in `abrkit eval`: a simulation has no playback to protect, and its figures must not
 * depend on the machine's load. Any fallback is counted and printed.
 */
const dqnSpec: PolicySpec = {
  name: 'dqn',
  createPolicy: () => createDqnPolicy({ model: modelFile as string, warmUpDecisions: 0, timeBudgetMs: Infinity, deviationMargin, onError: (e) => errors.push(e) }),
  createEstimator: () => withPredictionErrors(createHarmonicMeanEstimator({ windowSize: 5 }), { windowSize: 5 }),
};

/** The same behind the stall guard: the browser's `robustmpc+learned`. */
const learnedMpcSpec: PolicySpec = {
  name: 'robustmpc+learned',
  createPolicy: () => withStallGuard(createRobustMpcPolicy({ qoe: 'lin' })),
  createEstimator: () => createThroughputRegressor({ initial: decodeModel(modelFile).regressor }),
};

/** RobustMPC planning on the learned regressor's prediction and uncertainty instead of the harmonic mean's. */
const regressionMpcSpec: PolicySpec = {
  name: 'robustmpc+regressor',
  createPolicy: () => createRobustMpcPolicy({ qoe: 'lin' }),
  createEstimator: () => createThroughputRegressor({ initial: decodeModel(modelFile).regressor }),
};

for (const set of SETS.filter((s) => (wanted ? wanted.includes(s.id) : !('onlyOnRequest' in s)))) {
  const video = loadVideo(join(shared, set.video));
  const traces = loadTraces(join(shared, set.traces));
  const started = performance.now();
  const result = evaluate(video, traces, {
    mode,
    qoe: 'lin',
    policies: [
      ...(['rate', 'bba', 'bola', 'robustmpc'] as const).map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
      regressionMpcSpec,
      learnedMpcSpec,
      dqnSpec,
    ],
    optimal: !values['no-optimal'],
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const mpc = result.summary.find((s) => s.policy === 'robustmpc')!;
  const mpcByTrace = new Map(result.perTrace.filter((r) => r.policy === 'robustmpc').map((r) => [r.trace, r.qoe]));
  const dqnRows = result.perTrace.filter((r) => r.policy === 'dqn');
  const worse = dqnRows.filter((r) => r.qoe < mpcByTrace.get(r.trace)! - 1e-9).length;
  console.log(`\n## ${set.id}: ${traces.length} traces (${set.traces}), video ${video.name} (${video.renditions.length} rungs), ${mode} mode, QoE_lin, ${seconds} s\n`);
  console.log(
    markdownTable(
      ['policy', 'QoE/chunk', 'median', 'x robustmpc', '% of optimal', 'bitrate kbps', 'rebuffer s', 'switches'],
      result.summary.map((s) => [
        s.policy,
        s.qoe.toFixed(3),
        s.qoeMedian.toFixed(3),
        (s.qoe / mpc.qoe).toFixed(3),
        s.qoeOfOptimal === null ? '-' : `${(100 * s.qoeOfOptimal).toFixed(1)}%`,
        s.bitrateKbps.toFixed(0),
        s.rebufferS.toFixed(2),
        s.switches.toFixed(1),
      ]),
    ),
  );
  console.log(`\ndqn below robustmpc on ${worse} of ${dqnRows.length} traces`);
}
console.log(`\ndqn fallbacks reported: ${errors.length}${errors.length ? ` (first: ${errors[0].message})` : ''}`);
