import { describe, expect, it } from 'vitest';
import { armAt, createExperiment, hashToUnit, VIEWER_ID_STORAGE_KEY, type IdStorage } from '../../src/telemetry/experiment.js';
import { createTelemetry } from '../../src/telemetry/recorder.js';
import { checkTelemetryEvent } from '../../src/telemetry/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { createPrng } from '../../src/sim/prng.js';
import { counterIds } from './helpers.js';

/** localStorage as a Map. */
class MapStorage implements IdStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** Seeded random ids shaped like UUIDs (what crypto.randomUUID gives in a browser). */
function seededIds(seed: number): () => string {
  const random = createPrng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
}

const ARMS = { control: 'default', mpc: 'robustmpc+learned', bola: 'bola' };

describe('createExperiment', () => {
  it('splits many random ids by the weights (within 4 standard errors)', () => {
    const ids = seededIds(7);
    const weights = { control: 2, mpc: 1, bola: 1 };
    const n = 40_000;
    const counts: Record<string, number> = { control: 0, mpc: 0, bola: 0 };
    for (let i = 0; i < n; i++) counts[createExperiment({ name: 'abr-1', arms: ARMS, weights, id: ids(), storage: null }).arm]!++;
    for (const [arm, share] of [['control', 0.5], ['mpc', 0.25], ['bola', 0.25]] as const) {
      const se = Math.sqrt((share * (1 - share)) / n);
      expect(Math.abs(counts[arm]! / n - share), arm).toBeLessThan(4 * se);
    }
  });

  it('buckets are uniform: a chi-square over 20 bins stays under the 0.999 quantile', () => {
    const ids = seededIds(11);
    const bins = new Array<number>(20).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) bins[Math.floor(hashToUnit(`salt\u0000${ids()}`) * 20)]!++;
    const expected = n / 20;
    const chi2 = bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // chi-square with 19 degrees of freedom: 0.999 quantile 43.82.
    expect(chi2).toBeLessThan(43.82);
  });

  it('keeps a viewer in the same arm across page loads through the stored id', () => {
    const storage = new MapStorage();
    const first = createExperiment({ name: 'abr-1', arms: ARMS, storage, idSource: seededIds(1) });
    expect(storage.map.get(VIEWER_ID_STORAGE_KEY)).toBe(first.viewerId);
    expect(first.idPersisted).toBe(true);
    for (let load = 0; load < 5; load++) {
      // Each "reload" would mint a different id; the stored one wins.
      const again = createExperiment({ name: 'abr-1', arms: ARMS, storage, idSource: seededIds(100 + load) });
      expect([again.viewerId, again.arm, again.bucket]).toEqual([first.viewerId, first.arm, first.bucket]);
    }
  });

  it('without usable storage the id is per page load, and it says so', () => {
    const refusing: IdStorage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    };
    const a = createExperiment({ name: 'abr-1', arms: ARMS, storage: refusing, idSource: () => 'viewer-a' });
    expect(a.idPersisted).toBe(false);
    expect(a.viewerId).toBe('viewer-a');
    expect(createExperiment({ name: 'abr-1', arms: ARMS, storage: null, idSource: () => 'viewer-a' }).idPersisted).toBe(false);
  });

  it('a new salt reassigns viewers independently of the old assignment', () => {
    const ids = seededIds(3);
    const arms = { a: 'default', b: 'bola' };
    let same = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const id = ids();
      const one = createExperiment({ name: 'abr-1', arms, id, storage: null });
      const two = createExperiment({ name: 'abr-1', arms, id, salt: 'abr-1-rerun', storage: null });
      expect(createExperiment({ name: 'abr-1', arms, id, salt: 'abr-1', storage: null }).arm).toBe(one.arm);
      if (one.arm === two.arm) same++;
    }
    // Independent 50/50 assignments agree half the time.
    expect(Math.abs(same / n - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / n));
  });

  it("names the adapter's policy, and 'default' means the player's own ABR", () => {
    const exp = createExperiment({ name: 'abr-1', arms: { control: 'default' }, id: 'x', storage: null });
    expect(exp).toMatchObject({ arm: 'control', policy: 'default', usesPlayerAbr: true, stamp: { exp: 'abr-1', arm: 'control' } });
    const mpc = createExperiment({ name: 'abr-1', arms: { control: 'default', mpc: 'robustmpc' }, weights: { mpc: 1 }, id: 'x', storage: null });
    expect(mpc).toMatchObject({ arm: 'mpc', policy: 'robustmpc', usesPlayerAbr: false });
  });

  it('armAt splits [0, 1) in the arms order, skipping zero weights', () => {
    const arms = { a: 'default', b: 'bola', c: 'rate' };
    expect([0, 0.2499, 0.25, 0.7499, 0.75, 0.999999].map((u) => armAt(u, arms, { a: 1, b: 2, c: 1 }))).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
    expect([0, 0.5, 0.999999].map((u) => armAt(u, arms, { a: 0, b: 1, c: 0 }))).toEqual(['b', 'b', 'b']);
  });

  it('rejects bad options with a typed error', () => {
    const bad: Parameters<typeof createExperiment>[0][] = [
      { name: '', arms: ARMS, id: 'x', storage: null },
      { name: 'e', arms: {}, id: 'x', storage: null },
      { name: 'e', arms: { 'bad name': 'bola' }, id: 'x', storage: null },
      { name: 'e', arms: ARMS, weights: { nope: 1 }, id: 'x', storage: null },
      { name: 'e', arms: ARMS, weights: { control: -1, mpc: 1 }, id: 'x', storage: null },
      { name: 'e', arms: ARMS, weights: { control: 0 }, id: 'x', storage: null },
      { name: 'e', arms: { a: '' }, id: 'x', storage: null },
    ];
    for (const options of bad) expect(() => createExperiment(options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });
});

