import { describe, expect, it } from 'vitest';
import type Hls from 'hls.js';
import { AbrkitHlsController } from '../../src/hls.js';
import { createAbrManager } from '../../src/shaka.js';
import { ManualClock } from '../../src/core/clock.js';
import { AbrkitError } from '../../src/core/errors.js';
import { ViewerWatcher, type ViewerChange } from '../../src/adapters/viewer.js';
import { hlsViewerTarget, shakaViewerTarget, type ViewerAdapterHooks } from '../../src/adapters/viewer-targets.js';

/** The `viewer` option's glue on stand-ins for the page; the real players are in test/e2e/viewer.test.ts. */
class FakeTarget extends EventTarget {
  visibilityState = 'visible';
  paused = false;
  ended = false;
  played = { length: 1, start: () => 0, end: () => 20 };
  set(type: 'hidden' | 'visible') {
    this.visibilityState = type;
    this.dispatchEvent(new Event('visibilitychange'));
  }
  media(type: 'pause' | 'play' | 'seeking') {
    if (type !== 'seeking') this.paused = type === 'pause';
    this.dispatchEvent(new Event(type));
    if (type === 'play') this.dispatchEvent(new Event('playing'));
  }
}

const NO_ENGAGEMENT = { engagement: null, hiddenGoalS: 8, pausedGoalS: 16 } as const;

/** The adapter's side of a target: 4 s segments, a link three times the top rung, nothing to replace. */
const hooks = (over: Partial<ViewerAdapterHooks> = {}): ViewerAdapterHooks => ({ segmentDurationS: () => 4, headroom: () => 3, replaceAhead: () => false, ...over });

