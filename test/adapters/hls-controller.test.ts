import { describe, expect, it } from 'vitest';
import type Hls from 'hls.js';
import { AbrkitHlsController, type SegmentDownload } from '../../src/hls.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import type { DecisionContext } from '../../src/core/context.js';

/**
 * The hls.js glue against a stand-in with the members the controller reads (the event names are
 * hls.js's own strings). The real hls.js is exercised in test/e2e; this pins the call semantics.
 */
const EVENTS = {
  MANIFEST_LOADING: 'hlsManifestLoading',
  MANIFEST_PARSED: 'hlsManifestParsed',
  LEVELS_UPDATED: 'hlsLevelsUpdated',
  LEVEL_LOADED: 'hlsLevelLoaded',
  MAX_AUTO_LEVEL_UPDATED: 'hlsMaxAutoLevelUpdated',
  FRAG_LOADING: 'hlsFragLoading',
  FRAG_LOADED: 'hlsFragLoaded',
  FRAG_LOAD_EMERGENCY_ABORTED: 'hlsFragLoadEmergencyAborted',
} as const;

class FakeHls {
  static Events = EVENTS;
  config = { abrEwmaDefaultEstimate: 500_000 };
  levels: { bitrate: number; averageBitrate: number; width: number; height: number; details?: { averagetargetduration: number; targetduration: number } }[] = [];
  minAutoLevel = 0;
  maxAutoLevel = -1;
  autoLevelEnabled = true;
  media = null;
  mainForwardBufferInfo = { len: 0 };
  latestLevelDetails = { live: false, startSN: 0, endSN: 14 };
  nextLoadLevel = -1;
  #listeners = new Map<string, ((event: string, data: unknown) => void)[]>();
  on(event: string, fn: (event: string, data: unknown) => void) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), fn]);
  }
  off(event: string, fn: (event: string, data: unknown) => void) {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((f) => f !== fn));
  }
  trigger(event: string, data: unknown) {
    for (const fn of this.#listeners.get(event) ?? []) fn(event, data);
  }
  listenerCount(): number {
    return [...this.#listeners.values()].reduce((n, fns) => n + fns.length, 0);
  }
}

/** Level order as a manifest might list it: not sorted by bitrate. */
function withLevels(hls: FakeHls): void {
  hls.levels = [1_200_000, 300_000, 4_300_000].map((bitrate) => ({ bitrate, averageBitrate: bitrate, width: 0, height: 0, details: { averagetargetduration: 4, targetduration: 4 } }));
  hls.maxAutoLevel = 2;
  hls.trigger(EVENTS.MANIFEST_PARSED, {});
}

function fragLoaded(hls: FakeHls, level: number, sn: number | 'initSegment', bytes: number, type = 'main') {
  const stats = { aborted: false, loaded: bytes, total: bytes, loading: { start: 1000, first: 1040, end: 2000 } };
  hls.trigger(EVENTS.FRAG_LOADED, { frag: { type, sn, level, stats, bitrateTest: false, duration: 4, url: `https://cdn.example/${level}/${String(sn)}.m4s?token=t` }, part: null });
}

function recordingPolicy(contexts: DecisionContext[]): AbrPolicy {
  return {
    name: 'recording-rate',
    decide(context) {
      contexts.push(context);
      const bps = context.prediction?.throughputBps ?? 0;
      let rung = context.minRungIndex;
      for (let r = context.minRungIndex; r <= context.maxRungIndex; r++) if (context.ladder.renditions[r]!.bitrateBps <= bps) rung = r;
      return { rungIndex: rung, reason: { kind: 'startup', detail: 'test' } };
    },
  };
}

function make(contexts: DecisionContext[]) {
  const hls = new FakeHls();
  const controller = new AbrkitHlsController(hls as unknown as Hls, { policy: recordingPolicy(contexts), clock: new ManualClock(), abandon: false });
  withLevels(hls);
  return { hls, controller };
}

describe('abrkit hls.js controller', () => {
  it('answers in hls.js level indices, decides once per fragment, and treats an echo as no force', () => {
    const contexts: DecisionContext[] = [];
    const { hls, controller } = make(contexts);
    expect(controller.nextAutoLevel).toBe(1); // lowest bitrate is level 1
    expect(controller.nextAutoLevel).toBe(1);
    expect(contexts).toHaveLength(1);
    controller.nextAutoLevel = 1; // hls.js echoing our answer back
    expect(controller.forcedAutoLevel).toBe(-1);
    // 500 kB over 1 s (request to last byte) = 4 Mbit/s: level 0 (1.2 Mbps) fits, level 2 (4.3) does not.
    fragLoaded(hls, 1, 0, 500_000);
    expect(controller.nextAutoLevel).toBe(0);
    expect(contexts).toHaveLength(2);
    expect(contexts[1]!.lastRungIndex).toBe(0);
    expect(contexts[1]!.segmentsRemaining).toBe(14);
    expect(contexts[1]!.history[0]!.ttfbMs).toBe(40);
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(4e6, 6);
    expect(controller.bwEstimator.getEstimateTTFB()).toBe(40);
  });

  it('reports each main-media download to onSegment, in telemetry recordSegment shape', () => {
    const hls = new FakeHls();
    const downloads: SegmentDownload[] = [];
    new AbrkitHlsController(hls as unknown as Hls, { policy: 'rate', clock: new ManualClock(), abandon: false, onSegment: (d) => downloads.push(d) });
    withLevels(hls);
    fragLoaded(hls, 1, 'initSegment', 900_000);
    fragLoaded(hls, 1, 3, 900_000, 'audio');
    fragLoaded(hls, 2, 7, 500_000);
    expect(downloads).toEqual([
      { url: 'https://cdn.example/2/7.m4s?token=t', bytes: 500_000, startMs: 1000, ttfbMs: 40, durationMs: 1000, rungIndex: 2, bitrateBps: 4_300_000, segmentIndex: 7, mediaDurationMs: 4000 },
    ]);
  });

  it('ignores init segments and non-main fragments', () => {
    const contexts: DecisionContext[] = [];
    const { hls, controller } = make(contexts);
    fragLoaded(hls, 1, 'initSegment', 900_000);
    fragLoaded(hls, 1, 3, 900_000, 'audio');
    expect(controller.bwEstimator.canEstimate()).toBe(false);
    expect(controller.bwEstimator.getEstimate()).toBe(500_000);
  });

  it('keeps a forced level until a fragment of it loads, and respects min/max auto level', () => {
    const contexts: DecisionContext[] = [];
    const { hls, controller } = make(contexts);
    controller.nextAutoLevel = 2;
    expect(controller.forcedAutoLevel).toBe(2);
    expect(controller.nextAutoLevel).toBe(2);
    fragLoaded(hls, 2, 0, 5_000_000);
    expect(controller.forcedAutoLevel).toBe(-1);
    // 40 Mbit/s affords the top, but capping stops at level 0 (1.2 Mbps).
    hls.maxAutoLevel = 0;
    hls.trigger(EVENTS.MAX_AUTO_LEVEL_UPDATED, {});
    expect(controller.nextAutoLevel).toBe(0);
    const last = contexts[contexts.length - 1]!;
    expect(last.maxRungIndex).toBe(1);
  });

  it('live with LL-HLS parts: samples each part from its own stats, decides per part, knows no end', () => {
    const contexts: DecisionContext[] = [];
    const { hls, controller } = make(contexts);
    hls.latestLevelDetails = { live: true, startSN: 100, endSN: 108 };
    const part = (index: number, bytes: number, durationMs: number) => {
      const stats = { aborted: false, loaded: bytes, total: bytes, loading: { start: 10_000 + index * 1000, first: 10_030 + index * 1000, end: 10_000 + index * 1000 + durationMs } };
      const frag = { type: 'main', sn: 108, level: 1, stats: { aborted: false, loaded: 0, total: 0, loading: { start: 0, first: 0, end: 0 } }, bitrateTest: false, duration: 4, url: 'https://cdn.example/1/108.m4s' };
      hls.trigger(EVENTS.FRAG_LOADED, { frag, part: { stats, duration: 1, url: `https://cdn.example/1/108.${index}.m4s` } });
    };
    expect(controller.nextAutoLevel).toBe(1);
    // Two 1 s parts of 100 kB, each over 200 ms: 4 Mbit/s from the part's own stats (not the fragment's, which are empty).
    part(0, 100_000, 200);
    expect(controller.nextAutoLevel).toBe(0);
    part(1, 100_000, 200);
    expect(controller.nextAutoLevel).toBe(0);
    expect(contexts).toHaveLength(3); // one decision per part
    const last = contexts[contexts.length - 1]!;
    expect(last.isLive).toBe(true);
    expect(last.segmentsRemaining).toBeNull();
    expect(last.history.map((h) => h.bytes)).toEqual([100_000, 100_000]);
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(4e6, 6);
    // A part under 16 kB is too small to measure the link by: it is rejected, the estimate stays.
    part(2, 12_000, 20);
    expect(controller.bwEstimator.getEstimate()).toBeCloseTo(4e6, 6);
  });

  it('resetEstimator forgets samples and takes the new default; destroy unsubscribes', () => {
    const contexts: DecisionContext[] = [];
    const { hls, controller } = make(contexts);
    fragLoaded(hls, 1, 0, 500_000);
    controller.resetEstimator(2_000_000);
    expect(controller.bwEstimator.canEstimate()).toBe(false);
    expect(controller.bwEstimator.getEstimate()).toBe(2_000_000);
    expect(controller.bwEstimator.defaultEstimate).toBe(2_000_000);
    controller.destroy();
    expect(hls.listenerCount()).toBe(0);
    expect(controller.nextAutoLevel).toBe(-1);
  });
});
