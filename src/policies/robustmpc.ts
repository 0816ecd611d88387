/**
 * RobustMPC (Yin et al. SIGCOMM'15): plan a few chunks ahead under a pessimistic throughput, take
 * the plan's first step.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import type { QoeModel, QoeName, QoeOptions } from '../qoe/models.js';
import { createQoeModel } from '../qoe/models.js';
import { segmentSizeBytes, type Ladder } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

export interface RobustMpcOptions {
  /** Chunks planned ahead (Yin et al. SIGCOMM'15 and Pensieve: 5). */
  readonly horizon: number;
  readonly qoe: QoeName;
  readonly qoeOptions?: QoeOptions;
  /** Rung before any throughput estimate exists. */
  readonly startRung: number;
  /**
   * Reproduce Pensieve's off-by-one: plan chunk k with the sizes of chunk k+1 (and 0 bytes past the
   * last known size). Off by default; the parity check turns it on.
   */
  readonly pensieveNextChunkSizes: boolean;
  /**
   * A cost per rung change in the plan, in QoE units (QoE_lin: Mbit/s-seconds of one chunk), on top
   * of the QoE's own smoothness term, which charges the size of a change but not how many there are:
   * a climb of three one-rung steps costs as much as one three-rung jump. With a cost per switch the
   * plan prefers fewer, larger changes. 0 (default): the QoE alone, as in Yin et al.
   */
  readonly switchPenalty: number;
}

export const ROBUST_MPC_DEFAULTS: RobustMpcOptions = Object.freeze({
  horizon: 5,
  qoe: 'lin',
  startRung: 0,
  pensieveNextChunkSizes: false,
  switchPenalty: 0,
});

/**
 * RobustMPC: plan the next `horizon` chunks to maximise QoE under a throughput prediction
 * discounted by its recent error (`throughput / (1 + errorRatio)`), then take the plan's first step.
 *
 * The search is exact (the same plan as trying all rungs^horizon combinations, ties going to the
 * lexicographically largest plan as in the reference) but branch-and-bound: a partial plan is cut
 * as soon as even top-rung, stall-free chunks for the rest could not beat the best plan found.
 */
export function createRobustMpcPolicy(options: Partial<RobustMpcOptions> = {}): AbrPolicy {
  const resolved = { ...ROBUST_MPC_DEFAULTS, ...options };
  const { horizon, startRung, pensieveNextChunkSizes } = resolved;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 10) {
    throw invalidOptions('robustmpc', `horizon must be an integer in [1, 10], got ${horizon}`);
  }
  if (!(Number.isFinite(resolved.switchPenalty) && resolved.switchPenalty >= 0)) {
    throw invalidOptions('robustmpc', `switchPenalty must be a finite number >= 0, got ${resolved.switchPenalty}`);
  }
  let cachedLadder: Ladder | null = null;
  let model: QoeModel | null = null;
  const planner = new PlanSearch(horizon);

  return {
    name: 'robustmpc',
    decide(context: DecisionContext): Decision {
      const { ladder, prediction, minRungIndex, maxRungIndex } = context;
      if (ladder !== cachedLadder || model === null) {
        cachedLadder = ladder;
        model = createQoeModel(resolved.qoe, ladder, resolved.qoeOptions);
      }
      if (prediction === null) {
        return {
          rungIndex: Math.min(maxRungIndex, Math.max(minRungIndex, startRung)),
          reason: { kind: 'startup', detail: 'no throughput estimate yet' },
        };
      }
      const predictedBps = prediction.throughputBps / (1 + prediction.errorRatio);
      const steps = context.segmentsRemaining === null ? horizon : Math.min(horizon, context.segmentsRemaining);
      if (steps <= 0) {
        return { rungIndex: context.lastRungIndex ?? minRungIndex, reason: { kind: 'plan', detail: 'no segments left' } };
      }
      const sizeOffset = pensieveNextChunkSizes ? 1 : 0;
      const knownSegments = ladder.segmentSizesBytes?.length ?? Infinity;
      const downloadS = planner.downloadS;
      for (let step = 0; step < steps; step++) {
        const segment = context.segmentIndex + step + sizeOffset;
        for (let rung = minRungIndex; rung <= maxRungIndex; rung++) {
          const bytes = pensieveNextChunkSizes && segment >= knownSegments ? 0 : segmentSizeBytes(ladder, segment, rung);
          downloadS[step * MAX_RUNGS + rung] = (bytes * 8) / predictedBps;
        }
      }
      const lastRung = context.lastRungIndex ?? minRungIndex;
      const { plan, objective } = planner.search(model, {
        steps,
        minRung: minRungIndex,
        maxRung: maxRungIndex,
        lastRung: Math.min(maxRungIndex, Math.max(minRungIndex, lastRung)),
        bufferS: context.bufferS,
        segmentDurationS: ladder.segmentDurationS,
        playbackRate: context.playbackRate > 0 ? context.playbackRate : 1,
        switchPenalty: resolved.switchPenalty,
      });
      return { rungIndex: plan[0], reason: { kind: 'mpc', predictedBps, plan, objective } };
    },
  };
}

/** Ladders longer than this are planned over their top MAX_RUNGS rungs' index space (never in practice). */
const MAX_RUNGS = 64;

