import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector, type CollectorOptions } from '../../../src/node/collector/server.js';
import { createRateLimiter, parseOrigins } from '../../../src/node/collector/security.js';
import { createTelemetry } from '../../../src/telemetry/recorder.js';
import { ManualClock } from '../../../src/core/clock.js';
import { counterIds, waitFor } from '../../telemetry/helpers.js';

const dirs: string[] = [];
const running: Collector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(extra: Partial<CollectorOptions>): Promise<{ c: Collector; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-security-'));
  dirs.push(dir);
  const c = await startCollector({ outDir: dir, port: 0, ...extra });
  running.push(c);
  return { c, dir };
}

const EVENT = JSON.stringify({ v: 2, sid: 'session-a', seq: 0, t: 0, ts: 1_700_000_000_000, type: 'playback', kind: 'play', exp: 'e', arm: 'a' });

function post(url: string, key: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': key, ...headers }, body: EVENT + '\n' });
}

function storedLines(dir: string): number {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ndjson'))
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean)).length;
}

describe('collector security over HTTP', () => {
  it('refuses requests without the ingest token (401) and stores nothing; accepts header or query token', async () => {
    const { c, dir } = await start({ tokens: ['old-token-123', 'new-token-456'] });
    const none = await post(c.url, 'batch-0001');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: string }).error).toBe('unauthorized');
    expect((await post(c.url, 'batch-0002', { Authorization: 'Bearer wrong-token-00' })).status).toBe(401);
    expect((await post(c.url, 'batch-0003', { Authorization: 'Basic b2xkLXRva2VuLTEyMw==' })).status).toBe(401);
    expect(storedLines(dir)).toBe(0);
    // Either token of a rotation works; the beacon form carries it in the query string.
    expect((await post(c.url, 'batch-0004', { Authorization: 'Bearer old-token-123' })).status).toBe(200);
    expect((await post(`${c.url}?token=new-token-456`, 'batch-0005')).status).toBe(200);
    expect(storedLines(dir)).toBe(2);
    expect(c.stats()).toMatchObject({ unauthorized: 3, acceptedBatches: 2 });
  });

  it('rate-limits per client with 429 and Retry-After, and lets the client back in once its bucket refills', async () => {
    let nowMs = 1_000_000;
    const { c, dir } = await start({ rateLimit: { requestsPerS: 2, burst: 3 }, nowMs: () => nowMs });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(c.url, `batch-${1000 + i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await post(c.url, 'batch-2000');
    expect(limited.status).toBe(429);
    // Empty bucket, 2 per second: the next request is allowed in 0.5 s, announced as 1 s (whole seconds).
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(storedLines(dir)).toBe(3);
    nowMs += 500;
    expect((await post(c.url, 'batch-2001')).status).toBe(200);
    expect((await post(c.url, 'batch-2002')).status).toBe(429);
    expect(c.stats()).toMatchObject({ rateLimited: 4, acceptedBatches: 4 });
  });

  it('counts the limit per client address (X-Forwarded-For only when trusted)', async () => {
    const nowMs = 5_000;
    const trusted = await start({ rateLimit: { requestsPerS: 1, burst: 1 }, nowMs: () => nowMs, clientKey: 'x-forwarded-for' });
    expect((await post(trusted.c.url, 'batch-3000', { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(200);
    expect((await post(trusted.c.url, 'batch-3001', { 'X-Forwarded-For': '203.0.113.2, 10.0.0.1' })).status).toBe(200);
    expect((await post(trusted.c.url, 'batch-3002', { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(429);
    const direct = await start({ rateLimit: { requestsPerS: 1, burst: 1 }, nowMs: () => nowMs });
    expect((await post(direct.c.url, 'batch-3003', { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(200);
    // Not trusted: a forged header does not buy a new bucket.
    expect((await post(direct.c.url, 'batch-3004', { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(429);
  });

  it('allows only listed origins (403 otherwise), echoing the allowed one; no Origin is not a browser', async () => {
    const { c, dir } = await start({ allowedOrigins: ['https://app.example'] });
    const preflight = await fetch(c.url, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const evilPreflight = await fetch(c.url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    expect(evilPreflight.status).toBe(403);
    expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(c.url, 'batch-4000', { Origin: 'https://evil.example' })).status).toBe(403);
    expect(storedLines(dir)).toBe(0);
    expect((await post(c.url, 'batch-4001', { Origin: 'https://app.example' })).status).toBe(200);
    expect((await post(c.url, 'batch-4002')).status).toBe(200);
    expect(c.stats()).toMatchObject({ forbiddenOrigins: 2, acceptedBatches: 2 });
    // Without a list any origin may send (the default).
    const open = await start({});
    expect((await post(open.c.url, 'batch-4003', { Origin: 'https://any.example' })).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('checks run before the body is read: an unauthorized oversize body is a 401, not a 413', async () => {
    const { c } = await start({ tokens: ['secret-token-1'], maxBodyBytes: 100 });
    const response = await fetch(c.url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': 'batch-5000' }, body: EVENT.repeat(10) });
    expect(response.status).toBe(401);
  });
});

describe('the SDK against a guarded collector', () => {
  it('sends its token; a 401 (wrong token) and a 429 are retried later, never dropped', async () => {
    const { c, dir } = await start({ tokens: ['right-token-1'], rateLimit: { requestsPerS: 1000, burst: 1 } });
    const make = (token: string, prefix: string) =>
      createTelemetry({ clock: new ManualClock(), storage: 'memory', lifecycle: null, nowEpochMs: () => 0, idSource: counterIds(`${prefix}-session-key`), upload: { endpoint: c.url, token, baseDelayMs: 5, maxDelayMs: 20, maxBatchEvents: 2 } });
    const wrong = make('wrong-token-1', 'w');
    for (let i = 0; i < 3; i++) wrong.recordPlayback({ kind: 'play' });
    await wrong.flush();
    await waitFor(() => (wrong.status().upload?.failures ?? 0) >= 2);
    expect(wrong.status().upload).toMatchObject({ rejectedBatches: 0, batchesAccepted: 0 });
    await wrong.close();
    const right = make('right-token-1', 'r');
    for (let i = 0; i < 6; i++) right.recordPlayback({ kind: 'play' });
    await right.flush();
    await waitFor(() => right.status().upload?.eventsAccepted === 6, 5000);
    expect(storedLines(dir)).toBe(6);
    await right.close();
  });
});

describe('rate limiter and origin list', () => {
  it('refills at the sustained rate up to the burst', () => {
    let now = 0;
    const limiter = createRateLimiter({ requestsPerS: 10, burst: 2 }, () => now);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBeCloseTo(0.1, 9);
    expect(limiter.take('b')).toBe(0);
    now += 1000; // a whole second refills only up to the burst
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a') > 0]).toEqual([0, 0, true]);
  });

  it('rejects origins with a path or that are not URLs', () => {
    expect(parseOrigins('https://a.example, http://localhost:8080')).toEqual(['https://a.example', 'http://localhost:8080']);
    expect(() => parseOrigins('https://a.example/')).toThrow(/did you mean 'https:\/\/a.example'/);
    expect(() => parseOrigins('a.example')).toThrow(/not a URL/);
  });
});
