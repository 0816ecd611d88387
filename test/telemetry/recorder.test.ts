import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { ManualClock } from '../../src/core/clock.js';
import { AbrController } from '../../src/core/controller.js';
import { createRatePolicy } from '../../src/policies/rate.js';
import { createDualEwmaEstimator } from '../../src/estimators/ewma.js';
import { createTelemetry, reasonToJson, type TelemetryOptions } from '../../src/telemetry/recorder.js';
import { AbrkitError } from '../../src/core/errors.js';
import { exportTelemetry } from '../../src/telemetry/export.js';
import { checkTelemetryEvent, stripQuery, type TelemetryEvent } from '../../src/telemetry/schema.js';
import { openTelemetryStore } from '../../src/telemetry/store.js';
import { PENSIEVE_LADDER, sampleAt } from '../helpers.js';
import { FakePage, VirtualTimers, counterIds, waitFor } from './helpers.js';

function setup(overrides: Partial<TelemetryOptions> = {}) {
  const clock = new ManualClock(1000);
  const timers = new VirtualTimers();
  const page = new FakePage();
  const indexedDB = overrides.indexedDB ?? new IDBFactory();
  const telemetry = createTelemetry({ clock, nowEpochMs: () => 1_700_000_000_000 + clock.nowMs(), idSource: counterIds('s'), timers, lifecycle: page, indexedDB, ...overrides });
  return { clock, timers, page, indexedDB, telemetry };
}

async function storedEvents(indexedDB: IDBFactory, dbName = 'abrkit-telemetry'): Promise<TelemetryEvent[]> {
  const text = await (await exportTelemetry({ indexedDB, dbName })).text();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as TelemetryEvent);
}

describe('telemetry schema', () => {
  it('strips query strings and fragments from URLs', () => {
    expect(stripQuery('https://cdn.example/v/seg-3.m4s?token=secret&exp=1#t=2')).toBe('https://cdn.example/v/seg-3.m4s');
    expect(stripQuery('/v/seg-3.m4s#x')).toBe('/v/seg-3.m4s');
    expect(stripQuery('seg.ts')).toBe('seg.ts');
  });

  it('writes a stall guard reason with the held-back decision, its error as code and message', () => {
    const proposed = { rungIndex: 4, reason: { kind: 'fallback' as const, error: new AbrkitError('policy-failed', 'boom') } };
    const json = reasonToJson({ kind: 'stall-guard', proposed, slowestBps: 5e5, bufferS: 9 });
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      kind: 'stall-guard',
      proposed: { rungIndex: 4, reason: { kind: 'fallback', code: 'policy-failed', message: 'boom' } },
      slowestBps: 5e5,
      bufferS: 9,
    });
  });

  it('rejects events with a wrong version, type or field', () => {
    const good = { v: 1, sid: 'a', seq: 0, t: 0, ts: 0, type: 'playback', kind: 'play' };
    expect(checkTelemetryEvent(good)).toBeNull();
    expect(checkTelemetryEvent({ ...good, v: 2 })).toBeNull();
    expect(checkTelemetryEvent({ ...good, v: 3 })).toMatch(/version/);
    expect(checkTelemetryEvent({ ...good, type: 'nope' })).toMatch(/unknown event type/);
    expect(checkTelemetryEvent({ ...good, seq: -1 })).toMatch(/seq/);
    expect(checkTelemetryEvent({ ...good, kind: 'dance' })).toMatch(/kind/);
    expect(checkTelemetryEvent([good])).toMatch(/object/);
    expect(checkTelemetryEvent({ v: 1, sid: 'a', seq: 0, t: 0, ts: 0, type: 'segment', url: 'https://x/a?b', bytes: 1, startMs: 0, ttfb: 1, ttlb: 2, ot: 'v' })).toMatch(/query/);
  });
});

