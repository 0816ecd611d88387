import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type BrowserRunResult } from '../../src/node/harness/runner.js';
import { testStreamDir } from '../../src/node/harness/stream.js';
import type { Trace } from '../../src/sim/trace.js';

/**
 * The second test stream (8 rungs to 16 Mbit/s, 2 s segments, H.264 + VP9, separate audio, an
 * AES-128 HLS copy) in real Chromium: the adapters keep to one codec family, the one the device
 * decodes with the better quality per bit, and never take key or init requests as throughput
 * samples. Needs `scripts/setup-media.sh --stream uhd` (scripts/test-e2e.sh makes a short clip).
 */
const POLICY = 'rate';

function flatTrace(mbps: number): Trace {
  return { name: `flat-${mbps}`, timesS: Float64Array.from([0, 400]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 };
}

function describeRun(r: BrowserRunResult): string {
  return `rungs=${r.segmentRungs.join(',')} codecs=${JSON.stringify(r.codecs)} choice=${r.codecChoice} errors=${JSON.stringify(r.errors)} playerErrors=${JSON.stringify(r.playerErrors)}`;
}

function expectCleanRun(run: BrowserRunResult, info: string): void {
  expect(run.errors, info).toEqual([]);
  expect(run.playerErrors.filter((e) => e.startsWith('fatal')), info).toEqual([]);
  expect(run.ended, info).toBe(true);
}

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await BrowserHarness.start(testStreamDir('uhd'));
});

afterAll(async () => {
  await harness?.close();
});

describe('two codecs on one ladder', () => {
  for (const player of ['hls', 'shaka'] as const) {
    it(`${player}: plays one codec family, VP9 over H.264 (same bitrates, better quality per bit), into the 4K-class rungs`, async () => {
      const run = await harness.run({ player, policy: POLICY, trace: flatTrace(40), rttMs: 20, bufferGoalS: 8 });
      const info = describeRun(run);
      expectCleanRun(run, info);
      expect(Object.keys(run.codecs), info).toEqual(['vp9']);
      expect(run.segmentRungs.length, info).toBe(harness.stream.durationS / harness.stream.segmentDurationS);
      // A 12 s clip leaves the rate policy 6 segments to climb: the 8.5 or 16 Mbit/s rung.
      expect(Math.max(...run.segmentRungs), info).toBeGreaterThanOrEqual(harness.stream.ladderKbps.length - 2);
      // hls.js gets both codecs and abrkit chooses; shaka chooses one itself before abrkit sees the ladder.
      if (player === 'hls') expect(run.codecChoice, info).toBe('vp9:preference');
      // No request of the other codec's media, init segments or playlists.
      const otherCodec = run.requests.filter((r) => r.path.includes('/avc-r'));
      expect(otherCodec.map((r) => r.path), info).toEqual([]);
    });
  }

});

describe('AES-128 encrypted HLS', () => {
  for (const player of ['hls', 'shaka'] as const) {
    it(`${player}: decrypts and plays with abrkit, and samples only media segments (never the key or init segments)`, async () => {
      const run = await harness.run({ player, policy: POLICY, trace: flatTrace(20), rttMs: 20, bufferGoalS: 8, format: 'hls-aes' });
      const info = `${describeRun(run)} samples=${run.sampleUrls.join(' ')}`;
      expectCleanRun(run, info);
      expect(run.requests.some((r) => r.path.endsWith('/key.bin')), info).toBe(true);
      expect(run.requests.some((r) => r.path.includes('/hls-aes/') && r.path.endsWith('.m4s')), info).toBe(true);
      expect(run.sampleUrls.length, info).toBeGreaterThanOrEqual(run.segmentRungs.length);
      expect(run.sampleUrls.filter((u) => !/\/hls-aes\/[^/]+\/seg\d+\.m4s$/.test(u)), info).toEqual([]);
      expect(Math.max(...run.segmentRungs), info).toBeGreaterThanOrEqual(5);
    });
  }
});
