/**
 * Browser tests for abrkit/telemetry with real IndexedDB in Chromium (playwright-core, Debian's
 * /usr/bin/chromium). Bundles test/browser/page.ts with esbuild, serves it on 127.0.0.1, runs each
 * case one after the other, prints PASS/FAIL per case and the counts, exits 1 on any failure.
 * Run: bash scripts/test-browser.sh
 */
import { createServer, type Server } from 'node:http';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strict as assert } from 'node:assert';
import { build } from 'esbuild';
import { chromiumLaunchOptions } from '../../src/node/harness/chromium.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'abrkit-browser-'));
const results: { name: string; ok: boolean; detail: string; ms: number }[] = [];
const figures: string[] = [];

async function bundle(): Promise<{ page: string; cli: string }> {
  const page = join(work, 'page.js');
  await build({ entryPoints: [join(ROOT, 'test/browser/page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: page, logLevel: 'error' });
  // The collector runs as `abrkit collect` does (same command module), bundled for a quick start.
  // It lives under node_modules/.cache so that any package it imports resolves from the repo.
  const cli = join(ROOT, 'node_modules/.cache/abrkit-test-browser', `collect-${process.pid}.mjs`);
  await build({
    stdin: { contents: "import { run } from './src/node/cli/commands/collect.ts';\nawait run(process.argv.slice(2));\n", resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: cli,
    packages: 'external',
    logLevel: 'error',
  });
  return { page, cli };
}

/** A few seconds of VP9 made with ffmpeg at run time (nothing committed). */
function makeVideo(): string {
  const file = join(work, 'clip.webm');
  const ffmpeg = spawnSync('/usr/bin/ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '6', '-c:v', 'libvpx-vp9', '-b:v', '300k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '25', '-y', file]);
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg failed: ${ffmpeg.stderr.toString()}`);
  return file;
}

/** Stall the clip after this share of its bytes for `STALL_PAUSE_MS`: the player runs dry mid-way. */
const STALL_AT_SHARE = 0.35;
const STALL_PAUSE_MS = 2500;

/** What an event logged while the page unloads is: its type, or `visibility:<state>`. */
function unloadKind(line: string): string {
  const e = JSON.parse(line) as { type: string; kind?: string; visibility?: string };
  return e.kind === 'visibility' ? `visibility:${e.visibility}` : e.type;
}

/** Events each e2e session had recorded as its page unloaded, by session id. */
const unloadCounts = new Map<string, number>();

function serveStatic(pageFile: string): Promise<{ server: Server; origin: string }> {
  const html = '<!doctype html><meta charset="utf-8"><title>abrkit telemetry</title><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/page.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      response.end(readFileSync(pageFile));
    } else if (path === '/clip.webm') {
      const clip = readFileSync(join(work, 'clip.webm'));
      const cut = Math.floor(clip.length * STALL_AT_SHARE);
      response.writeHead(200, { 'Content-Type': 'video/webm', 'Content-Length': clip.length, 'Cache-Control': 'no-store' });
      response.write(clip.subarray(0, cut));
      setTimeout(() => response.end(clip.subarray(cut)), STALL_PAUSE_MS);
    } else if (path === '/count' && request.method === 'POST') {
      // The e2e page's event count per session, beaconed as it unloads; the highest one wins.
      let body = '';
      request.on('data', (d: Buffer) => (body += d.toString()));
      request.on('end', () => {
        const { sid, recorded } = JSON.parse(body) as { sid: string; recorded: number };
        unloadCounts.set(sid, Math.max(recorded, unloadCounts.get(sid) ?? 0));
        response.writeHead(204).end();
      });
    } else if (path === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
      response.end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    ok({ server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }));
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freshPage(context: BrowserContext, origin: string, query = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await cdp.detach();
  await page.goto(`${origin}/${query}`);
  await page.evaluate(() => window.harnessReady);
  return page;
}

type Case = (context: BrowserContext, origin: string, cli: string) => Promise<void>;

const cases: [string, Case][] = [
  [
    'events flushed before a reload are still there after it (real IndexedDB)',
    async (context, origin) => {
      const page = await freshPage(context, origin);
      const status = await page.evaluate(() => window.harness.start({ flushIntervalMs: 60_000 }));
      assert.deepEqual(status.storage, { backend: 'indexeddb' });
      const recorded = await page.evaluate(() => window.harness.record(300));
      await page.evaluate(() => window.harness.flush());
      await page.reload();
      await page.evaluate(() => window.harnessReady);
      const all = (await page.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean);
      // Unloading logs the last QoE summary (the 300 included downloads) after the 300, and nothing else.
      const lines = all.slice(0, recorded);
      assert.deepEqual(all.slice(recorded).map(unloadKind), ['qoe-summary'], 'logged while unloading');
      assert.equal(lines.length, recorded);
      const seqs = lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
      assert.deepEqual(seqs, [...Array(recorded).keys()]);
      assert.ok(lines.every((l) => !l.includes('token=')), 'query strings stripped');
      await page.close();
    },
  ],
  [
    'pagehide flushes the queue with no explicit flush',
    async (context, origin) => {
      const page = await freshPage(context, origin);
      await page.evaluate(() => window.harness.start({ flushIntervalMs: 600_000, maxQueuedEvents: 100_000 }));
      const recorded = await page.evaluate(() => window.harness.record(500));
      assert.equal(await page.evaluate(() => window.harness.status()!.written), 0, 'nothing written before pagehide');
      await page.reload(); // fires pagehide
      await page.evaluate(() => window.harnessReady);
      const lines = (await page.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean);
      const stored = lines.map((l) => JSON.parse(l) as { seq: number; type: string });
      const duringUnload = lines.slice(recorded).map(unloadKind);
      figures.push(`pagehide flush: ${Math.min(recorded, stored.length)} of ${recorded} queued events stored across a reload (plus ${duringUnload.join(' and ')} logged while unloading)`);
      assert.deepEqual(duringUnload, ['qoe-summary']);
      assert.deepEqual(stored.map((e) => e.seq), [...Array(stored.length).keys()]);
      await page.close();
    },
  ],
  [
    'the learned estimator adapts, persists its state in IndexedDB, and starts from it after a reload',
    async (context, origin) => {
      const page = await freshPage(context, origin);
      const first = await page.evaluate(() => window.harness.learnedSession(12));
      assert.equal(first.origin, 'shipped');
      assert.deepEqual(first.errors, []);
      await page.reload();
      await page.evaluate(() => window.harnessReady);
      const second = await page.evaluate(() => window.harness.learnedSession(0));
      assert.equal(second.origin, 'persisted');
      assert.deepEqual(second.state, first.state, 'the state after the reload is the one the first session left');
      figures.push(`learned estimator: ${(first.state as { updates: number }).updates} RLS updates persisted across a reload`);
      await page.close();
    },
  ],
  [
    'two tabs log into the same database at once',
    async (context, origin) => {
      const a = await freshPage(context, origin);
      const b = await context.newPage();
      await b.goto(`${origin}/`);
      await b.evaluate(() => window.harnessReady);
      const [sa, sb] = await Promise.all([a, b].map((p) => p.evaluate(() => window.harness.start({ flushIntervalMs: 20, maxQueuedEvents: 25 }))));
      for (let round = 0; round < 10; round++) {
        await Promise.all([a, b].map((p) => p.evaluate(() => window.harness.record(60))));
      }
      const recorded = await Promise.all([a, b].map((p) => p.evaluate(() => window.harness.flush().then((s) => s.recorded))));
      const events = (await a.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { sid: string; seq: number });
      for (const [i, status] of [sa!, sb!].entries()) {
        const seqs = events.filter((e) => e.sid === status.sessionId).map((e) => e.seq).sort((x, y) => x - y);
        assert.deepEqual(seqs, [...Array(recorded[i]).keys()], `tab ${i}: all ${recorded[i]} events, once each`);
      }
      figures.push(`two tabs: ${recorded[0]} + ${recorded[1]} events recorded concurrently, ${events.length} stored`);
      await Promise.all([a.close(), b.close()]);
    },
  ],
  [
    'a real <video>: play, a stall measured from the element, ended',
    async (context, origin) => {
      makeVideo();
      const page = await freshPage(context, origin);
      await page.evaluate(() => window.harness.start({ flushIntervalMs: 200 }));
      const outcome = await page.evaluate(() => window.harness.playVideo('/clip.webm', 20_000));
      assert.equal(outcome, 'ended');
      await page.evaluate(() => window.harness.flush());
      const events = (await page.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind?: string; stallMs?: number });
      const kinds = events.map((e) => e.kind);
      const stallEnd = events.find((e) => e.kind === 'stall-end');
      figures.push(`real <video>: ${kinds.join(', ')}; stall ${stallEnd?.stallMs ?? '-'} ms (server paused ${STALL_PAUSE_MS} ms)`);
      assert.equal(kinds[0], 'play');
      assert.equal(kinds.filter((k) => k === 'stall-start').length, 1, 'one stall');
      assert.ok((stallEnd?.stallMs ?? 0) > 500, 'the stall lasted');
      assert.equal(kinds.at(-1), 'ended');
      await page.close();
    },
  ],
  [
    'quota exhaustion: bounded storage, every lost event counted, no crash',
    async (context, origin) => {
      const page = await freshPage(context, origin);
      const cdp = await context.newCDPSession(page);
      const quotaSize = 2_000_000;
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
      await page.evaluate(() => window.harness.start({ flushIntervalMs: 60_000, maxQueuedEvents: 100_000 }));
      let threw = 0;
      for (let round = 0; round < 40; round++) {
        try {
          await page.evaluate(() => {
            window.harness.record(50, 4000);
            return window.harness.flush();
          });
        } catch {
          threw++;
        }
      }
      const exhausted = (await page.evaluate(() => window.harness.flush()))!;
      const storedWhileFull = (await page.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean);
      const usage = (await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number; quota: number };
      const storedBytes = storedWhileFull.reduce((sum, line) => sum + line.length + 1, 0);
      assert.equal(threw, 0, 'recording never threw at the page');
      assert.ok(exhausted.droppedOnQuota > 0, 'the quota was hit');
      assert.equal(exhausted.writeErrors, 0, 'quota errors are counted as loss, not reported as failures');
      assert.equal(exhausted.recorded, storedWhileFull.length + exhausted.evicted + exhausted.droppedOnQuota, 'every event is stored or counted as lost');
      assert.ok(storedBytes <= quotaSize, `stored events (${storedBytes} B) fit in the quota`);
      // Space comes back (the user cleared some): the next write logs what was lost meanwhile.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
      await cdp.detach();
      await page.evaluate(() => {
        window.harness.record(1);
        return window.harness.flush();
      });
      const after = (await page.evaluate(() => window.harness.status()))!;
      const events = (await page.evaluate(() => window.harness.exportText())).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; droppedOnQuota?: number; evicted?: number });
      const losses = events.filter((e) => e.type === 'loss');
      const reportedDrops = losses.reduce((sum, e) => sum + (e.droppedOnQuota ?? 0), 0);
      assert.equal(after.evicted, 0, 'under maxStoredEvents nothing is evicted');
      figures.push(
        `quota ${quotaSize} B: recorded ${exhausted.recorded} events of ~4 kB, stored ${storedWhileFull.length} (${storedBytes} B of JSON; Chromium reports ${usage.usage} B used), ` +
          `dropped on quota ${exhausted.droppedOnQuota}, evicted ${exhausted.evicted}; after space came back the log's loss events report ${reportedDrops} dropped`,
      );
      assert.equal(losses.length, 1, 'one loss event once writes succeed again');
      assert.equal(reportedDrops, after.droppedOnQuota, 'the log reports every dropped event');
      assert.equal(after.recorded, events.length + after.evicted + after.droppedOnQuota);
      await page.close();
    },
  ],
  [
    'e2e: upload through collector crash + restart, a reload and a 5xx spell; every event arrives exactly once',
    async (context, origin, cli) => {
      const port = await freePort();
      const outDir = join(work, 'collector-out');
      const faultFile = join(work, 'fault');
      let collector: ChildProcess | null = null;
      const startCollector = async () => {
        const child = spawn(process.execPath, [cli, 'collect', '--port', String(port), '--out', outDir, '--fault-file', faultFile, '--idle-exit-s', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        await until('the collector to listen', async () => {
          if (child.exitCode !== null) throw new Error(`collector exited: ${stderr}`);
          try {
            return (await fetch(`http://127.0.0.1:${port}/v1/health`)).ok;
          } catch {
            return false;
          }
        }, 10_000);
        collector = child;
        return child;
      };
      const health = async () => (await (await fetch(`http://127.0.0.1:${port}/v1/health`)).json()) as { acceptedEvents: number; duplicateBatches: number; faultResponses: number; recoveredEvents: number; truncatedBytes: number };
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      try {
        await startCollector();
        const endpoint = `http://127.0.0.1:${port}/v1/events`;
        const page = await freshPage(context, origin, `?e2e=${encodeURIComponent(endpoint)}`);
        await sleep(1500);
        // Crash: SIGKILL, no chance to finish anything in flight.
        (collector as ChildProcess | null)?.kill('SIGKILL');
        await sleep(1200);
        await startCollector();
        const afterRestart = await health();
        await sleep(1000);
        await page.reload();
        await page.evaluate(() => window.harnessReady);
        await sleep(1000);
        writeFileSync(faultFile, '');
        await sleep(2000);
        rmSync(faultFile);
        await sleep(1000);
        await page.evaluate(() => window.harness.stopGenerator());
        // The QoE summary timer logs once more for the last window, then stays quiet.
        await sleep(1500);
        await page.evaluate(() => window.harness.flush());
        await until('every stored event to be uploaded', async () => (await page.evaluate(() => window.harness.storedCount())) === 0, 30_000);
        const live = (await page.evaluate(() => window.harness.status()))!;
        assert.equal(live.queued, 0);
        // Closing the page logs once more (it turns hidden) and beacons that to the collector.
        await page.close();
        await until('the closed page to beacon its count', async () => unloadCounts.has(live.sessionId), 10_000);
        const recordedBySid = Object.fromEntries(unloadCounts);
        const expectedTotal = Object.values(recordedBySid).reduce((a, b) => a + b, 0);
        const collected = () => readdirSync(outDir).filter((n) => n.endsWith('.ndjson')).sort().flatMap((n) => readFileSync(join(outDir, n), 'utf8').split('\n').filter(Boolean));
        await until('the unload beacon to reach the collector', async () => collected().length >= expectedTotal, 10_000).catch(() => undefined);
        const final = await health();

        const lines = collected();
        const events = lines.map((l) => JSON.parse(l) as { sid: string; seq: number; type: string });
        const bySid = new Map<string, number[]>();
        for (const e of events) {
          if (!bySid.has(e.sid)) bySid.set(e.sid, []);
          bySid.get(e.sid)!.push(e.seq);
        }
        const unique = new Set(events.map((e) => `${e.sid}/${e.seq}`)).size;
        assert.equal(bySid.size, 2, `two sessions (before and after the reload), got ${bySid.size}`);
        assert.equal(Object.keys(recordedBySid).length, 2, 'both sessions beaconed their counts as they unloaded');
        let recordedTotal = 0;
        for (const [sid, recorded] of Object.entries(recordedBySid)) {
          recordedTotal += recorded;
          const seqs = (bySid.get(sid) ?? []).sort((a, b) => a - b);
          const have = new Set(seqs);
          const missing = [...Array(recorded).keys()].filter((q) => !have.has(q));
          const extra = seqs.filter((q, i) => q >= recorded || seqs[i - 1] === q);
          const extraTypes = events.filter((e) => e.sid === sid && e.seq >= recorded).map((e) => `${e.seq}:${e.type}`);
          assert.ok(missing.length === 0 && extra.length === 0, `session ${sid}: ${recorded} recorded; missing seqs [${missing.join(',')}], extra or repeated [${extra.join(',')}] (${extraTypes.join(',')}); collector ${JSON.stringify(final)}`);
        }
        figures.push(
          `e2e: recorded ${recordedTotal} events in ${bySid.size} sessions; collector files hold ${lines.length} lines, ${unique} unique, ${lines.length - unique} duplicates; ` +
            `collector before restart accepted ${afterRestart.recoveredEvents} events (recovered from disk after SIGKILL, ${afterRestart.truncatedBytes} torn bytes cut); ` +
            `after restart: accepted ${final.acceptedEvents} more, answered ${final.duplicateBatches} duplicate batches, ${final.faultResponses} injected 503s`,
        );
        assert.equal(lines.length, unique, 'no event stored twice');
        assert.equal(unique, recordedTotal, 'every recorded event arrived');
        assert.ok(final.faultResponses > 0, 'the 5xx spell was exercised');
      } finally {
        (collector as ChildProcess | null)?.kill('SIGKILL');
      }
    },
  ],
];

async function main(): Promise<number> {
  const startedMs = Date.now();
  const { page: pageFile, cli } = await bundle();
  const { server, origin } = await serveStatic(pageFile);
  const context = await chromium.launchPersistentContext(join(work, 'profile'), chromiumLaunchOptions());
  try {
    for (const [name, fn] of cases.filter(([n]) => n.includes(process.env.BROWSER_TEST_FILTER ?? ''))) {
      const t0 = Date.now();
      try {
        await fn(context, origin, cli);
        results.push({ name, ok: true, detail: '', ms: Date.now() - t0 });
        console.log(`PASS ${name} (${Date.now() - t0} ms)`);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        results.push({ name, ok: false, detail, ms: Date.now() - t0 });
        console.log(`FAIL ${name} (${Date.now() - t0} ms)\n  ${detail.split('\n').join('\n  ')}`);
      }
    }
  } finally {
    await context.close();
    server.close();
    if (!process.env.KEEP_BROWSER_TEST_DIR) rmSync(work, { recursive: true, force: true });
    rmSync(cli, { force: true });
  }
  for (const f of figures) console.log(`figure: ${f}`);
  const passed = results.filter((r) => r.ok).length;
  console.log(`\nbrowser tests: ${passed} passed, ${results.length - passed} failed (${((Date.now() - startedMs) / 1000).toFixed(1)} s)`);
  return passed === results.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

