import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCmcdEvents } from '@svta/cml-cmcd';
import { BrowserHarness } from '../../src/node/harness/runner.js';
import { testStreamDir } from '../../src/node/harness/stream.js';
import { startCollector, type Collector } from '../../src/node/collector/server.js';
import type { Trace } from '../../src/sim/trace.js';

/**
 * CMCD v2 event mode in real Chromium: both adapters post play states, bitrate changes and time
 * intervals from abrkit's state to the reference collector (cross-origin, with its ingest token),
 * and every report of the session arrives once, valid by @svta/cml-cmcd's event-mode validator.
 * Plays the second test stream's 12 s clip to its end (scripts/test-e2e.sh makes it).
 */
const TOKEN = 'e2e-cmcd-token';

function flatTrace(mbps: number): Trace {
  return { name: `flat-${mbps}`, timesS: Float64Array.from([0, 400]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 };
}

let harness: BrowserHarness;
let collector: Collector;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'abrkit-e2e-cmcd-'));
  collector = await startCollector({ outDir: dir, port: 0, tokens: [TOKEN] });
  harness = await BrowserHarness.start(testStreamDir('uhd'));
});

afterAll(async () => {
  await harness?.close();
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The collector's reports for one session id, waiting up to 5 s for the last post. */
async function reportsOf(sessionId: string, until: (r: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  const file = join(dir, 'cmcd.ndjson');
  let reports: Record<string, unknown>[] = [];
  for (let i = 0; i < 50; i++) {
    if (existsSync(file)) {
      reports = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).cmcd).filter((c) => c.sid === sessionId);
      if (until(reports)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return reports;
}

describe('CMCD event mode to the collector', () => {
  for (const player of ['hls', 'shaka'] as const) {
    it(`${player}: play states, bitrate changes and time intervals arrive once each, valid CMCD v2`, async () => {
      const sessionId = `e2e-${player}-${Date.now()}`;
      const url = collector.url.replace('/v1/events', '/v1/cmcd');
      const run = await harness.run({
        player,
        policy: 'rate',
        trace: flatTrace(20),
        rttMs: 20,
        bufferGoalS: 8,
        cmcd: { sessionId, requests: false, events: { url, token: TOKEN, intervalS: 3, batchSize: 4, flushAfterMs: 1000 } },
      });
      const info = `rungs=${run.segmentRungs.join(',')} errors=${JSON.stringify(run.errors)}`;
      expect(run.errors, info).toEqual([]);
      expect(run.ended, info).toBe(true);
      const reports = await reportsOf(sessionId, (r) => r.some((c) => c.e === 'ps' && c.sta === 'e'));
      const text = JSON.stringify(reports);
      // Each report once, none lost: sequence numbers 0..n-1.
      const sequence = reports.map((r) => r.sn as number).sort((a, b) => a - b);
      expect(sequence, text).toEqual(sequence.map((_, i) => i));
      const states = [...reports].sort((a, b) => (a.sn as number) - (b.sn as number)).filter((r) => r.e === 'ps').map((r) => r.sta);
      expect(states[0], text).toBe('s');
      expect(states, text).toContain('p');
      expect(states.at(-1), text).toBe('e');
      // The rate policy climbs from the lowest rung: at least one change after the first bitrate.
      const changes = reports.filter((r) => r.e === 'bc');
      expect(changes.length, text).toBeGreaterThanOrEqual(2);
      expect(new Set(changes.map((r) => JSON.stringify(r.br))).size, text).toBeGreaterThanOrEqual(2);
      // A 12 s clip with a 3 s interval: time-interval reports with buffer, bitrate and abrkit's estimate.
      const intervals = reports.filter((r) => r.e === 't');
      expect(intervals.length, text).toBeGreaterThanOrEqual(2);
      for (const t of intervals.slice(1)) expect(t, text).toMatchObject({ bl: expect.any(Array), br: expect.any(Array), mtp: expect.any(Array) });
      // The collector stored what cml-cmcd accepts as event mode (re-encoded here as lines).
      const lines = reports.map((r) =>
        Object.entries(r)
          .map(([k, v]) => (v === true ? k : Array.isArray(v) ? `${k}=(${v.join(' ')})` : typeof v === 'string' && !['e', 'sta'].includes(k) ? `${k}=${JSON.stringify(v)}` : `${k}=${v}`))
          .sort()
          .join(','),
      );
      const verdict = validateCmcdEvents(lines.join('\n'));
      expect(verdict.issues.filter((i) => i.severity === 'error'), JSON.stringify(verdict.issues)).toEqual([]);
    });
  }
});
