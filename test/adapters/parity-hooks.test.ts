import { describe, expect, it } from 'vitest';
import type Hls from 'hls.js';
import type shaka from 'shaka-player';
import { AbrkitHlsController } from '../../src/hls.js';
import { createAbrManager } from '../../src/shaka.js';
import { ManualClock } from '../../src/core/clock.js';
import { AbrkitError } from '../../src/core/errors.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import { PlayerLimits, resolveParity, type MeasuredVideo } from '../../src/adapters/player-limits.js';

/**
 * The parity hooks in both adapters (size cap, dropped frames, switch-up interval, cache hits),
 * against the same kind of stand-ins as hls-controller.test.ts and shaka-manager.test.ts.
 */
const EVENTS = {
  MANIFEST_LOADING: 'hlsManifestLoading',
  MANIFEST_PARSED: 'hlsManifestParsed',
  LEVELS_UPDATED: 'hlsLevelsUpdated',
  LEVEL_LOADED: 'hlsLevelLoaded',
  MAX_AUTO_LEVEL_UPDATED: 'hlsMaxAutoLevelUpdated',
  FRAG_LOADING: 'hlsFragLoading',
  FRAG_LOADED: 'hlsFragLoaded',
} as const;

/** A video element as the caps read it: layout size and a frame counter the test moves. */
class FakeVideo implements MeasuredVideo {
  clientWidth = 640;
  clientHeight = 360;
  playbackRate = 1;
  currentTime = 0;
  duration = 400;
  videoWidth = 0;
  videoHeight = 0;
  buffered = { length: 1, start: () => 0, end: () => 10 };
  frames = { totalVideoFrames: 0, droppedVideoFrames: 0 };
  getVideoPlaybackQuality() {
    return { ...this.frames };
  }
  play(total: number, dropped: number) {
    this.frames = { totalVideoFrames: this.frames.totalVideoFrames + total, droppedVideoFrames: this.frames.droppedVideoFrames + dropped };
  }
}

class FakeHls {
  static Events = EVENTS;
  config: Record<string, unknown> = { abrEwmaDefaultEstimate: 500_000 };
  // Bitrate order 300k (320x180), 1.2M (640x360), 2.85M (960x540), 4.3M (1280x720).
  levels = [300_000, 1_200_000, 2_850_000, 4_300_000].map((bitrate, i) => ({ bitrate, averageBitrate: bitrate, width: [320, 640, 960, 1280][i]!, height: [180, 360, 540, 720][i]!, details: { averagetargetduration: 4, targetduration: 4 } }));
  minAutoLevel = 0;
  maxAutoLevel = 3;
  autoLevelEnabled = true;
  currentLevel = -1;
  media: FakeVideo | null = new FakeVideo();
  mainForwardBufferInfo = { len: 10 };
  latestLevelDetails = { live: false, startSN: 0, endSN: 100 };
  #listeners = new Map<string, ((event: string, data: unknown) => void)[]>();
  on(event: string, fn: (event: string, data: unknown) => void) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), fn]);
  }
  off() {}
  trigger(event: string, data: unknown) {
    for (const fn of this.#listeners.get(event) ?? []) fn(event, data);
  }
}

/** Always the highest rung allowed: what the caps let through is what it picks. */
const topPolicy: AbrPolicy = { name: 'top', decide: (c) => ({ rungIndex: c.maxRungIndex, reason: { kind: 'startup', detail: 'test' } }) };

function hlsWith(options: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const hls = new FakeHls();
  Object.assign(hls.config, config);
  const clock = new ManualClock();
  const controller = new AbrkitHlsController(hls as unknown as Hls, { policy: topPolicy, clock, abandon: false, ...options });
  hls.trigger(EVENTS.MANIFEST_PARSED, {});
  return { hls, controller, clock };
}

let sn = 0;
function fragLoaded(hls: FakeHls, level: number, bytes: number, durationMs: number) {
  const stats = { aborted: false, loaded: bytes, total: bytes, loading: { start: 1000, first: 1000 + Math.min(5, durationMs), end: 1000 + durationMs } };
  hls.trigger(EVENTS.FRAG_LOADED, { frag: { type: 'main', sn: sn++, level, stats, bitrateTest: false, duration: 4, url: 'x.m4s' }, part: null });
}

