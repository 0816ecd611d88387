import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelemetryEvent } from '../../../src/telemetry/schema.js';
import { sessionQoe, sessionsFrom } from '../../../src/node/report/sessions.js';
import { armFigures, quantile, reportArms } from '../../../src/node/report/arms.js';
import { ndjsonEvents } from '../../../src/node/collector/read-events.js';
import { storedLines } from '../../../src/node/collector/log-files.js';
import { startCollector } from '../../../src/node/collector/server.js';
import { clickhouseUrl, dropDatabase, freshDatabaseName } from '../clickhouse.js';

const root = join(import.meta.dirname, '..', '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });

const DAY = Date.UTC(2025, 5, 1, 12);

/** A session's events from compact specs: [t, body]. */
function session(sid: string, arm: string, specs: [number, Record<string, unknown>][], dayOffset = 0): TelemetryEvent[] {
  return specs.map(([t, body], seq) => ({ v: 2, sid, seq, t, ts: DAY + dayOffset * 86_400_000 + t, exp: 'fixture', arm, ...body }) as unknown as TelemetryEvent);
}
const start = { type: 'session-start', player: { name: 'test', version: '1' }, policy: { name: 'x' }, ladder: { renditions: [{ id: 'a', br: 1000 }], segmentDurationMs: 4000 }, visibility: 'visible' };
const seg = (br: number, bytes: number, ot = 'v') => ({ type: 'segment', url: 'https://cdn/s.m4s', bytes, startMs: 0, ttfb: 1, ttlb: 2, ot, br });
const play = (kind: string, extra: Record<string, unknown> = {}) => ({ type: 'playback', kind, ...extra });

/**
 * The fixture, figures worked out by hand (README, "Metric definitions"):
 * c1: startup 1000; 3 chunks 1000,1000,2000 kbps; one 2000 ms stall; ended at 21000:
 *     watch 21000-1000-2000 = 18000; QoE_lin 4 - 4.3*2 - 1 = -5.6; 1.5 MB.
 * c2: startup 3000; a 5000 ms pause; 2 chunks at 1000; ended 63000: watch 55000; QoE 2; 0.8 MB.
 * c3: never started (a manifest download only, 5000 B): an exit before start.
 * m1: startup 500; 4 chunks at 2000; ended 30500: watch 30000; QoE 8; 4 MB.
 * m2: startup 1500; chunks 2000, 1000; a stall from 10000 still open at the last event (12000):
 *     stall 2000, watch 12000-1500-2000 = 8500; QoE 3 - 8.6 - 1 = -6.6; 1.5 MB.
 */
const FIXTURE: TelemetryEvent[][] = [
  session('c1', 'control', [[0, start], [1000, play('first-frame')], [1200, seg(1000, 500_000)], [3000, seg(1000, 500_000)], [5000, play('stall-start')], [7000, play('stall-end', { stallMs: 2000 })], [7100, seg(2000, 500_000)], [21000, play('ended')]]),
  session('c2', 'control', [[0, start], [2500, seg(1000, 400_000)], [3000, play('first-frame')], [6000, seg(1000, 400_000)], [10000, play('pause')], [15000, play('play')], [63000, play('ended')]], 1),
  session('c3', 'control', [[0, start], [4000, seg(0, 5000, 'm')]], 1),
  session('m1', 'mpc', [[0, start], [400, seg(2000, 1_000_000)], [500, play('first-frame')], [4000, seg(2000, 1_000_000)], [8000, seg(2000, 1_000_000)], [12000, seg(2000, 1_000_000)], [30500, play('ended')]]),
  session('m2', 'mpc', [[0, start], [1400, seg(2000, 1_000_000)], [1500, play('first-frame')], [10000, play('stall-start')], [12000, seg(1000, 500_000)]], 1),
];

const dirs: string[] = [];
const databases: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const db of databases) await dropDatabase(db);
});

