/**
 * Real-Chromium e2e test of the demo page (run by scripts/test-demo.sh; not a vitest file).
 * Starts the demo server, loads the page in Debian's Chromium and:
 *  1. runs an hls.js session (RobustMPC) on an uploaded fast step trace, and a shaka-player session
 *     (BOLA) on the built-in step profile: the video advances, decisions and their reasons are
 *     logged, the charts draw their series (pixels of each series' colour on the canvases);
 *     a short hls.js session with the learned policy (dqn), and a shaka session stopped early;
 *  2. runs compare mode (RobustMPC vs the player's own ABR): two rows in the summary table, overlaid charts;
 *  3. exports the telemetry log (the download is NDJSON of valid events from every session), uploads it
 *     to a real `abrkit collect` collector (every event accepted once), and clear empties the log;
 *  4. every form control has a label; no console errors, no page errors.
 * Screenshots go to test-results/demo/ (and, with --docs, the README's docs/demo-live.png and docs/demo-compare.png).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startDemoServer } from '../../src/node/demo/server.js';
import { chromiumLaunchOptions } from '../../src/node/harness/chromium.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { formatTimeMbpsTrace } from '../../src/sim/trace-parsers.js';
import { checkTelemetryEvent } from '../../src/telemetry/schema.js';
import { startCollector } from '../../src/node/collector/server.js';
import type {} from '../../src/pages/demo/session.js'; // window.__demo's type

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = join(ROOT, 'test-results/demo');
const DOCS_DIR = join(ROOT, 'docs');
const WRITE_DOCS = process.argv.includes('--docs');
/** Seconds of content per session: short, so the suite stays within a few minutes (longer for the README's screenshots). */
const PLAY_S = WRITE_DOCS ? 40 : 16;
const COMPARE_PLAY_S = WRITE_DOCS ? 60 : 12;
/** Compare mode runs on the uploaded fast step trace, or for the README on the built-in step profile (20 s periods). */
const COMPARE_NETWORK = WRITE_DOCS ? 'step' : 'upload';

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) {
    passed++;
    console.log(`  PASS ${name}`);
  } else {
    failed++;
    console.log(`  FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

interface RunSummary {
  playheadS: number;
  errors: string[];
  decisions: number;
  reasons: string[];
  throughputSamples: number;
  segments: number;
  chunks: number;
  qoe: number | null;
  bytes: number | null;
}

async function lastRun(page: Page): Promise<RunSummary> {
  return page.evaluate(() => {
    const s = window.__demo!.last!;
    return {
      playheadS: s.playheadS,
      errors: s.errors,
      decisions: s.decisions.length,
      reasons: s.decisions.slice(0, 3).map((d) => d.reason),
      throughputSamples: s.throughput.length,
      segments: s.segments.size,
      chunks: s.metrics?.chunks ?? 0,
      qoe: s.metrics ? s.metrics.qoe : null,
      bytes: s.network ? s.network.bytes : null,
    };
  });
}

/** Pixels on the chart's canvas close to a series colour (so the series was drawn, not only the axes). */
async function colouredPixels(page: Page, selector: string, hex: string): Promise<number> {
  return page.evaluate(
    ({ selector, hex }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`);
      if (!canvas) return -1;
      const ctx = canvas.getContext('2d');
      if (!ctx) return -1;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const r = parseInt(hex.slice(1, 3), 16);
      const g = parseInt(hex.slice(3, 5), 16);
      const b = parseInt(hex.slice(5, 7), 16);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 200 && Math.abs(data[i]! - r) < 16 && Math.abs(data[i + 1]! - g) < 16 && Math.abs(data[i + 2]! - b) < 16) count++;
      }
      return count;
    },
    { selector, hex },
  );
}