describe('parity options', () => {
  it('rejects bad values with a typed error before playback', () => {
    const defaults = { capToPlayerSize: false, maxDevicePixelRatio: Infinity, droppedFrames: false as const, cacheHitMaxDurationMs: 10 };
    expect(() => resolveParity({ capToPlayerSize: { maxDevicePixelRatio: 0.5 } }, defaults)).toThrow(AbrkitError);
    expect(() => resolveParity({ droppedFrames: { maxDroppedRatio: 2 } }, defaults)).toThrow(AbrkitError);
    expect(() => resolveParity({ cacheHitMaxDurationMs: -1 }, defaults)).toThrow(AbrkitError);
    expect(() => createAbrManager({ minSwitchUpIntervalMs: -5 })).toThrow(AbrkitError);
    expect(resolveParity({ droppedFrames: true }, defaults).droppedFrames).toEqual({});
    expect(resolveParity({}, { ...defaults, capToPlayerSize: true }).capToPlayerSize).toBe(true);
  });

  it('a suspected cache hit is kept only when it would lower the estimate', () => {
    const limits = new PlayerLimits(resolveParity({ cacheHitMaxDurationMs: 50 }, { capToPlayerSize: false, maxDevicePixelRatio: Infinity, droppedFrames: false, cacheHitMaxDurationMs: 10 }));
    const sample = (bytes: number, durationMs: number) => ({ bytes, durationMs, ttfbMs: 1, startMs: 0, endMs: durationMs });
    expect(limits.acceptSample(sample(500_000, 30), 8e6)).toBe(false); // 133 Mbit/s in 30 ms
    expect(limits.acceptSample(sample(20_000, 30), 8e6)).toBe(true); // 5.3 Mbit/s: lowers it
    expect(limits.acceptSample(sample(20_000, 30), null)).toBe(false); // nothing to compare with
    expect(limits.acceptSample(sample(500_000, 500), 1e6)).toBe(true); // an ordinary download
    expect(limits.acceptSample(sample(500_000, 500), 1e6, true)).toBe(false); // the player says: cache
  });
});

describe('parity hooks in the hls.js controller', () => {
  it('caps to the player size x devicePixelRatio only when asked (hls.js capLevelToPlayerSize is off by default)', () => {
    expect(hlsWith({}).controller.nextAutoLevel).toBe(3);
    // 640x360 CSS px at dpr 1 (Node has no devicePixelRatio): the 640x360 rung covers it.
    expect(hlsWith({ capToPlayerSize: true }).controller.nextAutoLevel).toBe(1);
    // The player's own setting is the default.
    expect(hlsWith({}, { capLevelToPlayerSize: true }).controller.nextAutoLevel).toBe(1);
    const small = hlsWith({ capToPlayerSize: true });
    small.hls.media!.clientWidth = 300;
    small.hls.media!.clientHeight = 170;
    small.hls.trigger(EVENTS.MAX_AUTO_LEVEL_UPDATED, {});
    expect(small.controller.nextAutoLevel).toBe(0);
  });

  it('bans a rung that drops too many frames, for banMs, then tries it again', () => {
    const { hls, controller, clock } = hlsWith({ droppedFrames: { maxDroppedRatio: 0.15, minFrames: 300, banMs: 60_000 } });
    expect(controller.nextAutoLevel).toBe(3); // the first reading sets the baseline
    hls.currentLevel = 3;
    hls.media!.play(200, 50); // 25% dropped on the top rung, but fewer than minFrames
    fragLoaded(hls, 3, 500_000, 1000);
    expect(controller.nextAutoLevel).toBe(3);
    hls.media!.play(200, 50);
    fragLoaded(hls, 3, 500_000, 1000);
    expect(controller.nextAutoLevel).toBe(2);
    clock.advanceMs(61_000);
    fragLoaded(hls, 2, 500_000, 1000);
    expect(controller.nextAutoLevel).toBe(3);
  });

  it('a fast sample never raises the estimate, a slow one may lower it', () => {
    const { hls, controller } = hlsWith({ cacheHitMaxDurationMs: 50 });
    fragLoaded(hls, 1, 500_000, 500); // 8 Mbit/s
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(8e6, 3);
    fragLoaded(hls, 1, 500_000, 30); // 133 Mbit/s in 30 ms: a cache hit
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(8e6, 3);
    fragLoaded(hls, 1, 20_000, 40); // 4 Mbit/s: kept
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(2 / (1 / 8 + 1 / 4) * 1e6, 0);
  });
});

type Variant = shaka.extern.Variant;
type Request = shaka.extern.Request;
type RequestContext = shaka.extern.RequestContext;

function variant(id: number, bandwidth: number, height: number): Variant {
  const video = { type: 'video', width: (height * 16) / 9, height, frameRate: 25, codecs: 'avc1.42c01f' };
  return { id, bandwidth, allowedByApplication: true, allowedByKeySystem: true, disabledUntilTime: 0, audio: null, video, language: '', primary: false, decodingInfos: [] } as unknown as Variant;
}
const VARIANTS = [variant(10, 1_200_000, 360), variant(11, 300_000, 180), variant(12, 4_300_000, 720), variant(13, 2_850_000, 540)];
const request = () => ({ timeToFirstByte: 5, uris: ['https://cdn.example/seg.m4s'] }) as unknown as Request;
const videoContext = (v: Variant) => ({ type: 1, stream: v.video, segment: null }) as unknown as RequestContext;