describe('experiment stamp in telemetry', () => {
  it('puts exp and arm on every event, including the loss and summary events, and the events validate', async () => {
    const exp = createExperiment({ name: 'abr-1', arms: ARMS, id: 'viewer-1', storage: null });
    const clock = new ManualClock();
    const telemetry = createTelemetry({ clock, storage: 'memory', idSource: counterIds('s'), lifecycle: null, experiment: exp.stamp, summaryIntervalMs: 0 });
    telemetry.recordPlayback({ kind: 'play' });
    telemetry.recordPlayback({ kind: 'first-frame' });
    telemetry.recordSegment({ url: 'https://cdn/x.m4s', bytes: 1000, startMs: 0, ttfbMs: 5, durationMs: 20, rungIndex: 0, bitrateBps: 300_000 });
    await telemetry.close();
    const events = (await telemetry.exportNdjson()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBe(4);
    for (const e of events) {
      expect([e.v, e.exp, e.arm]).toEqual([2, 'abr-1', exp.arm]);
      expect(checkTelemetryEvent(e)).toBeNull();
    }
  });

  it('the reader accepts version 1 events, and refuses v2-only fields on them', () => {
    const v1 = { v: 1, sid: 'a', seq: 0, t: 0, ts: 0, type: 'playback', kind: 'play' };
    expect(checkTelemetryEvent(v1)).toBeNull();
    expect(checkTelemetryEvent({ ...v1, arm: 'x', exp: 'e' })).toMatch(/version 2/);
    expect(checkTelemetryEvent({ ...v1, kind: 'first-frame' })).toMatch(/version 2/);
    expect(checkTelemetryEvent({ ...v1, v: 2, arm: '' })).toMatch(/arm must be/);
    expect(checkTelemetryEvent({ ...v1, v: 3 })).toMatch(/schema version/);
  });

  it('refuses a malformed stamp at creation', () => {
    expect(() => createTelemetry({ clock: new ManualClock(), storage: 'memory', lifecycle: null, experiment: { exp: 'e', arm: '' } })).toThrow(/experiment/);
  });
});