describe('session QoE from events', () => {
  it('matches the hand-worked figures of each fixture session', () => {
    const got = FIXTURE.map((events) => sessionQoe([...events].reverse()));
    const pick = (s: (typeof got)[number]) => [s.sid, s.started, s.startupMs, s.watchMs, s.stallMs, s.stalls, s.chunks, s.bitrateSumKbps, s.switches, Number(s.qoeLinSum.toFixed(9)), s.bytes];
    expect(got.map(pick)).toEqual([
      ['c1', true, 1000, 18000, 2000, 1, 3, 4000, 1, -5.6, 1_500_000],
      ['c2', true, 3000, 55000, 0, 0, 2, 2000, 0, 2, 800_000],
      ['c3', false, null, 0, 0, 0, 0, 0, 0, 0, 5000],
      ['m1', true, 500, 30000, 0, 0, 4, 8000, 0, 8, 4_000_000],
      ['m2', true, 1500, 8500, 2000, 1, 2, 3000, 1, -6.6, 1_500_000],
    ]);
    expect(got.map((s) => s.day)).toEqual(['2025-06-01', '2025-06-02', '2025-06-02', '2025-06-01', '2025-06-02']);
  });
});

describe('arm figures', () => {
  const sessions = FIXTURE.map((e) => sessionQoe(e));
  it('pools the sessions of an arm as defined', () => {
    const control = armFigures(sessions.filter((s) => s.arm === 'control'));
    expect(control.startupMedianMs).toBe(2000);
    expect(control.startupP90Ms).toBeCloseTo(2800, 9); // 1000 + 0.9 * (3000 - 1000)
    expect(control.rebufferPct).toBeCloseTo((100 * 2000) / (73000 + 2000), 9);
    expect(control.stallsPerHour).toBeCloseTo(1 / (73000 / 3_600_000), 9);
    expect(control.exitsBeforeStartPct).toBeCloseTo(100 / 3, 9);
    expect(control.meanBitrateKbps).toBe(1200); // 6000 kbps over 5 chunks
    expect(control.switchesPerMin).toBeCloseTo(1 / (73000 / 60000), 9);
    expect(control.qoeLinPerChunk).toBeCloseTo((-5.6 + 2) / 5, 9);
    expect(control.mbPerWatchedMin).toBeCloseTo(2.305 / (73000 / 60000), 9);
    const mpc = armFigures(sessions.filter((s) => s.arm === 'mpc'));
    expect([mpc.startupMedianMs, mpc.startupP90Ms, mpc.exitsBeforeStartPct, mpc.meanBitrateKbps]).toEqual([1000, 1400, 0, 11000 / 6]);
    expect(mpc.rebufferPct).toBeCloseTo((100 * 2000) / 40500, 9);
    expect(mpc.qoeLinPerChunk).toBeCloseTo(1.4 / 6, 9);
  });

  it('bootstrap intervals are seeded, ordered, and the difference is arm minus control', () => {
    const a = reportArms(sessions, { resamples: 500, seed: 3 });
    expect(reportArms(sessions, { resamples: 500, seed: 3 })).toEqual(a);
    expect(reportArms([...sessions].reverse(), { resamples: 500, seed: 3 })).toEqual(a); // order of the store does not matter
    expect(reportArms(sessions, { resamples: 500, seed: 4 })).not.toEqual(a);
    expect(a.map((r) => [r.arm, r.sessions])).toEqual([['control', 3], ['mpc', 2]]);
    const d = a[1]!.vsControl!.qoeLinPerChunk;
    expect(d.value).toBeCloseTo(1.4 / 6 - -3.6 / 5, 9);
    for (const r of a) for (const f of Object.values(r.figures)) if (Number.isFinite(f.value)) expect(f.low).toBeLessThanOrEqual(f.high);
    // One session: every resample is that session, so the interval is the value itself.
    const single = reportArms([sessions[3]!], { resamples: 200 })[0]!;
    expect([single.figures.qoeLinPerChunk.low, single.figures.qoeLinPerChunk.high]).toEqual([2, 2]);
  });

  it('quantile interpolates linearly (type 7)', () => {
    expect([quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.9), quantile([7], 0.9), quantile([], 0.5)]).toEqual([2.5, 3.7, 7, Number.NaN]);
  });
});

