/**
 * Inference latency of the DQN policy per decision in real Chromium, on the main thread:
 * the shipped model, a 6-rung and a 10-rung ladder, 20-sample histories, 3000 decisions each
 * after 1000 warm-up ones (JIT tiers). Prints p50/p99/max in ms. Run it alone (timings are noisy on 2 cores).
 *
 *   npx tsx bench/dqn-latency.ts            (WARM=0,200,400 to compare other warm-up sizes)
 */
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from 'abrkit/node';
import { join } from 'node:path';

const src = join(import.meta.dirname, '..', 'src');
const harness = `
import { createDqnPolicy } from '${src}/dqn.ts';
import { DEFAULT_DQN_MODEL } from '${src}/learned/model/default-model.ts';
function ladder(kbps, segmentDurationS) {
  return { renditions: kbps.map((k, i) => ({ id: String(i), bitrateBps: k * 1000 })), segmentDurationS };
}
const WARMUP = 1000;
/** Deterministic decision contexts: a random link and buffer per decision, a 20-sample history. */
function contexts(rungs, seed, videoSegments) {
  const l = rungs === 6 ? ladder([300, 750, 1200, 1850, 2850, 4300], 4) : ladder([230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000], 3);
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const history = [];
  return (i) => {
    const mbps = 0.5 + 5 * random();
    const bytes = 200000 + 1500000 * random();
    const durationMs = (bytes * 8) / (mbps * 1000);
    const endMs = i * 4000;
    history.push({ bytes, durationMs, ttfbMs: 40, startMs: endMs - durationMs, endMs });
    if (history.length > 20) history.shift();
    const segmentIndex = (i % videoSegments) + 1;
    return {
      ladder: l, segmentIndex, segmentsRemaining: videoSegments + 1 - segmentIndex, isLive: false, bufferS: 30 * random(),
      playbackRate: 1, lastRungIndex: Math.floor(random() * rungs), history: history.slice(),
      prediction: { throughputBps: mbps * 1e6, errorRatio: 0.2 }, minRungIndex: 0, maxRungIndex: rungs - 1, nowMs: endMs,
    };
  };
}
/** A session's worth of decisions on a fresh page, each in its own task as in playback (cold JIT). */
globalThis.runSession = async (rungs, decisions, gapMs, warmUp) => {
  const times = [];
  const errors = [];
  const t0 = performance.now();
  const policy = createDqnPolicy({ model: DEFAULT_DQN_MODEL, warmUpDecisions: warmUp, onError: (e) => errors.push(e.message) });
  await policy.ready;
  const readyMs = performance.now() - t0;
  const next = contexts(rungs, 7, decisions);
  for (let i = 0; i < decisions; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    const context = next(i);
    const t0 = performance.now();
    policy.decide(context);
    times.push(performance.now() - t0);
  }
  return { times, errors, readyMs };
};
globalThis.runBench = (rungs, decisions) => {
  const errors = [];
  // Its own warm-up loop below, in one task: the policy's scheduled one would leave the fallback deciding.
  const policy = createDqnPolicy({ model: DEFAULT_DQN_MODEL, warmUpDecisions: 0, onError: (e) => errors.push(e.message) });
  const next = contexts(rungs, 1, 48);
  const times = [];
  for (let i = 0; i < decisions + WARMUP; i++) {
    const context = next(i);
    const t0 = performance.now();
    policy.decide(context);
    const t1 = performance.now();
    if (i >= WARMUP) times.push(t1 - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: q(0.5), p99: q(0.99), max: times[times.length - 1], errors, status: policy.status() };
};
`;
const bundle = await build({
  stdin: { contents: harness, resolveDir: src, loader: 'ts' },
  bundle: true,
  format: 'iife',
  write: false,
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'silent',
});
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const open = async () => {
  const page = await browser.newPage();
  // Served cross-origin isolated (COOP + COEP), so performance.now() resolves to 5 µs, not 100 µs.
  await page.route('http://localhost:9/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
      body: '<!doctype html><title>dqn latency</title>',
    }),
  );
  await page.goto('http://localhost:9/');
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  return page;
  };
  const page = await open();
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  console.log(`Chromium ${browser.version()}, main thread, performance.now() per decide() (${isolated ? 'cross-origin isolated: 5 µs resolution' : 'not isolated: 100 µs resolution'})`);
  console.log('| ladder | decisions | p50 ms | p99 ms | max ms | status |');
  console.log('|---|---|---|---|---|---|');
  for (const rungs of [6, 10]) {
    const r = await page.evaluate(([n, d]) => (globalThis as unknown as { runBench: (a: number, b: number) => { p50: number; p99: number; max: number; errors: string[]; status: string } }).runBench(n, d), [rungs, 3000] as const);
    console.log(`| ${rungs} rungs | 3000 | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.max.toFixed(3)} | ${r.status}${r.errors.length ? ` (${r.errors[0]})` : ''} |`);
  }
  await page.close();
  // Cold: what playback sees. A fresh page per session, 60 decisions each in its own task 20 ms apart,
  // once without and once with the policy's warm-up (which runs before \`ready\` resolves).
  const SESSIONS = 20;
  const PER_SESSION = 60;
  console.log(`\nCold sessions: ${SESSIONS} fresh pages x ${PER_SESSION} decisions, one per task, 20 ms apart; the first decisions after the model is ready`);
  console.log('| ladder | warm-up decisions | decisions | p50 ms | p99 ms | max ms | model ready after (median) ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const rungs of [6, 10]) {
    for (const warmUp of (process.env.WARM ?? '0,400').split(',').map(Number)) {
      const all: number[] = [];
      const ready: number[] = [];
      for (let s = 0; s < SESSIONS; s++) {
        const fresh = await open();
        const r = await fresh.evaluate(([n, d, w]) => (globalThis as unknown as { runSession: (a: number, b: number, g: number, w: number) => Promise<{ times: number[]; readyMs: number }> }).runSession(n, d, 20, w), [rungs, PER_SESSION, warmUp] as const);
        all.push(...r.times);
        ready.push(r.readyMs);
        await fresh.close();
      }
      all.sort((a, b) => a - b);
      ready.sort((a, b) => a - b);
      const q = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))];
      console.log(`| ${rungs} rungs | ${warmUp} | ${all.length} | ${q(0.5).toFixed(3)} | ${q(0.99).toFixed(3)} | ${all[all.length - 1].toFixed(3)} | ${ready[ready.length >> 1].toFixed(1)} |`);
    }
  }
} finally {
  await browser.close();
}
