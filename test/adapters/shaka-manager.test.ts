import { describe, expect, it } from 'vitest';
import type shaka from 'shaka-player';
import { createAbrManager, meetsRestrictions, type SegmentDownload } from '../../src/shaka.js';
import { ManualClock } from '../../src/core/clock.js';

type Variant = shaka.extern.Variant;
type Request = shaka.extern.Request;
type RequestContext = shaka.extern.RequestContext;
type AbrConfiguration = shaka.extern.AbrConfiguration;

/**
 * Node-level checks of the shaka manager's glue with stand-in variants and requests. shaka's own
 * types carry dozens of fields these tests do not touch, so the stand-ins are cast once here; the
 * real player is exercised in test/e2e.
 */
function variant(id: number, bandwidth: number, height: number): Variant {
  const video = { type: 'video', width: (height * 16) / 9, height, frameRate: 25, codecs: 'avc1.42c01f' };
  return { id, bandwidth, allowedByApplication: true, allowedByKeySystem: true, disabledUntilTime: 0, audio: null, video, language: '', primary: false, decodingInfos: [] } as unknown as Variant;
}

function request(uri = 'https://cdn.example/seg.m4s'): Request {
  return { timeToFirstByte: 40, uris: [uri] } as unknown as Request;
}

function videoContext(v: Variant, type = 1): RequestContext {
  return { type, stream: v.video, segment: null } as unknown as RequestContext;
}

function abrConfig(restrictions: Partial<shaka.extern.Restrictions> = {}): AbrConfiguration {
  return {
    defaultBandwidthEstimate: 1e6,
    restrictions: {
      minBandwidth: 0, maxBandwidth: Infinity, minWidth: 0, maxWidth: Infinity, minHeight: 0, maxHeight: Infinity,
      minPixels: 0, maxPixels: Infinity, minFrameRate: 0, maxFrameRate: Infinity, minChannelsCount: 0, maxChannelsCount: Infinity,
      ...restrictions,
    },
  } as unknown as AbrConfiguration;
}

// Player order deliberately not sorted by bandwidth.
const VARIANTS = [variant(10, 1_200_000, 360), variant(11, 300_000, 180), variant(12, 4_300_000, 720), variant(13, 2_850_000, 540)];

