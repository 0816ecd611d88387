import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../../src/node/collector/server.js';
import { storedLines } from '../../../src/node/collector/log-files.js';

const dirs: string[] = [];
const running: Collector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-collector-'));
  dirs.push(dir);
  return dir;
}

async function start(outDir: string, extra: { maxBodyBytes?: number; faultFile?: string } = {}): Promise<Collector> {
  const c = await startCollector({ outDir, port: 0, ...extra });
  running.push(c);
  return c;
}

function event(seq: number, sid = 'session-a'): string {
  return JSON.stringify({ v: 1, sid, seq, t: seq * 10, ts: 1_700_000_000_000 + seq, type: 'playback', kind: 'play' });
}

async function post(url: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'batch-0001' }) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as { status?: string; error?: string; message?: string; events?: number } };
}

function storedEvents(dir: string): { _ik: string; seq: number }[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ndjson'))
    .sort()
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as { _ik: string; seq: number });
}

describe('reference collector', () => {
  it('accepts a batch once, answers a repeat as a duplicate and stores nothing for it', async () => {
    const dir = tempDir();
    const c = await start(dir);
    const body = [event(0), event(1), event(2)].join('\n') + '\n';
    expect(await post(c.url, body)).toEqual({ status: 200, body: { status: 'accepted', key: 'batch-0001', events: 3 } });
    expect(await post(c.url, body)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    // sendBeacon cannot set headers: the key may come in the query string.
    const viaQuery = await post(`${c.url}?idempotencyKey=batch-0002`, event(3), { 'Content-Type': 'application/x-ndjson' });
    expect(viaQuery.body.status).toBe('accepted');
    expect(storedEvents(dir).map((e) => [e._ik, e.seq])).toEqual([['batch-0001', 0], ['batch-0001', 1], ['batch-0001', 2], ['batch-0002', 3]]);
    expect(c.stats()).toMatchObject({ acceptedBatches: 2, acceptedEvents: 4, duplicateBatches: 1 });
  });

  it('rejects malformed, wrongly typed and oversize payloads with a 4xx and a clear message, storing nothing', async () => {
    const dir = tempDir();
    const c = await start(dir, { maxBodyBytes: 2000 });
    const cases: [string, Record<string, string>, number, RegExp][] = [
      [`${event(0)}\n{not json`, { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000001' }, 400, /line 2: not JSON/],
      [JSON.stringify({ v: 1, sid: 's', seq: 0, t: 0, ts: 0, type: 'segment', url: 'x', bytes: 'many', startMs: 0, ttfb: 0, ttlb: 0, ot: 'v' }), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000002' }, 422, /line 1: segment: bytes/],
      [JSON.stringify({ v: 9, sid: 's', seq: 0, t: 0, ts: 0, type: 'playback', kind: 'play' }), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000003' }, 422, /schema version/],
      [event(0), { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-000004' }, 415, /application\/x-ndjson/],
      [event(0), { 'Content-Type': 'application/x-ndjson' }, 400, /Idempotency-Key/],
      [event(0), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'short' }, 400, /8-128/],
      ['\n\n', { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000005' }, 400, /no events/],
      [Array.from({ length: 40 }, (_, i) => event(i)).join('\n'), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000006' }, 413, /at most 2000 bytes/],
    ];
    for (const [body, headers, status, message] of cases) {
      const result = await post(c.url, body, headers);
      expect(result.status, body.slice(0, 60)).toBe(status);
      expect(result.body.message).toMatch(message);
    }
    expect(storedEvents(dir)).toEqual([]);
    // A refused batch is not remembered: fixed and resent under the same key, it is accepted.
    expect((await post(c.url, event(0), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'k-000001' })).body.status).toBe('accepted');
    expect((await fetch(c.url.replace('/v1/events', '/nope'))).status).toBe(404);
  });

  it('remembers accepted keys across a restart, from its files alone', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await post(first.url, `${event(0)}\n${event(1)}`);
    await first.close();
    running.length = 0;
    const second = await start(dir);
    expect(second.stats()).toMatchObject({ recoveredBatches: 1, recoveredEvents: 2 });
    expect((await post(second.url, `${event(0)}\n${event(1)}`)).body.status).toBe('duplicate');
    expect(storedEvents(dir)).toHaveLength(2);
  });

  it('cuts a batch torn by a crash and accepts it again when the client resends it', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await post(first.url, event(0), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'whole-0001' });
    await first.close();
    running.length = 0;
    // A crash mid-append: one of three lines and half of the next one made it to disk.
    const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.ndjson'))!);
    const torn = storedLines('torn-0001', [event(1), event(2), event(3)]);
    appendFileSync(file, torn.slice(0, torn.indexOf('\n') + 20));
    const second = await start(dir);
    expect(second.stats().truncatedBytes).toBeGreaterThan(0);
    expect(storedEvents(dir).map((e) => e._ik)).toEqual(['whole-0001']);
    expect((await post(second.url, [event(1), event(2), event(3)].join('\n'), { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'torn-0001' })).body.status).toBe('accepted');
    expect(storedEvents(dir).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });

  it('answers 503 while the fault file exists', async () => {
    const dir = tempDir();
    const faultFile = join(dir, 'fault');
    const c = await start(join(dir, 'out'), { faultFile });
    writeFileSync(faultFile, '');
    expect((await post(c.url, event(0))).status).toBe(503);
    rmSync(faultFile);
    expect((await post(c.url, event(0))).body.status).toBe('accepted');
  });
});
