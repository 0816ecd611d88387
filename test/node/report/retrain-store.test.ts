import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { createTelemetry } from '../../../src/telemetry/recorder.js';
import { recordSimulatedSession } from '../../../src/sim/session-telemetry.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { createSyntheticVideo } from '../../../src/sim/synthetic-video.js';
import { builtinPolicySpec } from '../../../src/sim/evaluate.js';
import { startCollector } from '../../../src/node/collector/server.js';
import { parseTimeMbpsTrace } from '../../../src/sim/trace-parsers.js';
import { validateRegressorState } from '../../../src/learned/regressor.js';
import { clickhouseUrl, dropDatabase, freshDatabaseName } from '../clickhouse.js';
import { counterIds, waitFor } from '../../telemetry/helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
const dirs: string[] = [];
const databases: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const db of databases) await dropDatabase(db);
});

describe('retraining from the ClickHouse store', () => {
  it('telemetry to-traces and train regression select sessions by arm and day range', { timeout: 60_000 }, async () => {
    const db = freshDatabaseName('retrain');
    databases.push(db);
    const collector = await startCollector({ clickhouse: { url: clickhouseUrl(), database: db }, port: 0 });
    const video = createSyntheticVideo();
    // Day 1: 2 control + 2 mpc sessions; day 2: 1 mpc session.
    const plan = [['control', 0], ['mpc', 0], ['control', 0], ['mpc', 0], ['mpc', 1]] as const;
    for (const [i, [arm, day]] of plan.entries()) {
      const clock = new ManualClock();
      const wallMs = Date.UTC(2025, 6, 1 + day, 10) + i * 60_000;
      const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: counterIds(`session-${arm}-${i}`), nowEpochMs: () => wallMs + clock.nowMs(), summaryIntervalMs: 0, experiment: { exp: 'retrain', arm }, upload: { endpoint: collector.url, baseDelayMs: 10, maxDelayMs: 50 } });
      recordSimulatedSession({ trace: synthesizeTrace({ profile: '3g', seed: 10 + i, durationS: 320 }), video, policy: builtinPolicySpec('bola', { qoe: 'lin', pensieveQuirks: false }), telemetry, clock });
      await telemetry.flush();
      await waitFor(() => telemetry.status().upload?.eventsAccepted === telemetry.status().recorded, 10_000);
      await telemetry.close();
    }
    await collector.close();
    const out = mkdtempSync(join(tmpdir(), 'abrkit-retrain-store-'));
    dirs.push(out);
    const store = ['--clickhouse', clickhouseUrl(), '--database', db, '--exp', 'retrain'];
    const mpcDay1 = cli(['telemetry', 'to-traces', ...store, '--arm', 'mpc', '--from', '2025-07-01', '--to', '2025-07-01', '--out', join(out, 'mpc-day1')]);
    expect(mpcDay1.status, mpcDay1.stderr).toBe(0);
    expect(mpcDay1.stdout).toMatch(/wrote 2 trace\(s\)/);
    for (const name of readdirSync(join(out, 'mpc-day1'))) {
      expect(name).toMatch(/^session-mpc-/);
      expect(parseTimeMbpsTrace(readFileSync(join(out, 'mpc-day1', name), 'utf8'), name).timesS.length).toBeGreaterThan(40);
    }
    expect(cli(['telemetry', 'to-traces', ...store, '--out', join(out, 'all')]).stdout).toMatch(/wrote 5 trace\(s\)/);
    const regressor = join(out, 'regressor.json');
    const trained = cli(['train', 'regression', ...store, '--arm', 'control', '--out', regressor]);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/^2 sessions, \d+ downloads/);
    validateRegressorState(JSON.parse(readFileSync(regressor, 'utf8')));
    const none = cli(['telemetry', 'to-traces', ...store, '--arm', 'nobody', '--out', join(out, 'none')]);
    expect(none.stdout).toMatch(/wrote 0 trace\(s\)/);
  });
});
