/**
 * Playback telemetry from a <video> element: play, pause, seeks, stalls, visibility, dropped frames
 * and errors.
 */
import type { Telemetry } from './recorder.js';
import type { Timers } from './env.js';
import { REAL_TIMERS } from './env.js';

/** The parts of an HTMLMediaElement the playback recorder reads (a `<video>` satisfies it). */
export interface MediaElementLike extends Pick<EventTarget, 'addEventListener' | 'removeEventListener'> {
  readonly currentTime: number;
  readonly seeking: boolean;
  readonly readyState: number;
  readonly buffered: { readonly length: number; start(index: number): number; end(index: number): number };
  readonly error: { readonly code: number; readonly message: string } | null;
  getVideoPlaybackQuality?(): { readonly droppedVideoFrames: number; readonly totalVideoFrames: number };
}

export interface MediaElementOptions {
  /** How often dropped frames are sampled (logged only when the count changed), ms. 0 disables. */
  readonly droppedFramesIntervalMs?: number;
  readonly timers?: Timers;
}

export const MEDIA_ELEMENT_DEFAULTS = Object.freeze({ droppedFramesIntervalMs: 10_000 });

/** HTMLMediaElement.HAVE_FUTURE_DATA: below it a `waiting` during playback is a stall. */
const HAVE_FUTURE_DATA = 3;

/**
 * Logs playback events from a media element, measured from the element itself (as the evaluation
 * protocol asks), not from the policy's beliefs: the first frame (the first `playing`), play, pause, seek, stall start/end (`waiting`
 * after playback started and while not seeking, then `playing`), errors, ended, and dropped frames.
 * The wait before the first `playing` is startup delay and is not logged as a stall. Returns a detach function.
 */
export function recordMediaElement(telemetry: Telemetry, media: MediaElementLike, options: MediaElementOptions = {}): () => void {
  const intervalMs = options.droppedFramesIntervalMs ?? MEDIA_ELEMENT_DEFAULTS.droppedFramesIntervalMs;
  const timers = options.timers ?? REAL_TIMERS;
  let stalled = false;
  /** Waiting before the first `playing` is startup delay, not a stall. */
  let started = false;
  let seekFromMs = 0;
  let lastDropped = -1;
  let timer: unknown = null;

  const positionMs = () => media.currentTime * 1000;
  const bufferMs = () => {
    const t = media.currentTime;
    for (let i = 0; i < media.buffered.length; i++) {
      if (media.buffered.start(i) <= t && t <= media.buffered.end(i)) return (media.buffered.end(i) - t) * 1000;
    }
    return 0;
  };
  const endStall = () => {
    if (!stalled) return;
    stalled = false;
    telemetry.recordPlayback({ kind: 'stall-end', positionMs: positionMs(), bufferMs: bufferMs() });
  };
  const sampleFrames = () => {
    const quality = media.getVideoPlaybackQuality?.();
    if (quality && quality.droppedVideoFrames !== lastDropped) {
      lastDropped = quality.droppedVideoFrames;
      telemetry.recordPlayback({ kind: 'dropped-frames', droppedFrames: quality.droppedVideoFrames, totalFrames: quality.totalVideoFrames, positionMs: positionMs() });
    }
  };
  const tick = () => {
    sampleFrames();
    timer = timers.setTimeout(tick, intervalMs);
  };

  const handlers: Record<string, () => void> = {
    play: () => telemetry.recordPlayback({ kind: 'play', positionMs: positionMs(), bufferMs: bufferMs() }),
    pause: () => telemetry.recordPlayback({ kind: 'pause', positionMs: positionMs(), bufferMs: bufferMs() }),
    seeking: () => {
      endStall();
      telemetry.recordPlayback({ kind: 'seek', positionMs: seekFromMs, toMs: positionMs() });
    },
    timeupdate: () => {
      if (!media.seeking) seekFromMs = positionMs();
    },
    waiting: () => {
      if (!started || media.seeking || stalled || media.readyState >= HAVE_FUTURE_DATA) return;
      stalled = true;
      telemetry.recordPlayback({ kind: 'stall-start', positionMs: positionMs(), bufferMs: bufferMs() });
    },
    playing: () => {
      if (!started) telemetry.recordPlayback({ kind: 'first-frame', positionMs: positionMs(), bufferMs: bufferMs() });
      started = true;
      endStall();
    },
    ended: () => {
      endStall();
      sampleFrames();
      telemetry.recordPlayback({ kind: 'ended', positionMs: positionMs() });
    },
    error: () => {
      const error = media.error;
      telemetry.recordPlayback({ kind: 'error', positionMs: positionMs(), code: `media-${error?.code ?? 0}`, message: error?.message ?? 'media element error' });
    },
  };
  for (const [name, handler] of Object.entries(handlers)) media.addEventListener(name, handler);
  if (intervalMs > 0) timer = timers.setTimeout(tick, intervalMs);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) media.removeEventListener(name, handler);
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
}
