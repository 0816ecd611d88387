/**
 * How close to the offline optimum an MPC gets when its throughput prediction is perfect: at every
 * chunk it simulates each plan over the next H chunks on the trace itself (the environment's own
 * state, cloned) and takes the first step of the best, by the same QoE_lin as the optimum. No
 * online policy predicts better than this; what is left to the optimum is what an H-chunk horizon
 * cannot see. Pensieve mode, Envivio, the sets #3's targets are stated on.
 *
 *   npx tsx bench/oracle-lookahead.ts [--horizons 3,4,5,6] [--sets puffer,fcc]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkQoe, createQoeModel, type QoeModel, createHarmonicMeanEstimator } from 'abrkit';
import { evaluate, createPensieveEnv, PENSIEVE_CONSTANTS, type PensieveState, createPlanPolicy, type SimEnv, type Trace, type SimVideo } from 'abrkit/sim';
import { loadTraces, loadVideo, markdownTable } from 'abrkit/node';

const { values } = parseArgs({ options: { horizons: { type: 'string', default: '3,4,5,6' }, sets: { type: 'string', default: 'puffer,fcc' } } });
const shared = resolve(process.env.ABRKIT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
if (!existsSync(join(shared, 'traces'))) {
  console.error(`oracle-lookahead: needs ../shared (traces and video), not found at ${shared}`);
  process.exit(2);
}
const SETS: Record<string, string> = {
  puffer: join(shared, 'traces/validation/puffer-2021'),
  fcc: join(shared, 'traces/train/fcc-hsdpa'),
};
const horizons = values.horizons.split(',').map(Number);
if (!horizons.every((h) => Number.isInteger(h) && h >= 1 && h <= 6)) {
  console.error('oracle-lookahead: --horizons takes integers in 1..6 (6^H plans per chunk)');
  process.exit(2);
}
const video = await loadVideo(join(shared, 'video/envivio'));
const model = createQoeModel('lin', video);

/** The plan an MPC with an exact H-chunk view of the trace plays, chunk by chunk. */
function lookaheadPlan(env: SimEnv<PensieveState>, qoe: QoeModel, horizon: number): number[] {
  const rungs = env.video.renditions.length;
  const plan = [Math.min(PENSIEVE_CONSTANTS.defaultRung, rungs - 1)];
  const state = env.initial();
  env.step(state, 0, plan[0]);
  for (let i = 1; i < env.chunkCount; i++) {
    const depthLimit = Math.min(horizon, env.chunkCount - i);
    let best = -Infinity;
    let bestFirst = 0;
    const search = (from: PensieveState, depth: number, previous: number, total: number, first: number): void => {
      if (depth === depthLimit) {
        if (total > best) [best, bestFirst] = [total, first];
        return;
      }
      for (let rung = 0; rung < rungs; rung++) {
        const next = env.clone(from);
        const { rebufferS } = env.step(next, i + depth, rung);
        search(next, depth + 1, rung, total + chunkQoe(qoe, rung, previous, rebufferS), depth === 0 ? rung : first);
      }
    };
    search(state, 0, plan[i - 1], 0, 0);
    plan.push(bestFirst);
    env.step(state, i, bestFirst);
  }
  return plan;
}

/** Mean QoE_lin per chunk of the look-ahead MPC, scored by `abrkit eval`. */
function lookaheadQoe(traces: readonly Trace[], simVideo: SimVideo, horizon: number): number {
  let total = 0;
  for (const trace of traces) {
    const plan = lookaheadPlan(createPensieveEnv(trace, simVideo), model, horizon);
    const spec = { name: 'lookahead', createPolicy: () => createPlanPolicy(plan), createEstimator: () => createHarmonicMeanEstimator() };
    total += evaluate(simVideo, [trace], { mode: 'pensieve', qoe: 'lin', optimal: false, policies: [spec] }).summary[0].qoe;
  }
  return total / traces.length;
}

const rows: string[][] = [];
for (const set of values.sets.split(',')) {
  const dir = SETS[set];
  if (!dir) {
    console.error(`oracle-lookahead: unknown set ${set} (${Object.keys(SETS).join(', ')})`);
    process.exit(2);
  }
  const traces = loadTraces(dir);
  // The optimum does not depend on the horizon: once per set.
  const optimal = evaluate(video, traces, { mode: 'pensieve', qoe: 'lin', optimal: true, policies: [] }).summary[0].qoe;
  for (const horizon of horizons) {
    const startedMs = performance.now();
    const lookahead = lookaheadQoe(traces, video, horizon);
    rows.push([`${set} (${traces.length})`, String(horizon), lookahead.toFixed(3), optimal.toFixed(3), `${((lookahead / optimal) * 100).toFixed(1)}%`]);
    console.error(`${set} H=${horizon}: ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
  }
}
console.log(markdownTable(['set', 'horizon, chunks', 'MPC with the exact future', 'optimal', '% of optimal'], rows));
