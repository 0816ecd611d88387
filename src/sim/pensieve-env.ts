/**
 * Pensieve's simulator (`fixed_env.py`), operation for operation, for figures comparable with the
 * literature.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { ChunkOutcome, SimEnv } from './env.js';
import { invalidOptions } from '../core/errors.js';

/** The constants of Pensieve's `fixed_env.py`, each named as there. */
export const PENSIEVE_CONSTANTS = Object.freeze({
  /** TOTAL_VIDEO_CHUNCK */
  chunkCount: 48,
  /** LINK_RTT, ms, added to every chunk's delay. */
  linkRttMs: 80,
  /** PACKET_PAYLOAD_PORTION */
  payloadPortion: 0.95,
  /** BUFFER_THRESH, ms */
  bufferThreshMs: 60_000,
  /** DRAIN_BUFFER_SLEEP_TIME, ms */
  drainSleepMs: 500,
  /** DEFAULT_QUALITY: the first chunk's rung, and the "previous" rung of the first reward. */
  defaultRung: 1,
});

export interface PensieveEnvOptions {
  readonly chunkCount?: number;
}

export interface PensieveState {
  /** Trace index of the interval being consumed (mahimahi_ptr). */
  ptr: number;
  /** Trace time reached (last_mahimahi_time), s. */
  lastTimeS: number;
  bufferMs: number;
  elapsedMs: number;
}

/**
 * Pensieve-compatible simulator: the semantics of Pensieve's `test/fixed_env.py`, operation for
 * operation, so that figures line up with the literature (see EVALUATION.md):
 * the link carries `Mbps * 1e6 / 8 * duration * 0.95` bytes per trace interval, 80 ms RTT is added
 * per chunk, buffers over 60 s sleep in 500 ms steps, and the trace wraps to time 0.
 */
export function createPensieveEnv(trace: Trace, video: SimVideo, options: PensieveEnvOptions = {}): SimEnv<PensieveState> {
  const chunkCount = Math.min(options.chunkCount ?? PENSIEVE_CONSTANTS.chunkCount, video.segmentSizesBytes.length);
  if (!(chunkCount >= 1)) throw invalidOptions('pensieve-env', 'chunkCount must be >= 1');
  const { linkRttMs, payloadPortion, bufferThreshMs, drainSleepMs } = PENSIEVE_CONSTANTS;
  const times = trace.timesS;
  const bw = trace.mbps;
  const n = times.length;
  const chunkMs = video.segmentDurationS * 1000;

  return {
    video,
    chunkCount,
    initial: () => ({ ptr: 1, lastTimeS: times[0], bufferMs: 0, elapsedMs: 0 }),
    clone: (s) => ({ ptr: s.ptr, lastTimeS: s.lastTimeS, bufferMs: s.bufferMs, elapsedMs: s.elapsedMs }),
    bufferS: (s) => s.bufferMs / 1000,
    nowMs: (s) => s.elapsedMs,
    elapsedS: (s) => s.elapsedMs / 1000,
    phase: () => 1,
    step(s, segmentIndex, rungIndex): ChunkOutcome {
      const size = video.segmentSizesBytes[segmentIndex][rungIndex];
      const startMs = s.elapsedMs;
      let delayS = 0;
      let sent = 0;
      for (;;) {
        const throughput = (bw[s.ptr] * 1e6) / 8;
        const duration = times[s.ptr] - s.lastTimeS;
        const payload = throughput * duration * payloadPortion;
        if (sent + payload > size) {
          const fractional = (size - sent) / throughput / payloadPortion;
          delayS += fractional;
          s.lastTimeS += fractional;
          break;
        }
        sent += payload;
        delayS += duration;
        s.lastTimeS = times[s.ptr];
        s.ptr++;
        if (s.ptr >= n) {
          s.ptr = 1;
          s.lastTimeS = 0;
        }
      }
      const delayMs = delayS * 1000 + linkRttMs;
      const rebufferMs = Math.max(delayMs - s.bufferMs, 0);
      s.bufferMs = Math.max(s.bufferMs - delayMs, 0) + chunkMs;
      let sleepMs = 0;
      if (s.bufferMs > bufferThreshMs) {
        sleepMs = Math.ceil((s.bufferMs - bufferThreshMs) / drainSleepMs) * drainSleepMs;
        s.bufferMs -= sleepMs;
        let remainingMs = sleepMs;
        for (;;) {
          const duration = times[s.ptr] - s.lastTimeS;
          if (duration > remainingMs / 1000) {
            s.lastTimeS += remainingMs / 1000;
            break;
          }
          remainingMs -= duration * 1000;
          s.lastTimeS = times[s.ptr];
          s.ptr++;
          if (s.ptr >= n) {
            s.ptr = 1;
            s.lastTimeS = 0;
          }
        }
      }
      s.elapsedMs += delayMs + sleepMs;
      return {
        rungIndex,
        bytes: size,
        wastedBytes: 0,
        downloadMs: delayMs,
        rebufferS: rebufferMs / 1000,
        startupS: segmentIndex === 0 ? rebufferMs / 1000 : 0,
        bufferAfterS: s.bufferMs / 1000,
        samples: [
          { bytes: size, durationMs: delayMs, ttfbMs: linkRttMs, startMs, endMs: startMs + delayMs, rungIndex, segmentIndex },
        ],
      };
    },
  };
}