describe('viewer watcher', () => {
  it('lowers the hls.js goal (both maxBufferLength and maxMaxBufferLength) while hidden or paused, and gives it back on return', () => {
    const page = new FakeTarget();
    const config = { maxBufferLength: 30, maxMaxBufferLength: 600 };
    const changes: ViewerChange[] = [];
    const watcher = new ViewerWatcher({ ...NO_ENGAGEMENT, onChange: (c) => changes.push(c) }, hlsViewerTarget(config, hooks()), new ManualClock(), page);
    watcher.attach(page);
    expect(config).toEqual({ maxBufferLength: 30, maxMaxBufferLength: 600 });
    page.set('hidden');
    expect(config).toEqual({ maxBufferLength: 8, maxMaxBufferLength: 8 });
    page.media('pause'); // hidden wins over paused
    expect(config.maxBufferLength).toBe(8);
    page.set('visible');
    expect(config).toEqual({ maxBufferLength: 16, maxMaxBufferLength: 16 });
    page.media('play');
    expect(config).toEqual({ maxBufferLength: 30, maxMaxBufferLength: 600 });
    expect(changes.map((c) => `${c.reason.kind}:${c.bufferGoalS}`)).toEqual(['watching:30', 'hidden:8', 'paused:16', 'watching:30']);
    expect(watcher.state()).toMatchObject({ hides: 1, pauses: 1, watchedS: 20 });
    page.set('hidden');
    watcher.destroy(); // the player's own goal back, and no more listening
    expect(config).toEqual({ maxBufferLength: 30, maxMaxBufferLength: 600 });
    page.set('visible');
    page.set('hidden');
    expect(config.maxBufferLength).toBe(30);
  });

  it('an element paused before playback has started (autoplay pending) is not a paused viewer', () => {
    const page = new FakeTarget();
    page.paused = true;
    const config = { maxBufferLength: 30, maxMaxBufferLength: 600 };
    const watcher = new ViewerWatcher(NO_ENGAGEMENT, hlsViewerTarget(config, hooks()), new ManualClock(), page);
    watcher.attach(page);
    expect(watcher.state().paused).toBe(false);
    expect(config.maxBufferLength).toBe(30);
    page.media('play');
    page.media('pause');
    expect(watcher.state().paused).toBe(true);
    expect(config.maxBufferLength).toBe(16);
    watcher.destroy();
  });

  it('sets shaka streaming.bufferingGoal through player.configure', () => {
    const page = new FakeTarget();
    let goal = 30;
    const player = { configure: (c: { streaming: { bufferingGoal: number } }) => (goal = c.streaming.bufferingGoal), getConfiguration: () => ({ streaming: { bufferingGoal: goal } }) };
    const watcher = new ViewerWatcher(NO_ENGAGEMENT, shakaViewerTarget(player, hooks()), new ManualClock(), page);
    watcher.attach(page);
    page.set('hidden');
    expect(goal).toBe(8);
    page.set('visible');
    expect(goal).toBe(30);
  });

  it('replaces on return: back from a hidden page held at the lowest rung, the target drops what lies beyond the margin', () => {
    const run = (options: Record<string, unknown>, steps: (page: FakeTarget) => void) => {
      const page = new FakeTarget();
      const config = { maxBufferLength: 30, maxMaxBufferLength: 600 };
      const margins: number[] = [];
      const changes: ViewerChange[] = [];
      const target = hlsViewerTarget(config, hooks({ replaceAhead: (marginS: number) => (margins.push(marginS), true) }));
      const watcher = new ViewerWatcher({ ...NO_ENGAGEMENT, ...options, onChange: (c) => changes.push(c) }, target, new ManualClock(), page);
      watcher.attach(page);
      steps(page);
      watcher.destroy();
      return { margins, replaced: changes.filter((c) => c.replacedBeyondS !== undefined).map((c) => `${c.reason.kind}:${c.replacedBeyondS}`) };
    };
    const hideAndReturn = (page: FakeTarget) => {
      page.set('hidden');
      page.set('visible');
    };
    expect(run({ hiddenLowestRung: true, replaceMarginS: 6 }, hideAndReturn)).toEqual({ margins: [6], replaced: ['watching:6'] });
    // Returning to a paused page is a return too (the rung held while hidden is what would play next).
    expect(run({ hiddenLowestRung: true }, (page) => (page.media('pause'), hideAndReturn(page)))).toEqual({ margins: [12], replaced: ['paused:12'] });
    // Nothing to replace: the rung was not held while hidden, replacing is off, or the page never hid.
    expect(run({ hiddenLowestRung: false }, hideAndReturn).margins).toEqual([]);
    expect(run({ hiddenLowestRung: true, replaceOnReturn: false }, hideAndReturn).margins).toEqual([]);
    expect(run({ hiddenLowestRung: true }, (page) => (page.media('pause'), page.media('play'))).margins).toEqual([]);
    // A target that dropped nothing (the policy's rung is no higher) reports no replacement.
    const page = new FakeTarget();
    const changes: ViewerChange[] = [];
    const watcher = new ViewerWatcher({ ...NO_ENGAGEMENT, hiddenLowestRung: true, onChange: (c) => changes.push(c) }, hlsViewerTarget({ maxBufferLength: 30, maxMaxBufferLength: 600 }, hooks()), new ManualClock(), page);
    watcher.attach(page);
    hideAndReturn(page);
    expect(changes.map((c) => c.replacedBeyondS)).toEqual([undefined, undefined, undefined]);
    watcher.destroy();
  });

  it('stays lowered while hidden when the headroom read from lowest-rung samples drops below the gate', () => {
    const page = new FakeTarget();
    const config = { maxBufferLength: 30, maxMaxBufferLength: 600 };
    let headroom = 3;
    const watcher = new ViewerWatcher({ ...NO_ENGAGEMENT, hiddenLowestRung: true }, hlsViewerTarget(config, hooks({ headroom: () => headroom })), new ManualClock(), page);
    watcher.attach(page);
    page.set('hidden');
    expect(watcher.decision).toMatchObject({ bufferGoalS: 8, lowestRung: true });
    headroom = 1.2;
    expect(watcher.update()).toMatchObject({ bufferGoalS: 8, lowestRung: true, reason: { kind: 'hidden' } });
    page.set('visible');
    expect(watcher.decision?.reason.kind).toBe('link-bound');
    expect(config.maxBufferLength).toBe(30);
    watcher.destroy();
  });

  it('counts idle after idleTimeoutMs without input while playing', async () => {
    const page = new FakeTarget();
    const config = { maxBufferLength: 30, maxMaxBufferLength: 600 };
    const clock = new ManualClock();
    const watcher = new ViewerWatcher({ ...NO_ENGAGEMENT, idleTimeoutMs: 60_000, idleGoalS: 12 }, hlsViewerTarget(config, hooks()), clock, page);
    watcher.attach(page);
    expect(watcher.state().idle).toBe(false);
    clock.advanceMs(60_000);
    expect(watcher.update()?.reason.kind).toBe('idle');
    expect(config.maxBufferLength).toBe(12);
    page.dispatchEvent(new Event('pointermove'));
    expect(config.maxBufferLength).toBe(30);
    watcher.destroy();
  });
});

