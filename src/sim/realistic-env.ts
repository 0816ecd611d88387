/**
 * abrkit's realistic simulator: round trips, a startup phase, a buffer goal, no trace wrap,
 * abandonment.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { ChunkOutcome, SimEnv } from './env.js';
import type { DownloadSample } from '../core/sample.js';
import type { AbandonRule } from '../core/abandon.js';
import { Link, type LinkCursor } from './link.js';
import { invalidOptions } from '../core/errors.js';

export interface RealisticEnvOptions {
  /** Time to first byte of every request when the trace has no latency of its own, ms. */
  readonly rttMs: number;
  /** Playback starts once this much media is buffered (hls.js starts after the first segment). */
  readonly startupBufferS: number;
  /** The player stops fetching while a further segment would take the buffer past this (hls.js: 30 s). */
  readonly bufferGoalS: number;
  /** Share of the trace bandwidth that carries payload. */
  readonly payloadPortion: number;
  /** Wrap to the start of the trace at its end; otherwise the link runs on at the trace's mean. */
  readonly wrapTrace: boolean;
  /** How often an in-flight download is offered to the abandonment rule, ms. */
  readonly abandonCheckMs: number;
  /** Segments in a session; default: all the video has. */
  readonly chunkCount?: number;
}

export const REALISTIC_ENV_DEFAULTS: RealisticEnvOptions = Object.freeze({
  rttMs: 80,
  startupBufferS: 2,
  bufferGoalS: 30,
  payloadPortion: 0.95,
  wrapTrace: false,
  abandonCheckMs: 250,
});

export interface RealisticState {
  cursor: LinkCursor;
  elapsedS: number;
  bufferS: number;
  playing: boolean;
}

/**
 * abrkit's own simulator mode: a player's-eye view. Differences from Pensieve mode:
 * every request waits a round trip before its first byte; playback starts only once
 * `startupBufferS` is buffered (startup delay is reported apart from stalls); the player idles
 * while the buffer is at its goal instead of sleeping in 500 ms steps at 60 s; the trace does not
 * wrap unless asked; the first segment is the policy's choice; and a download that would stall
 * can be abandoned for a lower rung (the bytes fetched so far are counted as wasted).
 */
export function createRealisticEnv(
  trace: Trace,
  video: SimVideo,
  options: Partial<RealisticEnvOptions> = {},
): SimEnv<RealisticState> {
  const o = { ...REALISTIC_ENV_DEFAULTS, ...options };
  if (!(o.bufferGoalS >= video.segmentDurationS)) throw invalidOptions('realistic-env', 'bufferGoalS must be at least one segment');
  if (!(o.startupBufferS > 0) || o.startupBufferS > o.bufferGoalS) throw invalidOptions('realistic-env', 'startupBufferS must be in (0, bufferGoalS]');
  if (!(o.rttMs >= 0) || !(o.payloadPortion > 0 && o.payloadPortion <= 1)) throw invalidOptions('realistic-env', 'rttMs must be >= 0 and payloadPortion in (0, 1]');
  const link = new Link(trace, { payloadPortion: o.payloadPortion, wrap: o.wrapTrace });
  const chunkCount = Math.min(o.chunkCount ?? video.segmentSizesBytes.length, video.segmentSizesBytes.length);
  const segmentS = video.segmentDurationS;

  return {
    video,
    chunkCount,
    initial: () => ({ cursor: link.start(), elapsedS: 0, bufferS: 0, playing: false }),
    clone: (s) => ({ cursor: { ptr: s.cursor.ptr, timeS: s.cursor.timeS }, elapsedS: s.elapsedS, bufferS: s.bufferS, playing: s.playing }),
    bufferS: (s) => s.bufferS,
    nowMs: (s) => s.elapsedS * 1000,
    elapsedS: (s) => s.elapsedS,
    phase: (s) => (s.playing ? 1 : 0),
    step(s, segmentIndex, requestedRung, abandon?: AbandonRule): ChunkOutcome {
      // Wait for room under the buffer goal; playback drains the buffer meanwhile.
      const roomS = o.bufferGoalS - segmentS;
      if (s.playing && s.bufferS > roomS) {
        const waitS = s.bufferS - roomS;
        link.idle(s.cursor, waitS);
        s.elapsedS += waitS;
        s.bufferS = roomS;
      }
      const requestS = s.elapsedS;
      const bufferAtRequestS = s.bufferS;
      const samples: DownloadSample[] = [];
      let rung = requestedRung;
      let wastedBytes = 0;
      let attemptStartS = requestS;
      let bytes: number;
      let ttfbS: number;
      for (;;) {
        ttfbS = link.rttMs(s.cursor, o.rttMs) / 1000;
        link.idle(s.cursor, ttfbS);
        bytes = video.segmentSizesBytes[segmentIndex][rung];
        let loaded = 0;
        let transferS = 0;
        let abandonedFor: number | null = null;
        while (loaded < bytes) {
          const sliceS = abandon && rung > 0 ? o.abandonCheckMs / 1000 : Infinity;
          const got = link.transfer(s.cursor, bytes - loaded, sliceS);
          loaded += got.bytes;
          transferS += got.durationS;
          if (loaded >= bytes || !abandon) continue;
          const sinceRequestS = attemptStartS - requestS + ttfbS + transferS;
          abandonedFor = abandon({
            ladder: video,
            segmentIndex,
            rungIndex: rung,
            bytesLoaded: loaded,
            bytesTotal: bytes,
            elapsedMs: (ttfbS + transferS) * 1000,
            ttfbMs: ttfbS * 1000,
            bufferS: s.playing ? Math.max(0, bufferAtRequestS - sinceRequestS) : 0,
            minRungIndex: 0,
          });
          if (abandonedFor !== null && abandonedFor < rung) break;
          abandonedFor = null;
        }
        const attemptMs = (ttfbS + transferS) * 1000;
        const startMs = attemptStartS * 1000;
        samples.push({ bytes: loaded, durationMs: attemptMs, ttfbMs: ttfbS * 1000, startMs, endMs: startMs + attemptMs, rungIndex: rung, segmentIndex });
        attemptStartS += ttfbS + transferS;
        if (abandonedFor === null) break;
        wastedBytes += loaded;
        rung = abandonedFor;
      }
      const downloadS = attemptStartS - requestS;
      s.elapsedS = attemptStartS;
      let rebufferS = 0;
      let startupS = 0;
      if (s.playing) {
        rebufferS = Math.max(0, downloadS - s.bufferS);
        s.bufferS = Math.max(0, s.bufferS - downloadS);
      } else {
        startupS = downloadS;
      }
      s.bufferS += segmentS;
      if (!s.playing && s.bufferS >= Math.min(o.startupBufferS, segmentS * (chunkCount - segmentIndex))) s.playing = true;
      return {
        rungIndex: rung,
        bytes,
        wastedBytes,
        downloadMs: downloadS * 1000,
        rebufferS,
        startupS,
        bufferAfterS: s.bufferS,
        samples,
      };
    },
  };
}
