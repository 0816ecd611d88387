import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyntheticVideo } from '../../../src/sim/synthetic-video.js';

const root = join(import.meta.dirname, '..', '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('abrkit CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-cli-'));
  const traces = join(dir, 'traces');

  it('traces synth writes seeded, reproducible traces', () => {
    expect(cli(['traces', 'synth', '--out', traces, '--count', '3', '--seed', '5', '--duration', '200']).status).toBe(0);
    expect(readdirSync(traces)).toEqual(['markov-0005', 'markov-0006', 'markov-0007']);
    const again = join(dir, 'again');
    cli(['traces', 'synth', '--out', again, '--count', '1', '--seed', '5', '--duration', '200']);
    expect(readFileSync(join(again, 'markov-0005'), 'utf8')).toBe(readFileSync(join(traces, 'markov-0005'), 'utf8'));
  });

  it('eval prints a table and writes {summary, perTrace} JSON', () => {
    const video = createSyntheticVideo({ segments: 20 });
    const ladderFile = join(dir, 'ladder.json');
    writeFileSync(ladderFile, JSON.stringify({ format: 'abrkit-ladder', version: 1, segmentDurationS: video.segmentDurationS, renditions: video.renditions, segmentSizesBytes: video.segmentSizesBytes }));
    const out = join(dir, 'out.json');
    const run = cli(['eval', '--video', ladderFile, '--traces', traces, '--policies', 'rate,robustmpc,optimal', '--mode', 'pensieve', '--json', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\| policy\s+\| QoE\/chunk/);
    expect(run.stdout).toMatch(/\| optimal\s+\|.*100\.0%/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary.map((s: { policy: string }) => s.policy)).toEqual(['rate', 'robustmpc', 'optimal']);
    expect(Object.keys(json.summary[0])).toEqual(expect.arrayContaining(['policy', 'traces', 'qoe', 'qoeOfOptimal', 'bitrateKbps', 'rebufferS', 'switches']));
    expect(json.perTrace).toHaveLength(9);
  });

  it('eval --live reports the latency figures per session and in the table', () => {
    const out = join(dir, 'live.json');
    const run = cli(['eval', '--live', '--target-latency', '4', '--traces', traces, '--policies', 'live,bola', '--json', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/live mode, target latency 4 s, 0.5 s parts/);
    expect(run.stdout).toMatch(/\| policy\s+\| QoE\/seg.*latencyS\s+\| latencyP95S\s+\| atTargetShare/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary.map((s: { policy: string }) => s.policy)).toEqual(['live', 'bola']);
    for (const row of json.perTrace) {
      expect(row.latencyS).toBeGreaterThan(0);
      expect(row.latencyP95S).toBeGreaterThanOrEqual(row.latencyS - 1e-9);
      expect(row.atTargetShare).toBeGreaterThanOrEqual(0);
      expect(row.atTargetShare).toBeLessThanOrEqual(1);
    }
    expect(cli(['eval', '--target-latency', '3', '--traces', traces]).status).not.toBe(0);
    expect(cli(['eval', '--live', '--policies', 'live,optimal', '--traces', traces]).status).not.toBe(0);
    const oneSecondParts = cli(['eval', '--live', '--part-duration', '1', '--traces', traces, '--policies', 'live']);
    expect(oneSecondParts.stdout).toMatch(/1 s parts/);
    const badPart = cli(['eval', '--live', '--part-duration', '0.7', '--traces', traces, '--policies', 'live']);
    expect(badPart.status).not.toBe(0);
    expect(badPart.stderr).toMatch(/partDurationS must divide/);
  });

  it('eval runs the learned policies by name', () => {
    const run = cli(['eval', '--video', join(dir, 'ladder.json'), '--traces', traces, '--policies', 'dqn,robustmpc+learned', '--mode', 'pensieve']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\| dqn\s+\| -?\d+\.\d{3}/);
    expect(run.stdout).toMatch(/\| robustmpc\+learned\s+\| -?\d+\.\d{3}/);
    expect(run.stderr).not.toMatch(/dqn: /); // no fallback reported
  });

  it('train dqn --method rollout --resume continues a stopped run to the same model as an unbroken one', () => {
    const train = (out: string, rounds: number, extra: string[] = []) =>
      cli(['train', 'dqn', '--method', 'rollout', '--traces', traces, '--video', join(dir, 'ladder.json'), '--out', out, '--rounds', String(rounds), '--epochs', '2', '--seed', '3', ...extra]);
    const straight = join(dir, 'rollout-straight');
    const stopped = join(dir, 'rollout-stopped');
    expect(train(straight, 2).status).toBe(0);
    expect(train(stopped, 1).status).toBe(0);
    expect(readdirSync(stopped)).toEqual(expect.arrayContaining(['checkpoint.json', 'decisions-round0.bin', 'best.f16.json', 'final.f32.json']));
    const resumed = train(stopped, 2, ['--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .*round 0, epoch 2 done/);
    expect(readdirSync(stopped)).not.toContain('decisions-round0.bin'); // replaced by round 1's
    expect(readFileSync(join(stopped, 'final.f32.json'), 'utf8')).toBe(readFileSync(join(straight, 'final.f32.json'), 'utf8'));
    expect(readFileSync(join(stopped, 'best.json'), 'utf8')).toBe(readFileSync(join(straight, 'best.json'), 'utf8'));
    expect(train(join(dir, 'nothing-here'), 1, ['--resume']).status).toBe(2);
  }, 120_000);

  it('eval --viewers reports bytes, waste, watched QoE and the saving, aware against unaware, and writes JSON', () => {
    const out = join(dir, 'viewers.json');
    const run = cli(['eval', '--viewers', 'default', '--video', join(dir, 'ladder.json'), '--traces', traces, '--policies', 'robustmpc,robustmpc+learned', '--sessions', '2', '--viewer-options', '{"hiddenGoalS":8}', '--json', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| robustmpc\s+\| unaware \| [\d.]+\s+\| [\d.]+%\s+\| -/);
    expect(run.stdout).toMatch(/\| robustmpc\+learned\s+\| aware\s+\| [\d.]+\s+\| [\d.]+%\s+\| -?[\d.]+%/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary).toHaveLength(4);
    expect(json.summary[0]).toMatchObject({ policy: 'robustmpc', aware: false, sessions: 6 });
    expect(json.savings.map((s: { policy: string }) => s.policy)).toEqual(['robustmpc', 'robustmpc+learned']);
    expect(cli(['eval', '--viewers', 'nobody', '--traces', traces]).status).toBe(2);
    expect(cli(['eval', '--viewers', 'default', '--traces', traces, '--viewer-options', '{"minSurvival":2}']).status).toBe(1);
  });

  it('eval --switch-penalty charges RobustMPC per switch: fewer switches, and a bad value is a usage error', () => {
    const switches = (penalty: string) => {
      const out = join(dir, `switch-${penalty}.json`);
      const run = cli(['eval', '--video', join(dir, 'ladder.json'), '--traces', traces, '--policies', 'robustmpc,robustmpc+learned', '--switch-penalty', penalty, '--json', out]);
      expect(run.status).toBe(0);
      return (JSON.parse(readFileSync(out, 'utf8')).summary as { switches: number }[]).map((s) => s.switches);
    };
    const free = switches('0');
    const charged = switches('3');
    expect(free[0]).toBeGreaterThan(0);
    charged.forEach((n, i) => expect(n).toBeLessThan(free[i]));
    expect(cli(['eval', '--traces', traces, '--switch-penalty', '-1']).status).toBe(2);
  });

  it('fails with a typed message naming the file and line of a malformed trace', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'broken.log'), '0\t1\n1\toops\n');
    const run = cli(['eval', '--video', join(dir, 'ladder.json'), '--traces', bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\[trace-parse\] broken\.log:2: bandwidth 'oops' is not a number/);
  });

  it('rejects unknown policies and options with usage errors', () => {
    expect(cli(['eval', '--video', 'x', '--traces', 'y', '--policies', 'magic']).status).toBe(2);
    expect(cli(['eval', '--bogus']).status).toBe(2);
    expect(cli(['nope']).status).toBe(2);
  });
});

