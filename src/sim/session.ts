/** Plays one session: a policy and an estimator against an environment, segment by segment. */
import type { SimEnv } from './env.js';
import type { ChunkRecord } from '../qoe/session-metrics.js';
import type { AbrController } from '../core/controller.js';
import type { AbandonRule } from '../core/abandon.js';
import type { Decision } from '../core/decision.js';
import type { ManualClock } from '../core/clock.js';

export interface SessionOptions {
  /** Rung forced for the first segment (Pensieve mode: its DEFAULT_QUALITY, rung 1). */
  readonly firstRungIndex?: number;
  readonly abandon?: AbandonRule;
  /** The controller's clock; set to simulated time before each decision. */
  readonly clock?: ManualClock;
}

export interface SessionLog {
  readonly records: readonly ChunkRecord[];
  readonly decisions: readonly Decision[];
  readonly startupS: number;
}

/**
 * Plays one session: for each segment, asks the controller for a rung (with the buffer and time
 * the simulated player sees), lets the environment download it, and feeds the measured samples back.
 */
export function runSession<S>(env: SimEnv<S>, controller: AbrController, options: SessionOptions = {}): SessionLog {
  const state = env.initial();
  const records: ChunkRecord[] = [];
  const decisions: Decision[] = [];
  const renditions = env.video.renditions;
  let lastRungIndex: number | null = null;
  let startupS = 0;
  for (let segmentIndex = 0; segmentIndex < env.chunkCount; segmentIndex++) {
    let rung: number;
    if (segmentIndex === 0 && options.firstRungIndex !== undefined) {
      rung = options.firstRungIndex;
    } else {
      options.clock?.setMs(env.nowMs(state));
      const decision = controller.decide({
        segmentIndex,
        segmentsRemaining: env.chunkCount - segmentIndex,
        bufferS: env.bufferS(state),
        lastRungIndex,
      });
      decisions.push(decision);
      rung = decision.rungIndex;
    }
    const outcome = env.step(state, segmentIndex, rung, options.abandon);
    for (const sample of outcome.samples) controller.addSample(sample);
    startupS += outcome.startupS;
    records.push({
      segmentIndex,
      rungIndex: outcome.rungIndex,
      bitrateBps: renditions[outcome.rungIndex].bitrateBps,
      bytes: outcome.bytes,
      wastedBytes: outcome.wastedBytes,
      downloadMs: outcome.downloadMs,
      rebufferS: outcome.rebufferS,
      bufferAfterS: outcome.bufferAfterS,
    });
    lastRungIndex = outcome.rungIndex;
  }
  return { records, decisions, startupS };
}
