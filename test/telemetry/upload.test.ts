import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { ManualClock } from '../../src/core/clock.js';
import { createTelemetry } from '../../src/telemetry/recorder.js';
import { backoffDelayMs, checkEndpoint, IDEMPOTENCY_QUERY_PARAM } from '../../src/telemetry/upload.js';
import { createPrng } from '../../src/sim/prng.js';
import { FakePage, VirtualTimers, counterIds, waitFor } from './helpers.js';

interface Call {
  url: string;
  key: string | null;
  contentType: string | null;
  keepalive: boolean;
  lines: string[];
}

/** A collector double: answers from a script of statuses (then 200), records every request. */
function scriptedFetch(statuses: (number | 'network-error')[]) {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    calls.push({
      url: String(input),
      key: headers.get('Idempotency-Key'),
      contentType: headers.get('Content-Type'),
      keepalive: init?.keepalive === true,
      lines: String(init?.body).split('\n').filter(Boolean),
    });
    const status = statuses.shift() ?? 200;
    if (status === 'network-error') throw new TypeError('Failed to fetch');
    return new Response('{}', { status });
  };
  return { fetch, calls };
}

function setup(statuses: (number | 'network-error')[], endpoint = 'https://collector.example/v1/events') {
  const timers = new VirtualTimers();
  const page = new FakePage();
  const indexedDB = new IDBFactory();
  const { fetch, calls } = scriptedFetch(statuses);
  const telemetry = createTelemetry({
    clock: new ManualClock(),
    nowEpochMs: () => 0,
    idSource: counterIds('id'),
    timers,
    lifecycle: page,
    indexedDB,
    upload: { endpoint, fetch, random: createPrng(7), timers, baseDelayMs: 1000, maxDelayMs: 8000, maxBatchEvents: 4 },
  });
  return { telemetry, timers, page, calls, indexedDB };
}

describe('upload sink', () => {
  it('is off by default', async () => {
    const telemetry = createTelemetry({ clock: new ManualClock(), lifecycle: null, indexedDB: new IDBFactory() });
    await telemetry.ready;
    expect(telemetry.status().upload).toBeNull();
    await telemetry.close();
  });

  it('sends NDJSON batches with an Idempotency-Key, retries 5xx and network errors with backoff under the same key, deletes rows only after a 2xx', async () => {
    const { telemetry, timers, calls } = setup([503, 'network-error', 500]);
    for (let i = 0; i < 6; i++) telemetry.recordPlayback({ kind: 'play', positionMs: i });
    await telemetry.flush();
    await waitFor(() => calls.length === 1 && telemetry.status().upload?.state.kind === 'backoff');
    expect(calls[0]).toMatchObject({ key: 'id-1', contentType: 'application/x-ndjson', keepalive: false });
    expect(calls[0].lines).toHaveLength(4);
    expect((await telemetry.exportNdjson()).split('\n').filter(Boolean)).toHaveLength(6);
    // Two more failures, each followed by a backoff timer.
    for (const expected of [2, 3]) {
      expect(timers.fireNext()).toBe(true);
      await waitFor(() => calls.length === expected && telemetry.status().upload?.state.kind === 'backoff');
    }
    expect(calls.map((c) => c.key)).toEqual(['id-1', 'id-1', 'id-1']);
    // Rows are all still there after three failures.
    expect((await telemetry.exportNdjson()).split('\n').filter(Boolean)).toHaveLength(6);
    expect(timers.fireNext()).toBe(true);
    await waitFor(() => telemetry.status().upload?.eventsAccepted === 6);
    expect(calls.map((c) => c.key)).toEqual(['id-1', 'id-1', 'id-1', 'id-1', 'id-2']);
    expect(calls.slice(3).flatMap((c) => c.lines.map((l) => (JSON.parse(l) as { seq: number }).seq))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await telemetry.exportNdjson()).toBe('');
    // The backoff delays grew: each within [cap/2, cap] for cap = 1, 2, 4 s.
    const backoffs = timers.delaysMs.slice(-3);
    expect(backoffs[0]).toBeGreaterThanOrEqual(500);
    expect(backoffs[0]).toBeLessThanOrEqual(1000);
    expect(backoffs[1]).toBeGreaterThanOrEqual(1000);
    expect(backoffs[1]).toBeLessThanOrEqual(2000);
    expect(backoffs[2]).toBeGreaterThanOrEqual(2000);
    expect(backoffs[2]).toBeLessThanOrEqual(4000);
    await telemetry.close();
  });

  it('keeps a batch the collector refuses with a 4xx locally and does not resend it', async () => {
    const { telemetry, calls } = setup([400]);
    for (let i = 0; i < 3; i++) telemetry.recordPlayback({ kind: 'pause' });
    await telemetry.flush();
    await waitFor(() => telemetry.status().upload?.rejectedBatches === 1);
    telemetry.recordPlayback({ kind: 'play' });
    await telemetry.flush();
    await waitFor(() => telemetry.status().upload?.eventsAccepted === 1);
    expect(calls).toHaveLength(2);
    expect((await telemetry.exportNdjson()).split('\n').filter(Boolean)).toHaveLength(3);
    await telemetry.close();
  });

  it('on pagehide sends what is queued with keepalive, and stores it under the same batch key for a later resend', async () => {
    const { telemetry, page, calls, indexedDB } = setup([]);
    await telemetry.ready;
    telemetry.recordPlayback({ kind: 'play' });
    telemetry.recordPlayback({ kind: 'pause' });
    page.pagehide();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ keepalive: true, key: 'id-1' });
    expect(new URL(calls[0].url).searchParams.get(IDEMPOTENCY_QUERY_PARAM)).toBe('id-1');
    // The page is gone; a new one on the same database resends the batch under the beacon's key.
    const { fetch, calls: later } = scriptedFetch([]);
    const next = createTelemetry({ clock: new ManualClock(), idSource: counterIds('n'), lifecycle: null, indexedDB, upload: { endpoint: 'http://127.0.0.1:9/v1/events', fetch } });
    await waitFor(() => later.length >= 1);
    expect(later[0].key).toBe('id-1');
    expect(later[0].lines).toEqual(calls[0].lines);
    await next.close();
    await telemetry.close();
  });

  it('accepts https and loopback http endpoints only, with a typed error', () => {
    expect(checkEndpoint('https://c.example/v1/events').href).toBe('https://c.example/v1/events');
    expect(checkEndpoint('http://localhost:8080/v1/events').port).toBe('8080');
    expect(checkEndpoint('http://127.0.0.1:8080/v1/events').hostname).toBe('127.0.0.1');
    for (const bad of ['http://c.example/v1/events', 'ftp://127.0.0.1/x', 'not a url', 'http://127.0.0.2/x']) {
      expect(() => checkEndpoint(bad)).toThrow(expect.objectContaining({ code: 'invalid-options' }));
    }
    expect(() => createTelemetry({ clock: new ManualClock(), lifecycle: null, upload: { endpoint: 'http://c.example/e' } })).toThrow(/https/);
  });

  it('backoff: exponential cap, jitter within [cap/2, cap], bounded by maxDelayMs', () => {
    expect(backoffDelayMs(0, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelayMs(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelayMs(20, 1000, 60_000, () => 0.5)).toBe(45_000);
  });
});