describe('createTelemetry', () => {
  it('records a session with controller decisions, downloads and playback, all valid and in order', async () => {
    const { clock, telemetry, indexedDB } = setup();
    const controller = new AbrController({ ladder: PENSIEVE_LADDER, policy: createRatePolicy(), estimator: createDualEwmaEstimator(), clock, onEvent: (e) => telemetry.onControllerEvent(e) });
    telemetry.recordSessionStart({ ladder: PENSIEVE_LADDER, player: { name: 'test', version: '1' }, policy: { name: 'rate' }, streamingFormat: 'h', streamType: 'v' });
    for (let i = 0; i < 5; i++) {
      const rung = controller.decide({ segmentIndex: i, segmentsRemaining: 10 - i, bufferS: 4 * i, lastRungIndex: null }).rungIndex;
      clock.advanceMs(500);
      const sample = sampleAt(3, 500_000, clock.nowMs());
      controller.addSample(sample);
      telemetry.recordSegment({ url: `https://cdn.example/seg-${i}.m4s?token=abc`, bytes: sample.bytes, startMs: sample.startMs, ttfbMs: sample.ttfbMs, durationMs: sample.durationMs, rungIndex: rung, segmentIndex: i, mediaDurationMs: 4000 });
    }
    telemetry.recordPlayback({ kind: 'stall-start', positionMs: 8000 });
    clock.advanceMs(250);
    telemetry.recordPlayback({ kind: 'stall-end', positionMs: 8000 });
    telemetry.recordPlayback({ kind: 'error', code: 'net', message: 'GET https://cdn.example/a.m4s?sig=1 failed' });
    await telemetry.close();

    const events = await storedEvents(indexedDB);
    for (const e of events) expect(checkTelemetryEvent(e), JSON.stringify(e)).toBeNull();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.sid))).toEqual(new Set(['s-0']));
    expect(events[0].type).toBe('session-start');
    const segments = events.filter((e) => e.type === 'segment');
    expect(segments).toHaveLength(5);
    expect(segments.every((e) => e.type === 'segment' && !e.url.includes('?') && e.d === 4000 && e.ttfb === 20)).toBe(true);
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions).toHaveLength(5);
    const last = decisions[4];
    expect(last.type === 'decision' && last.predictedKbps !== undefined && last.features.recentKbps.length === 4).toBe(true);
    const stallEnd = events.find((e) => e.type === 'playback' && e.kind === 'stall-end');
    expect(stallEnd?.type === 'playback' && stallEnd.stallMs).toBe(250);
    const error = events.find((e) => e.type === 'playback' && e.kind === 'error');
    expect(error?.type === 'playback' && error.message).toBe('GET https://cdn.example/a.m4s failed');
    const summary = events.find((e) => e.type === 'qoe-summary');
    expect(summary?.type === 'qoe-summary' && [summary.segments, summary.stalls, summary.stallMs, summary.bytes]).toEqual([5, 1, 250, 2_500_000]);
    expect(telemetry.status()).toMatchObject({ storage: { backend: 'indexeddb' }, recorded: events.length, written: events.length, droppedOnQuota: 0 });
  });

  it('keeps events on the queue until the flush timer fires, then writes them in one go', async () => {
    const { telemetry, timers, indexedDB } = setup({ flushIntervalMs: 1000 });
    await telemetry.ready;
    for (let i = 0; i < 10; i++) telemetry.recordPlayback({ kind: 'play' });
    expect(telemetry.status().queued).toBe(10);
    expect(await storedEvents(indexedDB)).toHaveLength(0);
    expect(timers.fireNext()).toBe(true);
    await waitFor(() => telemetry.status().written === 10);
    expect(await storedEvents(indexedDB)).toHaveLength(10);
  });

  it('flushes when the page is hidden and on pagehide, with no explicit flush', async () => {
    const { telemetry, page, indexedDB } = setup({ flushIntervalMs: 60_000 });
    await telemetry.ready;
    telemetry.recordPlayback({ kind: 'play' });
    page.hide();
    await waitFor(() => telemetry.status().written === 2); // play + the visibility event
    telemetry.recordPlayback({ kind: 'pause' });
    page.pagehide();
    await waitFor(() => telemetry.status().written === 3);
    const kinds = (await storedEvents(indexedDB)).map((e) => (e.type === 'playback' ? `${e.kind}${e.visibility ? ':' + e.visibility : ''}` : e.type));
    expect(kinds).toEqual(['play', 'visibility:hidden', 'pause']);
  });

  it('logs nothing for the visibilitychange that follows pagehide while the page unloads, and logs again after pageshow', async () => {
    const { telemetry, page } = setup({ flushIntervalMs: 60_000 });
    await telemetry.ready;
    telemetry.recordPlayback({ kind: 'play' });
    page.pagehide();
    page.hide();
    expect(telemetry.status().recorded).toBe(1);
    page.target.dispatchEvent(new Event('pageshow')); // back from the bfcache
    page.state = 'visible';
    page.target.dispatchEvent(new Event('visibilitychange'));
    expect(telemetry.status().recorded).toBe(2);
    await telemetry.close();
  });

  it('persists across recorder instances (a reload) on the same database', async () => {
    const indexedDB = new IDBFactory();
    const first = setup({ indexedDB }).telemetry;
    first.recordPlayback({ kind: 'play' });
    await first.flush();
    // No close(): the page went away. A new page opens the same database.
    const second = setup({ indexedDB, idSource: counterIds('t') }).telemetry;
    second.recordPlayback({ kind: 'pause' });
    await second.close();
    const events = await storedEvents(indexedDB);
    expect(events.map((e) => e.sid)).toEqual(['s-0', 't-0']);
  });

  it('bounds the log as a ring buffer and logs how many events it evicted', async () => {
    const { telemetry, indexedDB } = setup({ maxStoredEvents: 50, maxQueuedEvents: 10 });
    for (let i = 0; i < 120; i++) {
      telemetry.recordPlayback({ kind: 'play', positionMs: i });
      if (i % 10 === 9) await telemetry.flush();
    }
    await telemetry.close();
    const events = await storedEvents(indexedDB);
    expect(events).toHaveLength(50);
    const status = telemetry.status();
    // Every event recorded is either stored or counted as evicted.
    expect(status.recorded).toBe(events.length + status.evicted);
    const losses = events.filter((e) => e.type === 'loss');
    expect(losses.length).toBeGreaterThan(0);
    // The newest events survive.
    expect(events.at(-1)?.seq).toBe(status.recorded - 1);
  });

  it('lets two tabs log into the same database at once', async () => {
    const indexedDB = new IDBFactory();
    const a = setup({ indexedDB, idSource: counterIds('a'), maxQueuedEvents: 7 }).telemetry;
    const b = setup({ indexedDB, idSource: counterIds('b'), maxQueuedEvents: 5 }).telemetry;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      a.recordPlayback({ kind: 'play', positionMs: i });
      b.recordPlayback({ kind: 'pause', positionMs: i });
      if (i % 9 === 0) writes.push(a.flush(), b.flush());
    }
    await Promise.all([...writes, a.close(), b.close()]);
    const events = await storedEvents(indexedDB);
    for (const sid of ['a-0', 'b-0']) {
      expect(events.filter((e) => e.sid === sid).map((e) => e.seq)).toEqual([...Array(100).keys()]);
    }
  });

  it('falls back to memory, and says so, when IndexedDB is unavailable or refuses to open', async () => {
    const missing = createTelemetry({ clock: new ManualClock(), lifecycle: null, idSource: counterIds(), indexedDB: null });
    expect(await missing.ready).toEqual({ backend: 'memory', reason: 'indexeddb-unavailable' });
    missing.recordPlayback({ kind: 'play' });
    expect((await missing.exportNdjson()).split('\n').filter(Boolean)).toHaveLength(1);
    await missing.close();

    const refusing = new IDBFactory();
    refusing.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
    const failed = createTelemetry({ clock: new ManualClock(), lifecycle: null, idSource: counterIds(), indexedDB: refusing });
    expect(await failed.ready).toMatchObject({ backend: 'memory', reason: 'open-failed', detail: expect.stringContaining('InvalidStateError') });
    await failed.close();
  });

  it('rejects bad options with a typed error', () => {
    expect(() => createTelemetry({ clock: new ManualClock(), lifecycle: null, maxStoredEvents: 0 })).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });
});

describe('store', () => {
  it('claims batches oldest first, resends a claimed batch under its key, deletes only on request', async () => {
    const store = await openTelemetryStore({ dbName: 'x', maxRows: 100, indexedDB: new IDBFactory() });
    await store.append([...Array(10).keys()].map((seq) => ({ sid: 's', seq, line: `{"seq":${seq}}` })));
    const keys = counterIds('k');
    const first = await store.claimBatch(4, 1_000_000, keys);
    expect(first).toMatchObject({ key: 'k-0', lines: ['{"seq":0}', '{"seq":1}', '{"seq":2}', '{"seq":3}'] });
    // Not deleted yet: the same batch comes back with the same key.
    expect(await store.claimBatch(4, 1_000_000, keys)).toEqual(first);
    expect(await store.deleteBatch('k-0')).toBe(4);
    const second = await store.claimBatch(100, 30, keys);
    // 30 bytes hold three 10-byte lines (each counted with its newline).
    expect(second?.lines).toEqual(['{"seq":4}', '{"seq":5}', '{"seq":6}']);
    expect(await store.count()).toBe(6);
    store.close();
  });
});