describe('abrkit shaka AbrManager', () => {
  it('starts on the lowest variant under the rate policy, and setVariants reports changes only', () => {
    const manager = createAbrManager({ policy: 'rate', clock: new ManualClock() });
    manager.configure(abrConfig());
    expect(manager.setVariants(VARIANTS, false)).toBe(true);
    expect(manager.setVariants(VARIANTS, false)).toBe(false);
    expect(manager.chooseVariant().id).toBe(11);
    expect(manager.getBandwidthEstimate()).toBe(1e6);
  });

  it('joins the chunks of one request into one sample and ignores init segments', () => {
    const clock = new ManualClock();
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false });
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    manager.segmentDownloaded(5, 900_000, true, request(), videoContext(VARIANTS[1]!, 0)); // init segment: ignored
    const first = request();
    for (let i = 0; i < 4; i++) {
      clock.advanceMs(100);
      manager.segmentDownloaded(100, 50_000, true, first, videoContext(VARIANTS[1]!));
    }
    expect(manager.getBandwidthEstimate()).toBe(1e6); // still in flight: no sample yet
    clock.advanceMs(100);
    manager.segmentDownloaded(100, 20_000, true, request(), videoContext(VARIANTS[1]!));
    // 200 kB in 400 ms = 4 Mbit/s, one sample (the harmonic mean of one value).
    expect(manager.getBandwidthEstimate()).toBeCloseTo(4e6, 6);
    expect(manager.chooseVariant().id).toBe(13); // 2.85 Mbps fits, 4.3 does not
  });

  it('samples video segments only: a separate audio track\'s small, round-trip-bound segments do not lower the estimate', () => {
    const clock = new ManualClock();
    const player = new EventTarget();
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false, player });
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    const completed = (req: Request, context: RequestContext, bytes: number, timeMs: number) =>
      player.dispatchEvent(Object.assign(new Event('downloadcompleted'), { requestType: 1, request: req, context, response: { data: new ArrayBuffer(bytes), timeMs } }));
    const audioContext = { type: 1, stream: { type: 'audio' }, segment: null } as unknown as RequestContext;
    completed(request(), videoContext(VARIANTS[1]!), 1_000_000, 1000); // 8 Mbit/s
    completed(request('https://cdn.example/audio/seg1.m4s'), audioContext, 16_000, 30); // "4.3 Mbit/s"
    manager.segmentDownloaded(30, 16_000, true, request('https://cdn.example/audio/seg2.m4s'), audioContext);
    manager.segmentDownloaded(30, 16_000, true, request('https://cdn.example/audio/seg3.m4s'), audioContext);
    expect(manager.getBandwidthEstimate()).toBeCloseTo(8e6, 6);
  });

  it('with the player given, a sample completes at its downloadcompleted event (response size and time), before the next request chooses', () => {
    const clock = new ManualClock();
    const player = new EventTarget();
    const switches: number[] = [];
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false, player });
    manager.init((v) => switches.push(v.id), () => undefined);
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    manager.enable();
    expect(manager.chooseVariant().id).toBe(11);
    const completed = (req: Request, context: RequestContext, bytes: number, timeMs: number, requestType = 1) =>
      player.dispatchEvent(Object.assign(new Event('downloadcompleted'), { requestType, request: req, context, response: { data: new ArrayBuffer(bytes), timeMs } }));
    const first = request();
    clock.advanceMs(100);
    manager.segmentDownloaded(100, 50_000, true, first, videoContext(VARIANTS[1]!));
    // The response: 200 kB in 400 ms = 4 Mbit/s, although only one 50 kB chunk was reported so far.
    completed(first, videoContext(VARIANTS[1]!), 200_000, 400);
    expect(manager.getBandwidthEstimate()).toBeCloseTo(4e6, 6);
    expect(switches).toEqual([]); // not from inside the event: shaka would drop what it just fetched
    // Chunk reports queued behind the event add nothing, and no second sample is made of them.
    manager.segmentDownloaded(100, 150_000, true, first, videoContext(VARIANTS[1]!));
    expect(switches).toEqual([]);
    // The next request's first report brings the choice, made on the completed sample.
    manager.segmentDownloaded(10, 1_000, true, request(), videoContext(VARIANTS[3]!));
    expect(switches).toEqual([13]);
    expect(manager.getBandwidthEstimate()).toBeCloseTo(4e6, 6);
    // A request shaka reports only at its end (no progress events): the event comes first.
    const whole = request();
    completed(whole, videoContext(VARIANTS[3]!), 100_000, 400); // 2 Mbit/s
    manager.segmentDownloaded(400, 100_000, true, whole, videoContext(VARIANTS[3]!));
    expect(manager.getBandwidthEstimate()).toBeCloseTo(2 / (1 / 4 + 1 / 2) * 1e6, 0); // harmonic mean of 4 and 2
    // Manifests and init segments are not samples; release stops listening.
    completed(request(), videoContext(VARIANTS[1]!), 5_000_000, 10, 0);
    completed(request(), videoContext(VARIANTS[1]!, 0), 5_000_000, 10);
    expect(manager.getBandwidthEstimate()).toBeCloseTo(2 / (1 / 4 + 1 / 2) * 1e6, 0);
    manager.release();
    completed(request(), videoContext(VARIANTS[1]!), 5_000_000, 10);
    expect(manager.core.controller.prediction()).toBeNull();
  });

  it('times the reads of a low-latency segment response: the idle waits between parts do not lower the estimate', async () => {
    const clock = new ManualClock();
    let filter: shaka.extern.RequestFilter | null = null;
    const engine = { registerRequestFilter: (f: shaka.extern.RequestFilter) => (filter = f), unregisterRequestFilter: () => (filter = null) };
    const player = Object.assign(new EventTarget(), { getNetworkingEngine: () => engine });
    const manager = createAbrManager({ policy: 'live', clock, abandon: false, player, live: { targetLatencyS: 3 } });
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    const appended: number[] = [];
    const req = Object.assign(request(), { streamDataCallback: async (data: ArrayBuffer | ArrayBufferView) => void appended.push(data.byteLength) });
    filter!(1 as shaka.net.NetworkingEngine.RequestType, req, videoContext(VARIANTS[1]!));
    // A 4 s segment requested when its first part is out: 4 parts of 50 kB, each sent in 80 ms at
    // 5 Mbit/s (10 reads of 5 kB), one per second; shaka's report of each part spans the idle second.
    for (let p = 0; p < 4; p++) {
      for (let r = 0; r < 10; r++) {
        clock.advanceMs(r === 0 ? (p === 0 ? 40 : 920) : 8);
        await req.streamDataCallback!(new ArrayBuffer(5_000));
      }
      manager.segmentDownloaded(p === 0 ? 112 : 1000, 50_000, true, req, videoContext(VARIANTS[1]!));
    }
    player.dispatchEvent(Object.assign(new Event('downloadcompleted'), { requestType: 1, request: req, context: videoContext(VARIANTS[1]!), response: { data: new ArrayBuffer(200_000), timeMs: 3112 } }));
    expect(appended).toEqual(Array(40).fill(5_000)); // the player's own callback still gets every read
    // The busy time: 9 timed reads of 5 kB in 72 ms per part = 5 Mbit/s, not 200 kB in 3.1 s (0.5 Mbit/s).
    expect(manager.getBandwidthEstimate()).toBeCloseTo(5e6, -3);
    manager.release();
    expect(filter).toBeNull();
  });

  it('with the player given, overlapping requests of one type (low-latency prefetch) each make their own sample', () => {
    const clock = new ManualClock();
    const player = new EventTarget();
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false, player });
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    const completed = (req: Request, bytes: number, timeMs: number) =>
      player.dispatchEvent(Object.assign(new Event('downloadcompleted'), { requestType: 1, request: req, context: videoContext(VARIANTS[1]!), response: { data: new ArrayBuffer(bytes), timeMs } }));
    const a = request('https://cdn.example/s1.m4s');
    const b = request('https://cdn.example/s2.m4s');
    clock.advanceMs(200);
    manager.segmentDownloaded(200, 100_000, true, a, videoContext(VARIANTS[1]!));
    manager.segmentDownloaded(200, 50_000, true, b, videoContext(VARIANTS[1]!));
    manager.segmentDownloaded(200, 100_000, true, a, videoContext(VARIANTS[1]!));
    expect(manager.core.controller.prediction()).toBeNull(); // neither has ended: b did not end a
    completed(a, 200_000, 400); // 4 Mbit/s
    completed(b, 100_000, 400); // 2 Mbit/s
    expect(manager.getBandwidthEstimate()).toBeCloseTo(2 / (1 / 4 + 1 / 2) * 1e6, 0);
  });

  it('reports each completed video request to onSegment, not init segments', () => {
    const clock = new ManualClock();
    const downloads: SegmentDownload[] = [];
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false, onSegment: (d) => downloads.push(d) });
    manager.configure(abrConfig());
    manager.setVariants(VARIANTS, false);
    manager.segmentDownloaded(5, 900_000, true, request('https://cdn.example/init.mp4'), videoContext(VARIANTS[2]!, 0));
    const first = request('https://cdn.example/720/1.m4s?token=t');
    clock.advanceMs(200);
    manager.segmentDownloaded(200, 100_000, true, first, videoContext(VARIANTS[2]!));
    manager.segmentDownloaded(100, 20_000, true, request(), videoContext(VARIANTS[2]!)); // completes the first
    expect(downloads).toEqual([
      { url: 'https://cdn.example/720/1.m4s?token=t', bytes: 100_000, startMs: 0, ttfbMs: 40, durationMs: 200, rungIndex: 3, bitrateBps: 4_300_000, segmentIndex: 0 },
    ]);
  });

  it('honours restrictions and switches through the callback when enabled', () => {
    const clock = new ManualClock();
    const manager = createAbrManager({ policy: 'rate', clock, abandon: false });
    const switched: number[] = [];
    manager.init((v) => switched.push(v.id), () => undefined);
    manager.configure(abrConfig({ maxHeight: 360 }));
    manager.setVariants(VARIANTS, false);
    manager.enable();
    expect(manager.chooseVariant().id).toBe(11);
    manager.segmentDownloaded(400, 1_000_000, true, request(), videoContext(VARIANTS[1]!)); // 20 Mbit/s
    manager.segmentDownloaded(100, 20_000, true, request(), videoContext(VARIANTS[1]!));
    // The link affords the top rung, but restrictions cap the height at 360: the 1.2 Mbps variant.
    expect(switched).toEqual([10]);
    manager.disable();
    manager.segmentDownloaded(100, 20_000, true, request(), videoContext(VARIANTS[0]!));
    expect(switched).toEqual([10]);
  });

  it('checks every documented restriction field', () => {
    const v = VARIANTS[2]!; // 4.3 Mbps, 1280x720, 25 fps
    const r = abrConfig().restrictions;
    expect(meetsRestrictions(v, r)).toBe(true);
    expect(meetsRestrictions(v, { ...r, maxBandwidth: 4e6 })).toBe(false);
    expect(meetsRestrictions(v, { ...r, maxWidth: 1000 })).toBe(false);
    expect(meetsRestrictions(v, { ...r, maxPixels: 1280 * 720 - 1 })).toBe(false);
    expect(meetsRestrictions(v, { ...r, minFrameRate: 30 })).toBe(false);
  });
});