interface SearchInput {
  readonly steps: number;
  readonly minRung: number;
  readonly maxRung: number;
  readonly lastRung: number;
  readonly bufferS: number;
  readonly segmentDurationS: number;
  /** Media seconds played per wall second while downloading. */
  readonly playbackRate: number;
  /** QoE units charged per rung change. */
  readonly switchPenalty: number;
}

/** Reusable branch-and-bound over plans; allocation-free per call after construction. */
class PlanSearch {
  readonly downloadS: Float64Array;
  readonly #current: Int32Array;
  readonly #best: Int32Array;
  #bestObjective = -Infinity;

  constructor(horizon: number) {
    this.downloadS = new Float64Array(horizon * MAX_RUNGS);
    this.#current = new Int32Array(horizon);
    this.#best = new Int32Array(horizon);
  }

  search(model: QoeModel, input: SearchInput): { plan: number[]; objective: number } {
    if (input.maxRung >= MAX_RUNGS) throw invalidOptions('robustmpc', `ladders of more than ${MAX_RUNGS} rungs are not supported`);
    const { steps, minRung, maxRung } = input;
    const units = model.utilityUnits;
    const divisor = model.unitDivisor;
    const rebufferPenalty = model.rebufferPenalty;
    const smoothPenalty = model.smoothPenalty;
    const switchPenalty = input.switchPenalty;
    let maxUnits = -Infinity;
    for (let r = minRung; r <= maxRung; r++) maxUnits = Math.max(maxUnits, units[r]);
    const downloadS = this.downloadS;
    const current = this.#current;
    const best = this.#best;
    this.#bestObjective = -Infinity;

    const drainRate = input.playbackRate;
    const segmentS = input.segmentDurationS;
    // Objective as the reference computes it:
    // sum(utility units) / divisor - penalty * rebuffer - smooth * sum(|unit changes|) / divisor.
    const score = (plan: Int32Array): number => {
      let bufferS = input.bufferS;
      let rebufferS = 0;
      let unitSum = 0;
      let smoothUnits = 0;
      let switches = 0;
      let previous = input.lastRung;
      for (let step = 0; step < steps; step++) {
        const rung = plan[step];
        const drainS = downloadS[step * MAX_RUNGS + rung] * drainRate;
        if (bufferS < drainS) {
          rebufferS += drainS - bufferS;
          bufferS = 0;
        } else bufferS -= drainS;
        bufferS += segmentS;
        unitSum += units[rung];
        smoothUnits += Math.abs(units[rung] - units[previous]);
        if (rung !== previous) switches++;
        previous = rung;
      }
      return unitSum / divisor - rebufferPenalty * rebufferS - (smoothPenalty * smoothUnits) / divisor - switchPenalty * switches;
    };
    // Seed the bound with the best constant plan, so the search prunes from its first branch.
    for (let rung = minRung; rung <= maxRung; rung++) {
      current.fill(rung, 0, steps);
      const objective = score(current);
      if (objective > this.#bestObjective || (objective === this.#bestObjective && lexGreater(current, best, steps))) {
        this.#bestObjective = objective;
        best.set(current);
      }
    }

    // Depth-first, higher rungs first; ties go to the lexicographically larger plan.
    const visit = (step: number, previousRung: number, bufferS: number, unitSum: number, rebufferS: number, smoothUnits: number, switchCost: number): void => {
      if (step === steps) {
        const objective = unitSum / divisor - rebufferPenalty * rebufferS - (smoothPenalty * smoothUnits) / divisor - switchCost;
        if (objective > this.#bestObjective || (objective === this.#bestObjective && lexGreater(current, best, steps))) {
          this.#bestObjective = objective;
          best.set(current);
        }
        return;
      }
      const remaining = steps - step;
      for (let rung = maxRung; rung >= minRung; rung--) {
        const drainS = downloadS[step * MAX_RUNGS + rung] * drainRate;
        let nextBuffer = bufferS;
        let nextRebuffer = rebufferS;
        if (nextBuffer < drainS) {
          nextRebuffer += drainS - nextBuffer;
          nextBuffer = 0;
        } else {
          nextBuffer -= drainS;
        }
        nextBuffer += segmentS;
        const nextUnits = unitSum + units[rung];
        const nextSmooth = smoothUnits + Math.abs(units[rung] - units[previousRung]);
        const nextSwitchCost = rung === previousRung ? switchCost : switchCost + switchPenalty;
        // Best case for the rest: top utility, no stall, no switch.
        const bound =
          (nextUnits + (remaining - 1) * maxUnits) / divisor - rebufferPenalty * nextRebuffer - (smoothPenalty * nextSmooth) / divisor - nextSwitchCost;
        if (bound < this.#bestObjective - 1e-9) continue;
        current[step] = rung;
        visit(step + 1, rung, nextBuffer, nextUnits, nextRebuffer, nextSmooth, nextSwitchCost);
      }
    };
    visit(0, input.lastRung, input.bufferS, 0, 0, 0, 0);
    return { plan: Array.from(best.subarray(0, steps)), objective: this.#bestObjective };
  }
}

function lexGreater(a: Int32Array, b: Int32Array, length: number): boolean {
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return false;
}
