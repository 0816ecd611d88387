import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSession, qoeModelFor, describeReason, type SegmentRecord, type StallRecord, type StreamInfo } from '../../src/pages/demo/metrics.js';
import { summarizeLog } from '../../src/pages/demo/telemetry-panel.js';
import { startDemoServer, traceFromJson, type DemoServer } from '../../src/node/demo/server.js';
import { AbrkitError } from '../../src/core/errors.js';

const STREAM: StreamInfo = { durationS: 60, segmentDurationS: 4, ladderKbps: [300, 750, 1200, 1850, 2850, 4300], hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' };

describe('demo metrics', () => {
  const segments = new Map<number, SegmentRecord>([
    [0, { index: 0, rungIndex: 1, bytes: 375_000 }],
    [1, { index: 1, rungIndex: 3, bytes: 925_000 }],
    [2, { index: 2, rungIndex: 3, bytes: 925_000 }],
    [3, { index: 3, rungIndex: 5, bytes: 2_150_000 }],
  ]);

  it('charges stalls to the segment being played and the startup at the rebuffer penalty (QoE_lin)', () => {
    const stalls: StallRecord[] = [{ atS: 5, startS: 6, endS: 7 }];
    // Playhead 9 s: segments 0..2 count, segment 3 (buffered, not yet played) does not.
    const m = measureSession(STREAM, qoeModelFor(STREAM), segments, stalls, 0.5, 9, 10);
    // 0.75 + (1.85 - 4.3 * 1 - 1.1) + 1.85 - 4.3 * 0.5 = -3.1 over 3 chunks.
    expect(m.chunks).toBe(3);
    expect(m.qoeSum).toBeCloseTo(-3.1, 10);
    expect(m.qoe).toBeCloseTo(-3.1 / 3, 10);
    expect(m.bitrateKbps).toBeCloseTo((750 + 1850 + 1850) / 3, 10);
    expect(m.rebufferS).toBe(1);
    expect(m.switches).toBe(1);
  });

  it('counts a stall still running up to now', () => {
    const m = measureSession(STREAM, qoeModelFor(STREAM), segments, [{ atS: 5, startS: 6, endS: null }], 0, 5, 8.5);
    expect(m.rebufferS).toBeCloseTo(2.5, 10);
    expect(m.chunks).toBe(2);
  });

  it('explains decisions in words, with the plan in kbps', () => {
    expect(describeReason({ kind: 'mpc', predictedBps: 2_000_000, plan: [3, 4], objective: 1.5 }, STREAM.ladderKbps)).toBe('MPC: predicted 2.00 Mbit/s, plan 1850/2850 kbps, objective 1.50');
    expect(describeReason({ kind: 'buffer', bufferS: 12.34, zone: 'cushion' }, STREAM.ladderKbps)).toBe('buffer 12.3 s in the cushion zone');
    expect(describeReason({ kind: 'fallback', error: new AbrkitError('policy-failed', 'boom') }, STREAM.ladderKbps)).toBe('fallback (policy-failed): boom');
  });
});

describe('telemetry panel summary', () => {
  it('groups the exported log by session and counts unreadable lines', () => {
    const base = { v: 1, t: 0 };
    const lines = [
      { ...base, sid: 's1', seq: 0, ts: 1000, type: 'session-start', player: { name: 'hls.js', version: '1.7' }, policy: { name: 'bola' }, ladder: { renditions: [{ id: 'a', br: 300 }], segmentDurationMs: 4000 }, visibility: 'visible' },
      { ...base, sid: 's1', seq: 1, ts: 1001, type: 'playback', kind: 'stall-start' },
      { ...base, sid: 's2', seq: 0, ts: 2000, type: 'playback', kind: 'play' },
    ].map((e) => JSON.stringify(e));
    const { sessions, invalidLines } = summarizeLog([...lines, 'not json', '{"v":1}', ''].join('\n'));
    expect(invalidLines).toBe(2);
    expect(sessions.map((s) => s.sid)).toEqual(['s2', 's1']);
    const s1 = sessions.find((s) => s.sid === 's1')!;
    expect(s1).toMatchObject({ player: 'hls.js', policy: 'bola', events: 2, stalls: 1, segments: 0 });
  });
});

describe('demo server', () => {
  it('turns a posted trace into a Trace and rejects bad ones with a typed error', () => {
    const trace = traceFromJson({ name: 'up', timesS: [0, 1, 2], mbps: [0, 3, 0.5], rttMs: 60 });
    expect(Array.from(trace.mbps)).toEqual([0, 3, 0.5]);
    expect(trace.rttMs?.[0]).toBe(60);
    const bad = (value: unknown) => {
      try {
        traceFromJson(value);
      } catch (error) {
        return error instanceof AbrkitError ? `${error.code}: ${error.message}` : `untyped: ${String(error)}`;
      }
      return 'accepted';
    };
    expect(bad({ name: 'x', timesS: [0, 1], mbps: [1] })).toBe('invalid-options: timesS has 2 samples but mbps has 1');
    expect(bad({ name: 'x', timesS: [0, 0], mbps: [1, 1] })).toBe('invalid-options: timesS must increase (sample 1)');
    expect(bad({ name: 'x', timesS: [0, 1], mbps: [1, -2] })).toBe('invalid-options: mbps[1] must be a finite number >= 0');
    expect(bad({ name: 'x', timesS: [0], mbps: [1] })).toMatch(/^invalid-options: a trace needs 2 to/);
    expect(bad(null)).toBe('invalid-options: body must be a JSON object');
  });

  let dir = '';
  let server: DemoServer | null = null;
  beforeAll(async () => {
    // The API needs only the stream description; the media files themselves are not read here.
    dir = mkdtempSync(join(tmpdir(), 'abrkit-demo-'));
    writeFileSync(join(dir, 'stream.json'), JSON.stringify(STREAM));
    server = await startDemoServer({ mediaDir: dir, port: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page, its bundle and the config', async () => {
    const page = await fetch(server!.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>abrkit demo');
    const script = await fetch(new URL('main.js', server!.url));
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const config = (await (await fetch(new URL('api/config', server!.url))).json()) as { mediaOrigin: string; stream: StreamInfo };
    expect(config.mediaOrigin).toBe(server!.mediaOrigin);
    expect(config.stream).toEqual(STREAM);
  });

  it('starts a shaped session from a posted trace, and answers 400 with the reason to a bad one', async () => {
    const post = (body: string) => fetch(new URL('api/session', server!.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const good = await post(JSON.stringify({ name: 'step', timesS: [0, 1, 2], mbps: [5, 5, 0.6] }));
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ ok: true, samples: 3 });
    const bad = await post(JSON.stringify({ name: 'step', timesS: [0, 1], mbps: [5, 'x'] }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'mbps[1] must be a finite number >= 0' });
    const notJson = await post('{');
    expect(notJson.status).toBe(400);
    const network = await (await fetch(new URL('api/session/network', server!.url))).json();
    expect(network).toEqual({ requests: 0, bytes: 0, wastedBytes: 0, abortedRequests: 0 });
    expect((await fetch(new URL('api/nothing', server!.url))).status).toBe(404);
  });
});
