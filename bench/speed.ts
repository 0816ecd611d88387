/**
 * Speed benchmark (figures, not pass/fail):
 *   1. decisions per second per policy, and RobustMPC's per-decision latency on 6- and 10-rung ladders;
 *   2. wall time of an evaluation over the 127 training traces, all policies except optimal (target < 10 s);
 *   3. wall time of optimal alone over the same traces (target < 60 s).
 * Parts 2-3 need ../shared; part 1 runs on synthetic inputs.
 *
 *   npm run bench
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AbrController, ManualClock, ladderFromBitrates, type Ladder } from 'abrkit';
import { builtinPolicySpec, BUILTIN_POLICY_NAMES, evaluate } from 'abrkit/sim';
// The simulator's own seeded generator (not an export), so these figures are comparable run to run.
import { createPrng } from '../src/sim/prng.js';
import { loadTraces, loadVideo } from 'abrkit/node';

const LADDERS: Record<string, Ladder> = {
  '6 rungs (Pensieve)': ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4),
  '10 rungs (BBB)': ladderFromBitrates([230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000].map((k) => k * 1000), 3),
  '12 rungs': ladderFromBitrates([150, 250, 400, 600, 900, 1300, 1900, 2800, 4000, 5800, 8000, 12000].map((k) => k * 1000), 4),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

console.log('## Decision cost (Node, one core; random buffers 0-40 s and throughputs 0.2-8 Mbit/s)\n');
console.log('| ladder | policy | decisions/s | p50 us | p99 us | max us |');
console.log('|---|---|---|---|---|---|');
for (const [ladderName, ladder] of Object.entries(LADDERS)) {
  for (const name of BUILTIN_POLICY_NAMES) {
    const spec = builtinPolicySpec(name, { qoe: 'lin', pensieveQuirks: false });
    const clock = new ManualClock();
    const controller = new AbrController({ ladder, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock });
    const random = createPrng(42);
    const n = 20_000;
    const timesUs: number[] = [];
    let lastRung: number | null = null;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const mbps = 0.2 + random() * 7.8;
      const bytes = 500_000 + random() * 1_000_000;
      const durationMs = (bytes * 8) / (mbps * 1000);
      clock.advanceMs(durationMs);
      controller.addSample({ bytes, durationMs, ttfbMs: 50, startMs: clock.nowMs() - durationMs, endMs: clock.nowMs() });
      const t0 = performance.now();
      const decision = controller.decide({ segmentIndex: i % 200, segmentsRemaining: 200 - (i % 200), bufferS: random() * 40, lastRungIndex: lastRung });
      timesUs.push((performance.now() - t0) * 1000);
      lastRung = decision.rungIndex;
    }
    const totalS = (performance.now() - started) / 1000;
    timesUs.sort((a, b) => a - b);
    console.log(
      `| ${ladderName} | ${name} | ${Math.round(n / totalS).toLocaleString('en-US')} | ${percentile(timesUs, 0.5).toFixed(1)} | ${percentile(timesUs, 0.99).toFixed(1)} | ${timesUs[timesUs.length - 1].toFixed(1)} |`,
    );
  }
}

const shared = resolve(process.env.ABRKIT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
if (!existsSync(join(shared, 'traces'))) {
  console.log(`\n(${shared} not found: skipping the trace-set timings)`);
  process.exit(0);
}
const video = loadVideo(join(shared, 'video', 'envivio'));
const traces = loadTraces(join(shared, 'traces', 'train', 'fcc-hsdpa'));
for (const mode of ['pensieve', 'realistic'] as const) {
  let started = performance.now();
  evaluate(video, traces, {
    mode,
    qoe: 'lin',
    policies: BUILTIN_POLICY_NAMES.map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
    optimal: false,
  });
  const onlineS = (performance.now() - started) / 1000;
  started = performance.now();
  evaluate(video, traces, { mode, qoe: 'lin', policies: [], optimal: true });
  const optimalS = (performance.now() - started) / 1000;
  console.log(`\n${mode} mode, ${traces.length} training traces (fcc-hsdpa), Envivio:`);
  console.log(`  rate+bba+bola+robustmpc: ${onlineS.toFixed(2)} s (target < 10 s)`);
  console.log(`  optimal alone:           ${optimalS.toFixed(2)} s (target < 60 s; ${((optimalS / traces.length) * 1000).toFixed(0)} ms per trace)`);
}
