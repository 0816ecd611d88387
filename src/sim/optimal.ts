/**
 * The offline optimum: dynamic programming over exact simulated states, with full knowledge of the
 * trace.
 */
import type { SimEnv } from './env.js';
import type { QoeModel } from '../qoe/models.js';
import type { AbrPolicy } from '../core/policy.js';
import { chunkQoe } from '../qoe/models.js';

export interface OptimalOptions {
  readonly qoe: QoeModel;
  /** Chunks whose QoE is not counted (Pensieve mode: 1). */
  readonly skipFirst: number;
  /** Rung forced for the first chunk, as in the sessions being compared with. */
  readonly firstRungIndex?: number;
  /** Penalty per second of startup delay (the realistic mode counts startup in QoE). */
  readonly startupPenaltyPerS: number;
}

export interface OptimalPlan {
  readonly plan: readonly number[];
  /** Total counted QoE of the plan, as the environment scores it. */
  readonly qoeSum: number;
  /** States kept, summed over chunks (the size of the search). */
  readonly statesKept: number;
}

interface Node<S> {
  readonly state: S;
  readonly rung: number;
  readonly qoeSum: number;
  readonly parent: number;
  readonly timeS: number;
  readonly bufferS: number;
  readonly phase: number;
}

/**
 * The offline optimum, by dynamic programming over exact simulated states with full knowledge of
 * the trace. After each chunk a state is dropped when another with the same last rung (and phase,
 * e.g. started playing or not) is no later in wall time, has at least as much buffer and at least
 * as much QoE so far. On a fixed-capacity link that is dominance: an earlier start never finishes a
 * download later, and more buffer never stalls more. The only exceptions are the forced idles at a
 * buffer cap, so the result is a feasible plan whose QoE is exactly what the environment gives it,
 * and the parity check confirms it is at least every online policy on every trace.
 */
export function planOptimal<S>(env: SimEnv<S>, options: OptimalOptions): OptimalPlan {
  const { qoe, skipFirst, firstRungIndex, startupPenaltyPerS } = options;
  const rungs = env.video.renditions.length;
  const layers: Node<S>[][] = [];
  const reward = (segmentIndex: number, rung: number, previousRung: number, rebufferS: number, startupS: number): number =>
    segmentIndex < skipFirst ? 0 : chunkQoe(qoe, rung, previousRung, rebufferS) - startupPenaltyPerS * startupS;
  const node = (state: S, rung: number, qoeSum: number, parent: number): Node<S> => ({
    state,
    rung,
    qoeSum,
    parent,
    timeS: env.elapsedS(state),
    bufferS: env.bufferS(state),
    phase: env.phase(state),
  });

  const first: Node<S>[] = [];
  for (let rung = 0; rung < rungs; rung++) {
    if (firstRungIndex !== undefined && rung !== firstRungIndex) continue;
    const state = env.initial();
    const outcome = env.step(state, 0, rung);
    first.push(node(state, rung, reward(0, rung, rung, outcome.rebufferS, outcome.startupS), -1));
  }
  layers.push(keepUndominated(first));
  let statesKept = layers[0].length;

  for (let segmentIndex = 1; segmentIndex < env.chunkCount; segmentIndex++) {
    const previous = layers[segmentIndex - 1];
    const candidates: Node<S>[] = [];
    for (let p = 0; p < previous.length; p++) {
      const from = previous[p];
      for (let rung = 0; rung < rungs; rung++) {
        const state = env.clone(from.state);
        const outcome = env.step(state, segmentIndex, rung);
        candidates.push(node(state, rung, from.qoeSum + reward(segmentIndex, rung, from.rung, outcome.rebufferS, outcome.startupS), p));
      }
    }
    const kept = keepUndominated(candidates);
    statesKept += kept.length;
    layers.push(kept);
  }

  const last = layers[layers.length - 1];
  let best = 0;
  for (let i = 1; i < last.length; i++) if (last[i].qoeSum > last[best].qoeSum) best = i;
  const plan = new Array<number>(layers.length);
  for (let layer = layers.length - 1, index = best; layer >= 0; layer--) {
    const kept = layers[layer][index];
    plan[layer] = kept.rung;
    index = kept.parent;
  }
  return { plan, qoeSum: last[best].qoeSum, statesKept };
}

/**
 * Drops every node dominated by another of the same (rung, phase): earlier-or-equal time, at least
 * the buffer, at least the QoE. Nodes are swept in time order against a (buffer, QoE) staircase.
 */
function keepUndominated<S>(nodes: Node<S>[]): Node<S>[] {
  nodes.sort((a, b) => a.rung - b.rung || a.phase - b.phase || a.timeS - b.timeS || b.bufferS - a.bufferS || b.qoeSum - a.qoeSum);
  const kept: Node<S>[] = [];
  // Staircase of kept (buffer, qoe): buffer strictly descending, qoe strictly ascending.
  let stairBuffer: number[] = [];
  let stairQoe: number[] = [];
  let group = -1;
  for (const n of nodes) {
    const key = n.rung * 2 + n.phase;
    if (key !== group) {
      group = key;
      stairBuffer = [];
      stairQoe = [];
    }
    // Entries with buffer >= n.bufferS form a prefix; its best QoE is its last entry.
    let lo = 0;
    let hi = stairBuffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stairBuffer[mid] >= n.bufferS) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && stairQoe[lo - 1] >= n.qoeSum) continue;
    kept.push(n);
    // Insert at lo, removing entries it dominates in (buffer, qoe): those after it with qoe <= its qoe.
    let end = lo;
    while (end < stairBuffer.length && stairQoe[end] <= n.qoeSum) end++;
    stairBuffer.splice(lo, end - lo, n.bufferS);
    stairQoe.splice(lo, end - lo, n.qoeSum);
  }
  return kept;
}

/** Replays a precomputed plan as a policy (simulator only: it needs the future). */
export function createPlanPolicy(plan: readonly number[]): AbrPolicy {
  return {
    name: 'optimal',
    decide(context) {
      const rung = plan[context.segmentIndex];
      if (rung === undefined) throw new RangeError(`optimal plan has no segment ${context.segmentIndex}`);
      return { rungIndex: rung, reason: { kind: 'plan', detail: 'offline optimum (full knowledge of the trace)' } };
    },
  };
}
