import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCmcd, validateCmcdEvents } from '@svta/cml-cmcd';
import { CmcdEventReporter, CmcdEventSession, watchMediaForCmcd, type CmcdSendResult, type CmcdTimers } from '../../src/adapters/cmcd-events.js';
import { resolveCmcdEventOptions } from '../../src/adapters/cmcd.js';
import { createAbrController } from '../../src/hls.js';
import { AbrkitError } from '../../src/core/errors.js';
import { startCollector } from '../../src/node/collector/server.js';

/** Timers that fire only when the test advances them. */
class FakeTimers implements CmcdTimers {
  nowMs = 0;
  #next = 1;
  #pending = new Map<number, { atMs: number; callback: () => void }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { atMs: this.nowMs + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const due = [...this.#pending.entries()].filter(([, t]) => t.atMs <= until).sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].callback();
    }
    this.nowMs = until;
  }
}

/** A transport that records bodies and answers from a script (ok unless told otherwise). */
function recordingTransport(answers: CmcdSendResult[] = []) {
  const bodies: string[] = [];
  const transport = async (_url: string, body: string): Promise<CmcdSendResult> => {
    const answer = answers.shift() ?? { ok: true };
    if (answer.ok) bodies.push(body);
    return answer;
  };
  return { bodies, transport, lines: () => bodies.flatMap((b) => b.trim().split('\n')) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const source = { bitrateBps: () => 4_300_000, bufferS: () => 12.34, throughputBps: () => 6_260_000 };
const options = (extra = {}) => resolveCmcdEventOptions({ url: 'http://collector.example/v1/cmcd', intervalS: 10, batchSize: 4, flushAfterMs: 1000, ...extra })!;

describe('CMCD v2 event mode', () => {
  it('reports play states, bitrate changes and a time interval that cml-cmcd validates as event mode', async () => {
    const timers = new FakeTimers();
    const { transport, lines } = recordingTransport();
    const reporter = new CmcdEventReporter(options(), { sessionId: 's-1', contentId: 'envivio' }, source, { transport, timers, nowEpochMs: () => 1_700_000_000_000 + timers.nowMs });
    reporter.playState('s');
    reporter.playState('s'); // no change, no report
    reporter.bitrate(300_000);
    reporter.playState('p');
    reporter.bitrate(300_000);
    timers.advance(10_000); // one 't', and the waiting reports flushed meanwhile
    await settle();
    reporter.bitrate(1_200_000);
    reporter.playState('e'); // the session may be over: sent at once
    await settle();
    const sent = lines();
    const verdict = validateCmcdEvents(sent.join('\n'));
    expect(verdict.issues.filter((i) => i.severity === 'error'), JSON.stringify(verdict.issues)).toEqual([]);
    const decoded = sent.map((l) => decodeCmcd(l) as Record<string, unknown>);
    expect(decoded.map((d) => d.e)).toEqual(['ps', 'bc', 'ps', 't', 'bc', 'ps']);
    expect(decoded.map((d) => d.sn)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(decoded.filter((d) => d.e === 'ps').map((d) => d.sta)).toEqual(['s', 'p', 'e']);
    expect(decoded.filter((d) => d.e === 'bc').map((d) => d.br)).toEqual([[300], [1200]]);
    expect(decoded[3]).toMatchObject({ e: 't', bl: [12300], br: [4300], mtp: [6300], sta: 'p', ts: 1_700_000_010_000, sid: 's-1', cid: 'envivio', v: 2 });
    expect(reporter.stats()).toMatchObject({ sent: 6, dropped: 0, queued: 0 });
  });

  it('keeps reports while the collector is down, retries with a growing back-off, and sends each once when it is back', async () => {
    const timers = new FakeTimers();
    const down = { ok: false, status: 0 } as const;
    const { transport, lines } = recordingTransport([down, { ok: false, status: 503 }, { ok: false, status: 429 }]);
    const reporter = new CmcdEventReporter(options({ intervalS: 0 }), {}, source, { transport, timers });
    for (let i = 0; i < 6; i++) reporter.bitrate(100_000 * (i + 1));
    await settle(); // the batch of 4 failed
    expect(reporter.stats()).toMatchObject({ sent: 0, queued: 6, retries: 1 });
    timers.advance(999);
    await settle();
    expect(reporter.stats().retries).toBe(1); // not before the first back-off (1 s)
    timers.advance(1);
    await settle(); // 503
    timers.advance(1999);
    await settle();
    expect(reporter.stats().retries).toBe(2); // the second back-off is 2 s
    timers.advance(1);
    await settle(); // 429
    timers.advance(4000);
    await settle();
    await settle();
    expect(reporter.stats()).toMatchObject({ sent: 6, queued: 0, dropped: 0, retries: 3 });
    expect(lines().map((l) => (decodeCmcd(l) as { sn: number }).sn)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('drops a batch the collector refuses (4xx), and the oldest reports past maxQueued, and counts both', async () => {
    const timers = new FakeTimers();
    const refused = recordingTransport([{ ok: false, status: 422 }]);
    const reporter = new CmcdEventReporter(options({ intervalS: 0 }), {}, source, { transport: refused.transport, timers });
    for (let i = 0; i < 4; i++) reporter.bitrate(100_000 * (i + 1));
    await settle();
    expect(reporter.stats()).toMatchObject({ sent: 0, dropped: 4, queued: 0 });

    const downForever = async (): Promise<CmcdSendResult> => ({ ok: false, status: 0 });
    const full = new CmcdEventReporter(options({ intervalS: 0, maxQueued: 5 }), {}, source, { transport: downForever, timers });
    for (let i = 0; i < 9; i++) full.bitrate(100_000 * (i + 1));
    await settle();
    expect(full.stats()).toMatchObject({ queued: 5, dropped: 4 });
  });

  it('reads play states from a media element: starting until the first frame, rebuffering only after it, quit on destroy', async () => {
    const timers = new FakeTimers();
    const { transport, lines } = recordingTransport();
    const reporter = new CmcdEventReporter(options({ intervalS: 0 }), {}, source, { transport, timers });
    const media = Object.assign(new EventTarget(), { seeking: false, ended: false, error: null, playbackRate: 1 }) as unknown as HTMLMediaElement;
    const session = new CmcdEventSession(reporter);
    session.attach(media);
    session.attach(media); // idempotent
    for (const type of ['waiting', 'playing', 'waiting', 'playing', 'pause', 'playing']) media.dispatchEvent(new Event(type));
    session.destroy();
    media.dispatchEvent(new Event('waiting')); // detached
    await settle();
    const states = lines().map((l) => decodeCmcd(l) as { e: string; sta?: string }).filter((d) => d.e === 'ps').map((d) => d.sta);
    expect(states).toEqual(['s', 'p', 'r', 'p', 'a', 'p', 'q']);
    expect(typeof watchMediaForCmcd).toBe('function');
  });

  it('refuses bad options with a typed error, through the adapter too', () => {
    expect(() => resolveCmcdEventOptions({ url: '' })).toThrow(AbrkitError);
    expect(() => resolveCmcdEventOptions({ url: 'http://x/v1/cmcd', intervalS: -1 })).toThrow(/intervalS/);
    expect(() => resolveCmcdEventOptions({ url: 'http://x/v1/cmcd', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => createAbrController({ cmcd: { events: { url: 'http://x/v1/cmcd', maxQueued: Number.NaN } } })).toThrow(/maxQueued/);
  });
});

describe('CMCD event mode into the reference collector', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('posts over real HTTP with the ingest token; the collector stores every report once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-cmcd-events-'));
    const collector = await startCollector({ outDir: dir, port: 0, tokens: ['secret-token-1'] });
    cleanups.push(() => collector.close(), () => rmSync(dir, { recursive: true, force: true }));
    const url = collector.url.replace('/v1/events', '/v1/cmcd');
    const reporter = new CmcdEventReporter(resolveCmcdEventOptions({ url, token: 'secret-token-1', intervalS: 0, batchSize: 3 })!, { sessionId: 'abc' }, source);
    reporter.playState('s');
    reporter.bitrate(750_000);
    reporter.playState('p');
    reporter.backgrounded(true);
    reporter.close();
    for (let i = 0; i < 50 && reporter.stats().queued > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reporter.stats()).toMatchObject({ sent: 4, queued: 0, dropped: 0 });
    const stored = readFileSync(join(dir, 'cmcd.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).cmcd);
    expect(stored.map((c: { e: string; sn: number }) => `${c.e}:${c.sn}`)).toEqual(['ps:0', 'bc:1', 'ps:2', 'b:3']);
    expect(stored[3]).toMatchObject({ bg: true, sid: 'abc', v: 2 });

    const wrongToken = new CmcdEventReporter(resolveCmcdEventOptions({ url, token: 'wrong-token-9', intervalS: 0, batchSize: 1 })!, {}, source);
    wrongToken.playState('s');
    for (let i = 0; i < 50 && wrongToken.stats().queued > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(wrongToken.stats()).toMatchObject({ sent: 0, dropped: 1 }); // 401: refused, not retried forever
  });
});
