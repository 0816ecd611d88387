import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engagementLogLoss, fitEngagementModel } from '../../../src/node/train/engagement-fit.js';
import { engagementRows, engagementSessionsFromTelemetry, engagementSessionsFromViewers } from '../../../src/sim/engagement-data.js';
import { DEFAULT_VIEWER_MODEL } from '../../../src/sim/viewers.js';
import { DEFAULT_ENGAGEMENT_MODEL, parseEngagementModel } from '../../../src/policies/engagement.js';
import { createPrng } from '../../../src/sim/prng.js';

describe('engagement fit', () => {
  it('recovers a known hazard: exits at 10% an interval whatever was seen', () => {
    const random = createPrng(3);
    const rows = Array.from({ length: 20000 }, () => ({ x: [Math.log1p(random() * 100), 0, 0, 0], exited: random() < 0.1 }));
    const model = fitEngagementModel(rows, { intervalS: 4 });
    expect(1 / (1 + Math.exp(-model.bias))).toBeCloseTo(0.1, 1);
    expect(Math.abs(model.weights.logWatched)).toBeLessThan(0.05);
  });

  it('learns that a heavy-tailed audience leaves less the longer it has watched, and beats a flat hazard', () => {
    const sessions = engagementSessionsFromViewers(DEFAULT_VIEWER_MODEL, 11, 1500, 192);
    const rows = engagementRows(sessions, 4);
    const model = fitEngagementModel(rows, { intervalS: 4 });
    expect(model.weights.logWatched).toBeLessThan(-0.2);
    const flat = { ...model, weights: { logWatched: 0, pauses: 0, seeks: 0, hides: 0 }, bias: fitEngagementModel(rows.map((r) => ({ x: [0, 0, 0, 0], exited: r.exited })), { intervalS: 4 }).bias };
    expect(engagementLogLoss(rows, model)).toBeLessThan(engagementLogLoss(rows, flat));
  });

  it('cuts sessions into intervals; a session that played to its end never counts as an exit', () => {
    const rows = engagementRows([{ marks: [{ watchedS: 5, kind: 'pause' }], watchedS: 10, ended: false }, { marks: [], watchedS: 8, ended: true }], 4);
    expect(rows.map((r) => [r.x[1], r.exited])).toEqual([[0, false], [0, false], [1, true], [0, false], [0, false]]);
  });

  it('reads sessions from telemetry: watch time runs while playing; hides, pauses and the end are marked', () => {
    const base = { v: 1, ts: 0 };
    const lines = [
      { ...base, sid: 'a', seq: 0, t: 0, type: 'playback', kind: 'play' },
      { ...base, sid: 'a', seq: 1, t: 10_000, type: 'playback', kind: 'visibility', visibility: 'hidden' },
      { ...base, sid: 'a', seq: 2, t: 20_000, type: 'playback', kind: 'pause' },
      { ...base, sid: 'a', seq: 3, t: 50_000, type: 'playback', kind: 'play' },
      { ...base, sid: 'a', seq: 4, t: 60_000, type: 'playback', kind: 'seek' },
      { ...base, sid: 'b', seq: 0, t: 0, type: 'playback', kind: 'play' },
      { ...base, sid: 'b', seq: 1, t: 30_000, type: 'playback', kind: 'ended' },
    ];
    const sessions = engagementSessionsFromTelemetry(lines.map((l) => JSON.stringify(l)).join('\n'), 'x.ndjson');
    expect(sessions).toEqual([
      { marks: [{ watchedS: 10, kind: 'hide' }, { watchedS: 20, kind: 'pause' }, { watchedS: 30, kind: 'seek' }], watchedS: 30, ended: false },
      { marks: [], watchedS: 30, ended: true },
    ]);
    expect(() => engagementSessionsFromTelemetry('{"v":1}', 'bad.ndjson')).toThrow(/bad\.ndjson:1/);
  });

  it('abrkit train engagement --synthetic default reproduces the shipped default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-engagement-'));
    const out = join(dir, 'model.json');
    const root = join(import.meta.dirname, '..', '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), 'train', 'engagement', '--synthetic', 'default', '--out', out], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const model = parseEngagementModel(readFileSync(out, 'utf8'), out);
    expect({ bias: model.bias, weights: model.weights, intervals: model.intervals }).toEqual({ bias: DEFAULT_ENGAGEMENT_MODEL.bias, weights: DEFAULT_ENGAGEMENT_MODEL.weights, intervals: DEFAULT_ENGAGEMENT_MODEL.intervals });
    const telemetry = join(dir, 'none.ndjson');
    writeFileSync(telemetry, '');
    const empty = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), 'train', 'engagement', '--telemetry', telemetry, '--out', out], { cwd: root, encoding: 'utf8' });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/no session/);
  });
});
