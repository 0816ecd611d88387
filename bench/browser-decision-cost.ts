/**
 * Decision cost on the main thread in real Chromium: AbrController.decide (estimator prediction +
 * policy) for each built-in policy, 20 cold decisions then 3000 warm ones on a deterministic link,
 * then sessions as playback sees them (fresh pages, decisions 20 ms apart) without and with the
 * adapters' start-up warm-up.
 * The page is cross-origin isolated so performance.now() has fine resolution.
 *
 *   npx tsx bench/browser-decision-cost.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { ADAPTER_DEFAULTS, ADAPTER_POLICY_NAMES } from 'abrkit/hls';
import { CHROMIUM_ARGS, CHROMIUM_PATH, percentile } from 'abrkit/node';

const bundle = await build({ entryPoints: [new URL('./browser-decision-cost-page.ts', import.meta.url).pathname], bundle: true, format: 'esm', write: false, target: 'es2022', logLevel: 'silent' });
const js = bundle.outputFiles[0]!.text;
const server = createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
  else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => window.__decisionCost !== undefined, undefined, { timeout: 120_000 });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const result = await page.evaluate(() => window.__decisionCost!);
  console.log(`Chromium ${browser.version()}, crossOriginIsolated=${isolated}`);
  console.log('| policy | warm n | median ms | p99 ms | max ms | cold (first 20) max ms |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, { warm, cold }] of Object.entries(result)) {
    console.log(`| ${name} | ${warm.length} | ${percentile(warm, 0.5).toFixed(4)} | ${percentile(warm, 0.99).toFixed(4)} | ${Math.max(...warm).toFixed(4)} | ${Math.max(...cold).toFixed(4)} |`);
  }
  await page.close();
  // As playback sees it: a fresh page per session, 60 decisions 20 ms apart, without and with the
  // adapters' start-up warm-up (ADAPTER_DEFAULTS.warmUpDecisions).
  const SESSIONS = 10;
  const PER_SESSION = 60;
  console.log(`\nCold sessions (createAdapterCore): ${SESSIONS} fresh pages x ${PER_SESSION} decisions, one per task, 20 ms apart`);
  console.log('| policy | warm-up decisions | decisions | median ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|---|');
  for (const name of ADAPTER_POLICY_NAMES) {
    for (const warmUp of [0, ADAPTER_DEFAULTS.warmUpDecisions]) {
      const all: number[] = [];
      for (let s = 0; s < SESSIONS; s++) {
        const fresh = await browser.newPage();
        await fresh.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?cold`);
        await fresh.waitForFunction(() => window.__coldSession !== undefined);
        all.push(...(await fresh.evaluate(([n, w, d]) => window.__coldSession!(n, w, d), [name, warmUp, PER_SESSION] as const)));
        await fresh.close();
      }
      console.log(`| ${name} | ${warmUp} | ${all.length} | ${percentile(all, 0.5).toFixed(4)} | ${percentile(all, 0.99).toFixed(4)} | ${Math.max(...all).toFixed(4)} |`);
    }
  }
} finally {
  await browser.close();
  server.close();
}
