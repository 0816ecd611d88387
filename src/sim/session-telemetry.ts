/**
 * A simulated session recorded as a page records one: `abrkit eval`'s realistic environment and
 * controller, with the telemetry recorder seeing what a player and a `<video>` would report
 * (session start, decisions, segment downloads, first frame, stalls, ended) at simulated times.
 * For experiments and load tests with a known truth: the same trace and policy give the same events.
 */
import { AbrController } from '../core/controller.js';
import { createAbandonRule } from '../core/abandon.js';
import { ManualClock } from '../core/clock.js';
import type { Telemetry } from '../telemetry/recorder.js';
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { SimEnv } from './env.js';
import type { PolicySpec } from './evaluate.js';
import { createRealisticEnv } from './realistic-env.js';
import { runSession, type SessionLog } from './session.js';

export interface RecordedSessionOptions {
  readonly trace: Trace;
  readonly video: SimVideo;
  readonly policy: PolicySpec;
  /** The recorder: create it with `clock` (below) as its clock. */
  readonly telemetry: Telemetry;
  /** The session's clock, shared with the recorder; starts wherever it is. */
  readonly clock: ManualClock;
  /** The player's name in `session-start`. */
  readonly player?: { readonly name: string; readonly version: string };
}

/**
 * Plays the session and records it. Stalls are placed where the simulator had them: ending when the
 * segment that was waited for arrived. Returns the simulator's own log (the truth to compare with).
 */
export function recordSimulatedSession(options: RecordedSessionOptions): SessionLog {
  const { telemetry, clock, video } = options;
  const originMs = clock.nowMs();
  const at = (simMs: number) => {
    const target = originMs + simMs;
    if (target > clock.nowMs()) clock.setMs(target);
  };
  const env = createRealisticEnv(options.trace, video);
  telemetry.recordSessionStart({ ladder: video, player: options.player ?? { name: 'abrkit-sim', version: '1' }, policy: { name: options.policy.name }, streamingFormat: 'o', streamType: 'v' });
  let lastEndMs = 0;
  let lastBufferS = 0;
  const recording: SimEnv<unknown> = {
    ...(env as SimEnv<unknown>),
    step(state, segmentIndex, rungIndex, abandon) {
      const outcome = env.step(state as never, segmentIndex, rungIndex, abandon);
      const samples = [...outcome.samples].sort((a, b) => a.endMs - b.endMs);
      const arrivedMs = samples.at(-1)?.endMs ?? env.nowMs(state as never);
      if (outcome.rebufferS > 0) {
        at(arrivedMs - outcome.rebufferS * 1000);
        telemetry.recordPlayback({ kind: 'stall-start', bufferMs: 0 });
      }
      for (const s of samples) {
        at(s.endMs);
        telemetry.recordSegment({
          url: `sim://video/${s.rungIndex}/${s.segmentIndex}.m4s`,
          bytes: s.bytes,
          startMs: originMs + s.startMs,
          ttfbMs: s.ttfbMs,
          durationMs: s.durationMs,
          ...(s.rungIndex === undefined ? {} : { rungIndex: s.rungIndex }),
          ...(s.segmentIndex === undefined ? {} : { segmentIndex: s.segmentIndex }),
          mediaDurationMs: video.segmentDurationS * 1000,
          ...(s !== samples.at(-1) || s.rungIndex !== outcome.rungIndex ? { abandoned: true } : {}),
        });
      }
      at(arrivedMs);
      if (outcome.rebufferS > 0) telemetry.recordPlayback({ kind: 'stall-end', bufferMs: video.segmentDurationS * 1000 });
      if (segmentIndex === 0) telemetry.recordPlayback({ kind: 'first-frame', positionMs: 0, bufferMs: outcome.bufferAfterS * 1000 });
      lastEndMs = Math.max(arrivedMs, env.nowMs(state as never));
      lastBufferS = outcome.bufferAfterS;
      return outcome;
    },
  };
  const controller = new AbrController({ ladder: video, policy: options.policy.createPolicy(), estimator: options.policy.createEstimator(), clock, onEvent: (e) => telemetry.onControllerEvent(e) });
  // The controller's clock must follow simulated time: runSession sets it before each decision.
  const sessionClock = new OffsetClock(clock, originMs);
  const log = runSession(recording, controller, { clock: sessionClock as unknown as ManualClock, abandon: createAbandonRule() });
  // The buffer left after the last download plays out, then the video ends.
  at(lastEndMs + lastBufferS * 1000);
  telemetry.recordPlayback({ kind: 'ended' });
  return log;
}

/** runSession sets simulated time (from 0); the shared clock runs from the session's origin. */
class OffsetClock {
  constructor(
    private readonly clock: ManualClock,
    private readonly originMs: number,
  ) {}
  nowMs(): number {
    return this.clock.nowMs() - this.originMs;
  }
  setMs(simMs: number): void {
    const target = this.originMs + simMs;
    if (target > this.clock.nowMs()) this.clock.setMs(target);
  }
}
