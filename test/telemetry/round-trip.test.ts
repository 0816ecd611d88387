import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { AbrController } from '../../src/core/controller.js';
import { createAbandonRule } from '../../src/core/abandon.js';
import type { DownloadSample, SampleVerdict } from '../../src/core/sample.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { createRealisticEnv } from '../../src/sim/realistic-env.js';
import { runSession } from '../../src/sim/session.js';
import { builtinPolicySpec } from '../../src/sim/evaluate.js';
import type { Trace } from '../../src/sim/trace.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import { loadTraces } from '../../src/node/io.js';
import { run as runTelemetryCli } from '../../src/node/cli/commands/telemetry.js';
import { run as runEvalCli } from '../../src/node/cli/commands/eval.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/recorder.js';
import { tracesFromTelemetry } from '../../src/sim/telemetry-traces.js';
import { counterIds, simulate } from './helpers.js';

function ladderJson(video: SimVideo): string {
  return JSON.stringify({ format: 'abrkit-ladder', version: 1, segmentDurationS: video.segmentDurationS, renditions: video.renditions, segmentSizesBytes: video.segmentSizesBytes });
}

describe('telemetry round trip: simulated session -> export -> to-traces -> eval', () => {
  const video = createSyntheticVideo({ seed: 5 });
  const profiles = ['markov', '3g', 'lte-drive', 'congested-wifi'] as const;

  it('reproduces each session throughput within 5% when the rebuilt trace is replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-roundtrip-'));
    try {
      const originals = new Map<string, { throughputMbps: number; bitrateKbps: number }>();
      const exports: string[] = [];
      for (const [i, profile] of profiles.entries()) {
        const trace = synthesizeTrace({ profile, seed: 11 + i, durationS: 600 });
        const clock = new ManualClock();
        const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: counterIds(profile), nowEpochMs: () => 0, maxQueuedEvents: 1000 });
        telemetry.recordSessionStart({ ladder: video, player: { name: 'sim', version: '0' }, policy: { name: 'robustmpc' } });
        const original = simulate(trace, video, telemetry);
        originals.set(`${profile}-0`, original);
        exports.push(await telemetry.exportNdjson());
        await telemetry.close();
      }
      const exportFile = join(dir, 'export.ndjson');
      writeFileSync(exportFile, exports.join(''));
      expect(readFileSync(exportFile, 'utf8')).not.toContain('token=');

      const tracesDir = join(dir, 'traces');
      await runTelemetryCli(['to-traces', exportFile, '--out', tracesDir]);
      expect(readdirSync(tracesDir).sort()).toEqual(profiles.map((p) => `${p}-0.txt`).sort());

      const rebuilt = loadTraces(tracesDir);
      for (const trace of rebuilt) {
        const sid = trace.name.replace(/\.txt$/, '');
        const original = originals.get(sid)!;
        const replay = simulate(trace, video, null);
        const throughputError = Math.abs(replay.throughputMbps / original.throughputMbps - 1);
        const bitrateError = Math.abs(replay.bitrateKbps / original.bitrateKbps - 1);
        console.log(`round trip ${sid}: throughput ${original.throughputMbps.toFixed(4)} -> ${replay.throughputMbps.toFixed(4)} Mbit/s (${(throughputError * 100).toFixed(3)}%), bitrate ${original.bitrateKbps.toFixed(1)} -> ${replay.bitrateKbps.toFixed(1)} kbps (${(bitrateError * 100).toFixed(3)}%)`);
        expect(throughputError).toBeLessThan(0.05);
      }

      // The same traces load in `abrkit eval`, and its mean bitrate matches the recorded sessions'.
      const videoFile = join(dir, 'video.json');
      writeFileSync(videoFile, ladderJson(video));
      const jsonFile = join(dir, 'eval.json');
      await runEvalCli(['--video', videoFile, '--traces', tracesDir, '--policies', 'robustmpc', '--json', jsonFile]);
      const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as { perTrace: { trace: string; bitrateKbps: number }[] };
      expect(result.perTrace).toHaveLength(profiles.length);
      for (const row of result.perTrace) {
        const original = originals.get(row.trace.replace(/\.txt$/, ''))!;
        console.log(`eval ${row.trace}: bitrate ${original.bitrateKbps.toFixed(1)} -> ${row.bitrateKbps.toFixed(1)} kbps`);
        expect(Math.abs(row.bitrateKbps / original.bitrateKbps - 1)).toBeLessThan(0.05);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an export line that is not an event, naming the line', () => {
    expect(() => tracesFromTelemetry('{"v":1}\n', 'bad.ndjson')).toThrow(expect.objectContaining({ code: 'trace-parse', line: 1 }));
    expect(() => tracesFromTelemetry('\nnot json\n', 'bad.ndjson')).toThrow(/bad\.ndjson:2/);
  });
});