describe('abrkit report', () => {
  it('reads a collector folder once per batch (duplicate copies and a torn tail ignored) and writes the page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-report-'));
    dirs.push(dir);
    const file = join(dir, 'events-000001.ndjson');
    FIXTURE.forEach((events, i) => appendFileSync(file, storedLines(`batch-key-${i}`, events.map((e) => JSON.stringify(e)))));
    appendFileSync(file, storedLines('batch-key-1', FIXTURE[1]!.map((e) => JSON.stringify(e)))); // a copy
    const torn = storedLines('batch-key-torn', session('torn', 'mpc', [[0, start], [10, play('first-frame')]]).map((e) => JSON.stringify(e)));
    appendFileSync(file, torn.split('\n')[0] + '\n'); // 1 of 2 lines: not a complete batch
    const events = [...ndjsonEvents([file])];
    expect(events.length).toBe(FIXTURE.flat().length);
    expect((await sessionsFrom(events)).map((s) => s.sid).sort()).toEqual(['c1', 'c2', 'c3', 'm1', 'm2']);

    const html = join(dir, 'report.html');
    const json = join(dir, 'report.json');
    const run = cli(['report', dir, '--html', html, '--json', json, '--resamples', '200']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/control: 3 sessions \(control\)/);
    expect(run.stdout).toMatch(/mpc: 2 sessions/);
    expect(run.stdout).toMatch(/QoE_lin per chunk\s+-0\.7200/);
    const figures = JSON.parse(readFileSync(json, 'utf8')) as { reports: { arm: string; figures: { meanBitrateKbps: { value: number } } }[] };
    expect(figures.reports.map((r) => r.figures.meanBitrateKbps.value)).toEqual([1200, 11000 / 6]);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<svg[^>]*>.*Video startup time, CDF per arm/s);
    expect(page).toMatch(/Rebuffer percentage per session/);
    expect(page).toMatch(/QoE_lin per chunk by day.*2025-06-01.*2025-06-02/s);
    expect(page).not.toMatch(/<script|src=|href=/); // self-contained

    // Filters: a day range and an arm.
    const day1 = cli(['report', dir, '--from', '2025-06-01', '--to', '2025-06-01', '--resamples', '100']);
    expect(day1.stdout).toMatch(/control: 1 sessions/);
    expect(cli(['report', dir, '--arms', 'mpc', '--control', 'mpc', '--resamples', '100']).stdout).toMatch(/mpc: 2 sessions \(control\)/);
    expect(cli(['report', dir, '--from', '2025-13-01']).status).toBe(1);
  });

  it('reads the same figures from ClickHouse, after the events went through the collector', async () => {
    const db = freshDatabaseName('report');
    databases.push(db);
    const collector = await startCollector({ clickhouse: { url: clickhouseUrl(), database: db }, port: 0 });
    for (const [i, events] of FIXTURE.entries()) {
      for (let copy = 0; copy < 2; copy++) {
        const response = await fetch(collector.url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': `batch-key-${i}` }, body: events.map((e) => JSON.stringify(e)).join('\n') });
        expect(response.status).toBe(200);
      }
    }
    await collector.close();
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-report-'));
    dirs.push(dir);
    const json = join(dir, 'ch.json');
    const run = cli(['report', '--clickhouse', clickhouseUrl(), '--database', db, '--exp', 'fixture', '--json', json, '--resamples', '200']);
    expect(run.status, run.stderr).toBe(0);
    const local = reportArms(FIXTURE.map((e) => sessionQoe(e)), { resamples: 200 });
    expect((JSON.parse(readFileSync(json, 'utf8')) as { reports: unknown }).reports).toEqual(JSON.parse(JSON.stringify(local)));
  });
});