function abrConfig(extra: Record<string, unknown> = {}): shaka.extern.AbrConfiguration {
  const restrictions = { minBandwidth: 0, maxBandwidth: Infinity, minWidth: 0, maxWidth: Infinity, minHeight: 0, maxHeight: Infinity, minPixels: 0, maxPixels: Infinity, minFrameRate: 0, maxFrameRate: Infinity, minChannelsCount: 0, maxChannelsCount: Infinity };
  // shaka 5's defaults for what the parity rules read.
  const base = { defaultBandwidthEstimate: 1e6, restrictions, restrictToElementSize: false, ignoreDevicePixelRatio: false, droppedFrames: true, cacheLoadThreshold: 5, advanced: { droppedFramesThreshold: 0.15, droppedFramesBanDuration: 30 } };
  return { ...base, ...extra } as unknown as shaka.extern.AbrConfiguration;
}

function shakaWith(options: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const player = new EventTarget();
  const manager = createAbrManager({ policy: topPolicy, clock, abandon: false, player, ...options });
  const video = new FakeVideo();
  manager.configure(abrConfig(config));
  manager.setMediaElement(video as unknown as HTMLMediaElement);
  manager.setVariants(VARIANTS, false);
  return { manager, video, clock, player };
}

describe('parity hooks in the shaka manager', () => {
  it('caps to the element size when shaka is configured to (restrictToElementSize), or when asked', () => {
    expect(shakaWith({}).manager.chooseVariant().id).toBe(12);
    expect(shakaWith({}, { restrictToElementSize: true }).manager.chooseVariant().id).toBe(10);
    expect(shakaWith({ capToPlayerSize: true }).manager.chooseVariant().id).toBe(10);
    expect(shakaWith({ capToPlayerSize: false }, { restrictToElementSize: true }).manager.chooseVariant().id).toBe(12);
  });

  it('bans a rung dropping frames by default, as shaka does (abr.droppedFrames), and not when shaka is told not to', () => {
    for (const [config, expected] of [[{}, 13], [{ droppedFrames: false }, 12]] as const) {
      const { manager, video } = shakaWith({}, config);
      const ids = [manager.chooseVariant().id]; // the first reading sets the baseline
      video.play(400, 120); // 30% dropped of 400 frames on the 720p rung
      ids.push(manager.chooseVariant().id);
      expect(ids, JSON.stringify(config)).toEqual([12, expected]);
    }
  });

  it('holds a switch up within minSwitchUpIntervalMs of the last switch down; the start-up ramp and downs go through', () => {
    const proposals: number[] = [];
    const scripted: AbrPolicy = { name: 'scripted', decide: (c) => ({ rungIndex: Math.min(c.maxRungIndex, proposals.shift() ?? 0), reason: { kind: 'startup', detail: 'test' } }) };
    const { manager, clock } = shakaWith({ policy: scripted, minSwitchUpIntervalMs: 8000 });
    proposals.push(0, 2, 0, 3, 3);
    const chosen: number[] = [];
    for (const stepMs of [0, 1000, 1000, 1000, 9000]) {
      clock.advanceMs(stepMs);
      chosen.push(manager.chooseVariant().id);
    }
    // Rung 0, up to rung 2 (the ramp is free since b84ca6d's holdAfter: 'down'), down to 0 at once, rung 3
    // held 1 s after that switch down, then taken 10 s after it.
    expect(chosen).toEqual([11, 13, 11, 11, 12]);
  });

  it('a response shaka served from its cache never raises the estimate', () => {
    const { manager, player } = shakaWith({});
    const completed = (req: Request, bytes: number, timeMs: number, fromCache: boolean) =>
      player.dispatchEvent(Object.assign(new Event('downloadcompleted'), { requestType: 1, request: req, context: videoContext(VARIANTS[1]!), response: { data: new ArrayBuffer(bytes), timeMs, fromCache } }));
    const first = request();
    manager.segmentDownloaded(500, 250_000, true, first, videoContext(VARIANTS[1]!));
    completed(first, 250_000, 500, false); // 4 Mbit/s
    expect(manager.getBandwidthEstimate()).toBeCloseTo(4e6, 3);
    const cached = request();
    completed(cached, 1_000_000, 40, true);
    manager.segmentDownloaded(40, 1_000_000, true, cached, videoContext(VARIANTS[1]!)); // 200 Mbit/s from the cache
    manager.segmentDownloaded(100, 20_000, true, request(), videoContext(VARIANTS[1]!)); // completes it
    expect(manager.getBandwidthEstimate()).toBeCloseTo(4e6, 3);
  });
});
