/**
 * Telemetry cost: main-thread time per logged event in Chromium (p50/p99 per call kind, target
 * p99 <= 0.2 ms), and storage bytes per minute of playback (NDJSON bytes of simulated sessions,
 * and Chromium's IndexedDB usage for the same stream).
 *   npx tsx bench/telemetry-cost.ts [--runs 3] [--segments 3000]
 * Runs Chromium one run at a time; prints the median over runs with the spread.
 */
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ManualClock, AbrController, createAbandonRule, type DownloadSample, type SampleVerdict } from 'abrkit';
import { synthesizeTrace, createSyntheticVideo, createRealisticEnv, runSession, builtinPolicySpec } from 'abrkit/sim';
import { createTelemetry, type Telemetry, type Timers } from 'abrkit/telemetry';
import { chromiumLaunchOptions } from 'abrkit/node';
import { chromium } from 'playwright-core';
import type { CostResult } from './telemetry-cost-page.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, segments: { type: 'string' } } });
const RUNS = Number(values.runs ?? 3);
const SEGMENTS = Number(values.segments ?? 3000);
const ROOT = resolve(import.meta.dirname, '..');

/** Timers on simulated time: due callbacks fire when the bench moves the clock. */
class SimTimers implements Timers {
  #pending = new Map<number, { atMs: number; fn: () => void }>();
  #next = 1;
  constructor(private readonly clock: ManualClock) {}
  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { atMs: this.clock.nowMs() + delayMs, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }
  fireDue(): void {
    for (const [id, t] of [...this.#pending]) {
      if (t.atMs <= this.clock.nowMs() && this.#pending.delete(id)) t.fn();
    }
  }
}

/** Storage per minute of playback: simulated sessions through the recorder, as an adapter would log them. */
async function bytesPerMinute(): Promise<{ bytesPerMin: number; eventsPerMin: number; sessions: number }> {
  const video = createSyntheticVideo({ seed: 2 });
  let bytes = 0;
  let events = 0;
  let mediaS = 0;
  const profiles = ['markov', '3g', 'lte-drive', 'congested-wifi'] as const;
  for (const [i, profile] of profiles.entries()) {
    const clock = new ManualClock();
    const timers = new SimTimers(clock);
    const telemetry: Telemetry = createTelemetry({ clock, timers, storage: 'memory', lifecycle: null, maxQueuedEvents: 1_000_000, nowEpochMs: () => 1_700_000_000_000 + clock.nowMs() });
    const spec = builtinPolicySpec('robustmpc', { qoe: 'lin', pensieveQuirks: false });
    class Recording extends AbrController {
      override addSample(s: DownloadSample): SampleVerdict {
        timers.fireDue();
        telemetry.recordSegment({ url: `https://cdn.example/v/${s.rungIndex}/seg-${s.segmentIndex}.m4s?t=x`, bytes: s.bytes, startMs: s.startMs, ttfbMs: s.ttfbMs, durationMs: s.durationMs, rungIndex: s.rungIndex ?? 0, segmentIndex: s.segmentIndex ?? 0, mediaDurationMs: 4000 });
        return super.addSample(s);
      }
    }
    const controller = new Recording({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock, onEvent: (e) => telemetry.onControllerEvent(e) });
    telemetry.recordSessionStart({ ladder: video, player: { name: 'hls.js', version: '1.7.0' }, policy: { name: 'robustmpc' }, streamingFormat: 'h', streamType: 'v' });
    telemetry.recordPlayback({ kind: 'play', positionMs: 0 });
    const log = runSession(createRealisticEnv(synthesizeTrace({ profile, seed: 40 + i, durationS: 600 }), video), controller, { clock, abandon: createAbandonRule() });
    for (const r of log.records) if (r.rebufferS > 0) telemetry.recordPlayback({ kind: 'stall-start' });
    telemetry.recordPlayback({ kind: 'ended', positionMs: log.records.length * 4000 });
    const text = await telemetry.exportNdjson();
    await telemetry.close();
    bytes += Buffer.byteLength(text);
    events += text.split('\n').filter(Boolean).length;
    mediaS += log.records.length * video.segmentDurationS + log.records.reduce((s, r) => s + r.rebufferS, 0) + log.startupS;
  }
  return { bytesPerMin: bytes / (mediaS / 60), eventsPerMin: events / (mediaS / 60), sessions: profiles.length };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const median = (xs: number[]) => quantile(xs, 0.5);

async function chromiumCost(): Promise<{ runs: CostResult[]; usageBytes: number[] }> {
  const work = mkdtempSync(join(tmpdir(), 'abrkit-bench-'));
  const pageFile = join(work, 'page.js');
  await build({ entryPoints: [join(ROOT, 'bench/telemetry-cost-page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: pageFile, logLevel: 'error' });
  const server = createServer((request, response) => {
    // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    if (request.url === '/page.js') response.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(readFileSync(pageFile));
    else response.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const context = await chromium.launchPersistentContext(join(work, 'profile'), chromiumLaunchOptions());
  const runs: CostResult[] = [];
  const usageBytes: number[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
      await page.goto(origin);
      await page.waitForFunction(() => typeof window.runCostBench === 'function');
      const before = (await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number };
      runs.push(await page.evaluate((n) => window.runCostBench(n), SEGMENTS));
      const after = (await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number };
      usageBytes.push(after.usage - before.usage);
      await cdp.detach();
      await page.close();
    }
  } finally {
    await context.close();
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
  return { runs, usageBytes };
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const storage = await bytesPerMinute();
console.log(`storage: ${Math.round(storage.bytesPerMin)} bytes of NDJSON per minute of playback (${storage.eventsPerMin.toFixed(1)} events/min; ${storage.sessions} simulated RobustMPC sessions, 4 s segments)`);
const { runs, usageBytes } = await chromiumCost();
console.log(`chromium: ${RUNS} run(s) of ${SEGMENTS} segments (${runs[0]!.events} events each), cross-origin isolated: ${runs.every((r) => r.isolated)}`);
for (const kind of ['decision', 'segment', 'playback'] as const) {
  const p50 = runs.map((r) => quantile(r.perCallMs[kind], 0.5));
  const p99 = runs.map((r) => quantile(r.perCallMs[kind], 0.99));
  console.log(`  ${kind.padEnd(9)} per call: p50 ${fmt(median(p50))}, p99 ${fmt(median(p99))} (p99 over runs ${p99.map(fmt).join(', ')})`);
}
const all = runs.map((r) => quantile([...r.perCallMs.decision, ...r.perCallMs.segment, ...r.perCallMs.playback], 0.99));
console.log(`  any record call p99: ${fmt(median(all))} (target <= 200 µs)`);
const flush = runs.map((r) => median(r.flushMsPerEvent));
console.log(`  batched write (awaited flush of ~200 events: stringify + IndexedDB, wall time, not all main thread): ${fmt(median(flush))} per event (runs ${flush.map(fmt).join(', ')})`);
const perEventUsage = usageBytes.map((u, i) => u / runs[i]!.events);
console.log(`  IndexedDB usage growth: ${Math.round(median(perEventUsage))} bytes per event stored (runs ${perEventUsage.map((x) => Math.round(x)).join(', ')}); x ${storage.eventsPerMin.toFixed(1)} events/min = ${Math.round(median(perEventUsage) * storage.eventsPerMin)} bytes per minute of playback`);