/** Clicks `button`, then samples the video while the run lasts. Returns the furthest playhead and frames decoded. */
async function runAndWatch(page: Page, button: string, expectedRuns: number, timeoutMs: number, snapshot?: { atS: number; take: () => Promise<void> }): Promise<{ maxTimeS: number; frames: number; snapshotTaken: boolean }> {
  await page.click(button);
  let snapshotTaken = false;
  let maxTimeS = 0;
  let frames = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await page.evaluate(() => {
      const video = document.querySelector('video')!;
      return { t: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames, busy: window.__demo!.busy, runs: window.__demo!.runs };
    });
    maxTimeS = Math.max(maxTimeS, probe.t);
    frames = Math.max(frames, probe.frames);
    if (snapshot && !snapshotTaken && probe.t >= snapshot.atS && probe.busy) {
      snapshotTaken = true;
      await snapshot.take();
    }
    if (!probe.busy && probe.runs >= expectedRuns) break;
    if (Date.now() > deadline) throw new Error(`run via ${button} did not finish within ${timeoutMs} ms`);
    await page.waitForTimeout(500);
  }
  return { maxTimeS, frames, snapshotTaken };
}

/** Exports the telemetry log through the page's button and checks the download. */
async function exportAndCheck(page: Page, tag: string, expectedSessions: number): Promise<{ lines: number }> {
  await page.click('#tel-refresh');
  await page.waitForFunction((n) => (document.querySelector('#tel-table tbody')?.children.length ?? 0) >= n, expectedSessions, { timeout: 10_000 }).catch(() => undefined);
  const telRows = await page.locator('#tel-table tbody tr').count();
  check(`${tag}: telemetry panel lists the sessions`, telRows === expectedSessions, `${telRows} rows, expected ${expectedSessions}`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#tel-export')]);
  const file = join(OUT_DIR, `export-${tag.replace(/\W+/g, '-')}.ndjson`);
  await download.saveAs(file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const problems: string[] = [];
  const sessionStarts = new Set<string>();
  const types = new Map<string, number>();
  const firstFrames = new Set<string>();
  const playedBeforeFirstFrame = new Set<string>();
  const played = new Set<string>();
  for (const [i, line] of lines.entries()) {
    try {
      const event = JSON.parse(line) as { type: string; sid: string; kind?: string };
      if (event.type === 'playback' && event.kind === 'first-frame') firstFrames.add(event.sid);
      if (event.type === 'playback' && event.kind === 'play') {
        played.add(event.sid);
        if (!firstFrames.has(event.sid)) playedBeforeFirstFrame.add(event.sid);
      }
      const problem = checkTelemetryEvent(event);
      if (problem) problems.push(`line ${i + 1}: ${problem}`);
      types.set(event.type, (types.get(event.type) ?? 0) + 1);
      if (event.type === 'session-start') sessionStarts.add(event.sid);
    } catch (error) {
      problems.push(`line ${i + 1}: ${String(error)}`);
    }
  }
  check(`${tag}: export downloads an .ndjson file`, download.suggestedFilename().endsWith('.ndjson') && text.endsWith('\n'), download.suggestedFilename());
  check(`${tag}: every exported line is a valid telemetry event`, lines.length > 0 && problems.length === 0, problems.slice(0, 3).join('; '));
  check(
    `${tag}: export holds ${expectedSessions} sessions with segments and decisions`,
    sessionStarts.size === expectedSessions && (types.get('segment') ?? 0) >= 3 * expectedSessions && (types.get('decision') ?? 0) >= 2,
    `${sessionStarts.size} sessions, ${JSON.stringify(Object.fromEntries(types))}`,
  );
  check(
    `${tag}: every session that played recorded its first frame first (schema v2 first-frame)`,
    played.size > 0 && playedBeforeFirstFrame.size === 0 && [...played].every((sid) => firstFrames.has(sid)),
    `${played.size} played, ${firstFrames.size} first frames, ${playedBeforeFirstFrame.size} played before a first frame`,
  );
  return { lines: lines.length };
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  if (WRITE_DOCS) mkdirSync(DOCS_DIR, { recursive: true });
  // A fast step trace (3 s at 5 Mbit/s, 3 s at 0.6), uploaded as a time-Mbps file like a visitor would.
  const fastStep = synthesizeTrace({ profile: 'step', seed: 1, durationS: 200, step: { highMbps: 5, lowMbps: 0.6, periodS: 6 }, name: 'fast-step' });
  const traceFile = join(OUT_DIR, 'fast-step.txt');
  writeFileSync(traceFile, formatTimeMbpsTrace(fastStep));

  const demo = await startDemoServer({ port: 0 });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const consoleErrors: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    await page.goto(demo.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ready'), undefined, { timeout: 15_000 });
    check('page loads and reads the stream config', true);

    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')).filter((el) => (el.labels?.length ?? 0) === 0).map((el) => el.id || el.outerHTML),
    );
    check('every form control has a label', unlabelled.length === 0, unlabelled.join(', '));
    const buttonsAreButtons = await page.evaluate(() => ['run', 'stop', 'compare', 'tel-export', 'tel-clear'].every((id) => document.getElementById(id)?.tagName === 'BUTTON'));
    check('actions are <button> elements', buttonsAreButtons);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const secondFocus = await page.evaluate(() => document.activeElement?.id ?? '');
    check('keyboard focus order starts at the skip link, then the player control', secondFocus === 'player', `second Tab focused '${secondFocus}'`);

    // Responsive: at a phone's width the page reflows to one column with no sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflowPx = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('responsive: no horizontal overflow at 390 px', overflowPx <= 0, `${overflowPx} px too wide`);
    await page.screenshot({ path: join(OUT_DIR, 'narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(300);

    // 1a. hls.js + RobustMPC on the uploaded fast step trace.
    await page.setInputFiles('#trace-file', traceFile);
    await page.waitForFunction(() => document.getElementById('trace-info')?.textContent?.includes('samples'), undefined, { timeout: 5_000 });
    check('uploaded trace parsed in the browser', (await page.inputValue('#network')) === 'upload', await page.textContent('#trace-info') ?? '');
    await page.selectOption('#player', 'hls');
    await page.selectOption('#policy', 'robustmpc');
    await page.fill('#play-s', String(PLAY_S));
    // The README's live screenshot is taken mid-session, while the video plays.
    const liveShot = WRITE_DOCS ? { atS: PLAY_S - 8, take: () => page.screenshot({ path: join(DOCS_DIR, 'demo-live.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } }).then(() => undefined) } : undefined;
    const hlsWatch = await runAndWatch(page, '#run', 1, (PLAY_S + 100) * 1000, liveShot);
    const hlsRun = await lastRun(page);
    if (WRITE_DOCS) check('README live screenshot taken mid-session', hlsWatch.snapshotTaken);
    check('hls.js: no session errors', hlsRun.errors.length === 0, hlsRun.errors.join('; '));
    check('hls.js: video advances to the requested length', hlsWatch.maxTimeS >= PLAY_S - 0.5 && hlsRun.playheadS >= PLAY_S - 0.5, `max currentTime ${hlsWatch.maxTimeS.toFixed(2)} s`);
    check('hls.js: frames decoded', hlsWatch.frames > 100, `${hlsWatch.frames} frames`);
    check('hls.js: decisions logged with reasons', hlsRun.decisions >= 3 && hlsRun.reasons.every((r) => r.length > 0), `${hlsRun.decisions} decisions: ${hlsRun.reasons.join(' | ')}`);
    check('hls.js: RobustMPC reasons shown', hlsRun.reasons.some((r) => r.startsWith('MPC') || r.startsWith('startup')), hlsRun.reasons.join(' | '));
    check('hls.js: decision log rows rendered', (await page.locator('#decision-table tbody tr').count()) === hlsRun.decisions);
    check('hls.js: throughput measured and QoE computed', hlsRun.throughputSamples >= 3 && hlsRun.chunks >= 3 && hlsRun.qoe !== null && Number.isFinite(hlsRun.qoe), JSON.stringify(hlsRun));
    check('hls.js: server counted the bytes', (hlsRun.bytes ?? 0) > 100_000, `bytes ${hlsRun.bytes}`);
    const tpChosen = await colouredPixels(page, '#chart-throughput', '#2ca02c');
    const tpPredicted = await colouredPixels(page, '#chart-throughput', '#ff7f0e');
    const bufferDrawn = await colouredPixels(page, '#chart-buffer', '#1f77b4');
    const qoeDrawn = await colouredPixels(page, '#chart-qoe', '#6f42c1');
    check('hls.js: throughput chart draws chosen bitrate and prediction', tpChosen > 50 && tpPredicted > 50, `chosen ${tpChosen} px, predicted ${tpPredicted} px`);
    check('hls.js: buffer and QoE charts draw', bufferDrawn > 50 && qoeDrawn > 50, `buffer ${bufferDrawn} px, qoe ${qoeDrawn} px`);
    await page.screenshot({ path: join(OUT_DIR, 'live-hls.png'), fullPage: true });

    // 1b. shaka-player + BOLA on the built-in step profile.
    await page.selectOption('#network', 'step');
    await page.selectOption('#player', 'shaka');
    await page.selectOption('#policy', 'bola');
    const shakaWatch = await runAndWatch(page, '#run', 2, (PLAY_S + 100) * 1000);
    const shakaRun = await lastRun(page);
    check('shaka: no session errors', shakaRun.errors.length === 0, shakaRun.errors.join('; '));
    check('shaka: video advances to the requested length', shakaWatch.maxTimeS >= PLAY_S - 0.5 && shakaRun.playheadS >= PLAY_S - 0.5, `max currentTime ${shakaWatch.maxTimeS.toFixed(2)} s`);
    check('shaka: frames decoded', shakaWatch.frames > 100, `${shakaWatch.frames} frames`);
    check('shaka: decisions logged with BOLA reasons', shakaRun.decisions >= 3 && shakaRun.reasons.some((r) => r.startsWith('BOLA') || r.startsWith('startup')), `${shakaRun.decisions}: ${shakaRun.reasons.join(' | ')}`);
    check('shaka: throughput measured and QoE computed', shakaRun.throughputSamples >= 3 && shakaRun.chunks >= 3 && shakaRun.qoe !== null, JSON.stringify(shakaRun));
    const shakaChosen = await colouredPixels(page, '#chart-throughput', '#2ca02c');
    check('shaka: charts draw', shakaChosen > 50 && (await colouredPixels(page, '#chart-buffer', '#1f77b4')) > 50, `chosen ${shakaChosen} px`);
    await page.screenshot({ path: join(OUT_DIR, 'live-shaka.png'), fullPage: true });

    // 1c. The learned policy (abrkit/dqn) loads its model in the page and decides.
    await page.selectOption('#player', 'hls');
    await page.selectOption('#policy', 'dqn');
    await page.fill('#play-s', '8');
    await runAndWatch(page, '#run', 3, 120_000);
    const dqn = await page.evaluate(() => {
      const s = window.__demo!.last!;
      return { errors: s.errors, notes: s.notes, decisions: s.decisions.length, playheadS: s.playheadS, kinds: [...new Set(s.decisions.map((d) => d.reasonKind))] };
    });
    check('dqn: plays and decides without falling back', dqn.errors.length === 0 && dqn.playheadS >= 7.5 && dqn.decisions >= 1 && !dqn.notes.some((n) => n.startsWith('dqn fell back')), JSON.stringify(dqn));
    await page.fill('#play-s', String(PLAY_S));

    // 1d. Stop ends a session early and cleanly (shaka, mid-download).
    await page.selectOption('#player', 'shaka');
    await page.selectOption('#policy', 'rate');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 2, undefined, { timeout: 30_000 });
    await page.click('#stop');
    await page.waitForFunction(() => !window.__demo!.busy && window.__demo!.runs === 4, undefined, { timeout: 20_000 });
    const stopped = await page.evaluate(() => ({ status: document.getElementById('status')?.textContent ?? '', playheadS: window.__demo!.last!.playheadS, errors: window.__demo!.last!.errors }));
    check('stop: the session ends early, without errors', stopped.status.includes('(stopped)') && stopped.playheadS < PLAY_S - 2 && stopped.errors.length === 0, JSON.stringify(stopped));

    // 3. Telemetry of the four live sessions: export as NDJSON, then upload to a real collector.
    const exported = await exportAndCheck(page, 'live sessions', 4);
    const collector = await startCollector({ outDir: join(OUT_DIR, `collector-${Date.now()}`), port: 0 });
    try {
      await page.fill('#upload-endpoint', collector.url);
      await page.click('#tel-upload');
      await page.waitForFunction(() => /^Upload(ed| incomplete| failed)/.test(document.getElementById('tel-status')?.textContent ?? ''), undefined, { timeout: 30_000 }).catch(() => undefined);
      const uploadStatus = (await page.textContent('#tel-status')) ?? '';
      const stats = collector.stats();
      check('upload: the collector accepted every exported event exactly once', uploadStatus.startsWith('Uploaded') && stats.acceptedEvents === exported.lines && stats.duplicateBatches === 0 && stats.rejectedRequests === 0, `${uploadStatus} | collector ${JSON.stringify(stats)}, exported ${exported.lines}`);
      check('upload: uploaded rows leave the browser log', (await page.locator('#tel-table tbody tr').count()) === 0);
    } finally {
      await collector.close();
      await page.fill('#upload-endpoint', '');
    }

    // 2. Compare mode: RobustMPC vs hls.js's own ABR on the uploaded fast step trace.
    await page.selectOption('#network', COMPARE_NETWORK);
    await page.selectOption('#player', 'hls');
    await page.selectOption('#policy', 'robustmpc');
    await page.selectOption('#policy-b', 'default');
    await page.fill('#play-s', String(COMPARE_PLAY_S));
    await runAndWatch(page, '#compare', 6, (2 * COMPARE_PLAY_S + 200) * 1000);
    const compare = await page.evaluate(() => {
      const pair = window.__demo!.compare;
      return pair ? pair.map((s) => ({ label: s.label, policy: s.policy, playheadS: s.playheadS, errors: s.errors, qoe: s.metrics?.qoe ?? null, wasted: s.metrics?.wastedBytes ?? null })) : null;
    });
    check('compare: two runs on the same trace', compare !== null && compare[0]!.policy === 'robustmpc' && compare[1]!.policy === 'default', JSON.stringify(compare));
    check('compare: both runs played', compare !== null && compare.every((r) => r.playheadS >= COMPARE_PLAY_S - 0.5 && r.errors.length === 0), JSON.stringify(compare));
    const rows = await page.locator('#compare-table tbody tr').allTextContents();
    check('compare: summary table has both rows with figures', rows.length === 2 && rows.every((r) => /\d\.\d{3}/.test(r)), rows.join(' / '));
    check('compare: section visible', await page.isVisible('#compare-section'));
    const aPx = await colouredPixels(page, '#compare-bitrate', '#1f77b4');
    const bPx = await colouredPixels(page, '#compare-bitrate', '#d62728');
    check('compare: overlaid bitrate chart draws both runs', aPx > 50 && bPx > 50, `A ${aPx} px, B ${bPx} px`);
    const compareShot = page.locator('#compare-section');
    await compareShot.screenshot({ path: join(OUT_DIR, 'compare.png') });
    if (WRITE_DOCS) await compareShot.screenshot({ path: join(DOCS_DIR, 'demo-compare.png') });

    // 4. Telemetry after compare mode: the two compare sessions are stored; export, then clear.
    await exportAndCheck(page, 'after compare', 2);
    await page.click('#tel-clear');
    await page.waitForFunction(() => document.getElementById('tel-status')?.textContent?.startsWith('Cleared'), undefined, { timeout: 10_000 }).catch(() => undefined);
    check('clear empties the log', (await page.locator('#tel-table tbody tr').count()) === 0, (await page.textContent('#tel-status')) ?? '');

    const pageErrors = await page.evaluate(() => window.__demo!.errors);
    check('no page errors', pageErrors.length === 0, pageErrors.join('; '));
    check('no console errors', consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
    await context.close();
  } finally {
    await browser.close().catch(() => undefined);
    await demo.close();
  }
}

const startedMs = Date.now();
main()
  .catch((error: unknown) => {
    failed++;
    console.log(`  FAIL suite aborted: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  })
  .finally(() => {
    console.log(`demo e2e: ${passed} passed, ${failed} failed (${((Date.now() - startedMs) / 1000).toFixed(0)} s)`);
    process.exit(failed > 0 ? 1 : 0);
  });
