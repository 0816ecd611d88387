import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createTelemetry } from '../../src/telemetry/recorder.js';
import { recordMediaElement, type MediaElementLike } from '../../src/telemetry/media-element.js';
import type { PlaybackEvent } from '../../src/telemetry/schema.js';
import { VirtualTimers, counterIds } from './helpers.js';

/** A media element double: state the test sets, events the test fires. */
class FakeMedia extends EventTarget implements MediaElementLike {
  currentTime = 0;
  seeking = false;
  readyState = 4;
  error: { code: number; message: string } | null = null;
  dropped = 0;
  bufferedEndS = 0;
  readonly buffered = { length: 1, start: () => 0, end: () => this.bufferedEndS };
  getVideoPlaybackQuality() {
    return { droppedVideoFrames: this.dropped, totalVideoFrames: 1000 };
  }
  fire(name: string): void {
    this.dispatchEvent(new Event(name));
  }
}

describe('recordMediaElement', () => {
  it('logs play, the first frame, stalls measured from the element, seeks, dropped frames, errors and ended', async () => {
    const clock = new ManualClock();
    const timers = new VirtualTimers();
    const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: counterIds(), timers, nowEpochMs: () => 0, summaryIntervalMs: 0, flushIntervalMs: 60_000 });
    const media = new FakeMedia();
    const detach = recordMediaElement(telemetry, media, { timers, droppedFramesIntervalMs: 5000 });
    media.bufferedEndS = 8;
    media.fire('play');
    media.readyState = 1;
    media.fire('waiting'); // startup: not a stall
    media.readyState = 4;
    media.fire('playing');
    media.currentTime = 8;
    media.readyState = 2;
    media.fire('waiting');
    media.fire('waiting'); // repeated while stalled: one stall
    clock.advanceMs(1200);
    media.readyState = 4;
    media.fire('playing');
    media.currentTime = 9;
    media.fire('timeupdate');
    media.seeking = true;
    media.currentTime = 30;
    media.fire('seeking');
    media.readyState = 1;
    media.fire('waiting'); // waiting while seeking is not a stall
    media.seeking = false;
    media.dropped = 3;
    timers.fireNext(); // the dropped-frames sampler
    media.error = { code: 3, message: 'decode error at https://cdn.example/x.m4s?sig=1' };
    media.fire('error');
    media.fire('ended');
    const pendingBefore = timers.pendingCount;
    detach();
    expect(timers.pendingCount).toBe(pendingBefore - 1); // the frame sampler stopped
    media.fire('play'); // detached: not logged
    const events = (await telemetry.exportNdjson()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as PlaybackEvent);
    // The first `playing` is the first frame (logged once); the later ones end stalls.
    expect(events.map((e) => e.kind)).toEqual(['play', 'first-frame', 'stall-start', 'stall-end', 'seek', 'dropped-frames', 'error', 'ended']);
    expect(events[0].bl).toBe(8000);
    expect(events[1].positionMs).toBe(0);
    expect(events[3].stallMs).toBe(1200);
    expect([events[4].positionMs, events[4].toMs]).toEqual([9000, 30000]);
    expect(events[5].droppedFrames).toBe(3);
    expect(events[6]).toMatchObject({ code: 'media-3', message: 'decode error at https://cdn.example/x.m4s' });
    await telemetry.close();
  });
});