describe('the viewer option in the adapters', () => {
  it('is validated up front; shaka needs the player to set its goal', () => {
    expect(() => createAbrManager({ viewer: true })).toThrow(AbrkitError);
    expect(() => createAbrManager({ viewer: { hiddenGoalS: -1 }, player: Object.assign(new EventTarget(), { configure: () => true, getConfiguration: () => ({ streaming: { bufferingGoal: 30 } }) }) })).toThrow(AbrkitError);
    expect(() => createAbrManager({ viewer: { idleTimeoutMs: Number.NaN } })).toThrow(AbrkitError);
  });

  it('hls.js: hidden with hiddenLowestRung holds the lowest rung; visible again, the policy decides', () => {
    const page = new FakeTarget();
    (globalThis as { document?: unknown }).document = page;
    try {
      const flushes: unknown[] = [];
      const hls = {
        // The controller reads event names from hls's constructor, as from the Hls class.
        constructor: { Events: { MANIFEST_PARSED: 'parsed', MAX_AUTO_LEVEL_UPDATED: 'max', FRAG_LOADED: 'loaded', BUFFER_FLUSHING: 'flushing' } },
        config: { abrEwmaDefaultEstimate: 500_000, maxBufferLength: 30, maxMaxBufferLength: 600 } as Record<string, number>,
        levels: [300_000, 4_300_000].map((bitrate) => ({ bitrate, averageBitrate: bitrate, width: 0, height: 0 })),
        minAutoLevel: 0,
        maxAutoLevel: 1,
        media: page,
        mainForwardBufferInfo: { len: 10 },
        latestLevelDetails: null,
        listeners: new Map<string, () => void>(),
        on(event: string, fn: () => void) {
          this.listeners.set(event, fn);
        },
        off() {},
        trigger(event: string, data: unknown) {
          flushes.push({ event, data });
        },
      };
      const loaded = (level: number) => {
        const stats = { loaded: 500_000, total: 500_000, aborted: false, loading: { start: 1000, first: 1050, end: 2000 } };
        (hls.listeners.get('loaded') as unknown as (e: unknown, d: unknown) => void)('loaded', { frag: { type: 'main', sn: 1, level, stats, bitrateTest: false, duration: 4 }, part: null });
      };
      const top = { name: 'top', decide: (c: { maxRungIndex: number }) => ({ rungIndex: c.maxRungIndex, reason: { kind: 'startup' as const, detail: 'test' } }) };
      const controller = new AbrkitHlsController(hls as unknown as Hls, { policy: top, clock: new ManualClock(), abandon: false, viewer: { ...NO_ENGAGEMENT, hiddenLowestRung: true, minHeadroom: 0 } });
      hls.listeners.get('parsed')!();
      expect(controller.nextAutoLevel).toBe(1);
      page.set('hidden');
      hls.listeners.get('max')!(); // a new decision
      expect(controller.nextAutoLevel).toBe(0);
      expect(hls.config.maxBufferLength).toBe(8);
      loaded(0);
      page.set('visible');
      hls.listeners.get('max')!();
      expect(controller.nextAutoLevel).toBe(1);
      expect(hls.config.maxBufferLength).toBe(30);
      // Back with 10 s buffered at the lowest rung (the default margin is 12 s): nothing dropped.
      expect(flushes).toEqual([]);
      hls.mainForwardBufferInfo.len = 20;
      Object.assign(page, { currentTime: 31 });
      page.set('hidden');
      loaded(0);
      page.set('visible');
      expect(flushes).toEqual([{ event: 'flushing', data: { startOffset: 43, endOffset: Number.POSITIVE_INFINITY, type: null } }]);
      expect(controller.nextAutoLevel).toBe(1);
      controller.destroy();
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});
