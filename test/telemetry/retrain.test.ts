import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { createTelemetry } from '../../src/telemetry/recorder.js';
import { samplesFromTelemetry } from '../../src/sim/telemetry-traces.js';
import { validateRegressorState } from '../../src/learned/regressor.js';
import { DEFAULT_DQN_MODEL } from '../../src/learned/model/default-model.js';
import { counterIds, simulate } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });

/** Telemetry exports of simulated sessions, as a page would upload them. */
async function exportSessions(profiles: readonly ('3g' | 'lte-drive')[]): Promise<string> {
  const video = createSyntheticVideo({ seed: 9 });
  let ndjson = '';
  for (const [i, profile] of profiles.entries()) {
    const telemetry = createTelemetry({ clock: new ManualClock(), storage: 'memory', lifecycle: null, idSource: counterIds(`${profile}${i}`), nowEpochMs: () => 0, maxQueuedEvents: 1000 });
    simulate(synthesizeTrace({ profile, seed: 30 + i, durationS: 400 }), video, telemetry);
    ndjson += await telemetry.exportNdjson();
    await telemetry.close();
  }
  return ndjson;
}

describe('retraining from telemetry', () => {
  it('recovers the download samples of each session', async () => {
    const sessions = samplesFromTelemetry(await exportSessions(['3g', 'lte-drive']), 'export.ndjson');
    expect(sessions).toHaveLength(2);
    for (const samples of sessions) {
      expect(samples.length).toBeGreaterThan(40);
      for (const s of samples) expect(s.durationMs).toBeGreaterThan(s.ttfbMs);
    }
  });

  it('abrkit train regression --telemetry adapts the regressor and reports its error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-retrain-'));
    const file = join(dir, 'export.ndjson');
    writeFileSync(file, await exportSessions(['3g', 'lte-drive', '3g']));
    for (const refit of [false, true]) {
      const out = join(dir, `regressor-${refit}.json`);
      const run = cli(['train', 'regression', '--telemetry', file, '--out', out, ...(refit ? ['--refit'] : [])]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/3 sessions, \d+ downloads/);
      expect(run.stdout).toMatch(/shipped regressor: MAPE \d+\.\d%/);
      expect(run.stdout).toMatch(/new regressor: +MAPE \d+\.\d%/);
      const state = validateRegressorState(JSON.parse(readFileSync(out, 'utf8')));
      expect(state.weights).not.toEqual(DEFAULT_DQN_MODEL.regressor!.weights);
    }
  });

  it('refuses an export without downloads, and a malformed one with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-retrain-'));
    writeFileSync(join(dir, 'empty.ndjson'), '');
    expect(cli(['train', 'regression', '--telemetry', join(dir, 'empty.ndjson'), '--out', join(dir, 'x.json')]).status).toBe(2);
    const missing = cli(['train', 'regression', '--telemetry', join(dir, 'missing.ndjson'), '--out', join(dir, 'x.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT.*missing\.ndjson/);
    expect(missing.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    writeFileSync(join(dir, 'bad.ndjson'), '{"type":"segment"}\n');
    const bad = cli(['train', 'regression', '--telemetry', join(dir, 'bad.ndjson'), '--out', join(dir, 'x.json')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.ndjson:1/);
  });
});
