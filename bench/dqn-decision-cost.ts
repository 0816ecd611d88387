/**
 * Per-decision cost of the shipped DQN policy in Node (the out-of-distribution guard and the
 * network, as `createDqnPolicy` runs them, no stall guard): Pensieve's 6-rung ladder and a 6-rung 4K
 * one (where the guard hands most decisions to RobustMPC), 20-sample histories from a seeded random
 * link, 2000 warm-up decisions (JIT tiers) then 20000 timed ones. Prints p50/p99/max in µs.
 * Timings are noisy on a shared 2-core machine: run it alone, and compare runs made side by side.
 *
 *   npx tsx bench/dqn-decision-cost.ts
 */
import { performance } from 'node:perf_hooks';
import type { DecisionContext, DownloadSample } from 'abrkit';
import { createDqnPolicy } from 'abrkit/dqn';
import { DEFAULT_DQN_MODEL } from 'abrkit/node';

const LADDERS = {
  'hd 0.3-4.3 Mbit/s': [300, 750, 1200, 1850, 2850, 4300],
  '4k 1.2-27 Mbit/s': [1200, 2500, 5000, 8500, 16000, 27000],
};
const WARM_UP = 2000;
const TIMED = 20000;

function contexts(kbps: readonly number[], seed: number): (i: number) => DecisionContext {
  const ladder = { renditions: kbps.map((k, i) => ({ id: String(i), bitrateBps: k * 1000 })), segmentDurationS: 4 };
  const top = kbps[kbps.length - 1] / 1000;
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const history: DownloadSample[] = [];
  return (i) => {
    const mbps = top * (0.1 + 1.5 * random());
    const bytes = 200_000 + 1_500_000 * random();
    const durationMs = (bytes * 8) / (mbps * 1000);
    const endMs = i * 4000;
    history.push({ bytes, durationMs, ttfbMs: 40, startMs: endMs - durationMs, endMs });
    if (history.length > 20) history.shift();
    return {
      ladder,
      segmentIndex: 1 + (i % 47),
      segmentsRemaining: 47 - (i % 47),
      isLive: false,
      bufferS: 30 * random(),
      playbackRate: 1,
      lastRungIndex: i % kbps.length,
      history: [...history],
      prediction: { throughputBps: mbps * 1e6, errorRatio: 0.2 },
      minRungIndex: 0,
      maxRungIndex: kbps.length - 1,
      nowMs: endMs,
    };
  };
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
for (const [label, kbps] of Object.entries(LADDERS)) {
  const policy = createDqnPolicy({ model: DEFAULT_DQN_MODEL, warmUpDecisions: 0, timeBudgetMs: Infinity });
  const next = contexts(kbps, 7);
  const all = Array.from({ length: WARM_UP + TIMED }, (_, i) => next(i + 1));
  let outOfDistribution = 0;
  for (let i = 0; i < WARM_UP; i++) policy.decide(all[i]);
  const us = new Float64Array(TIMED);
  for (let i = 0; i < TIMED; i++) {
    const started = performance.now();
    const decision = policy.decide(all[WARM_UP + i]);
    us[i] = (performance.now() - started) * 1000;
    if (decision.reason.kind === 'dqn') outOfDistribution++;
  }
  us.sort();
  console.log(`${label}: p50 ${quantile(us, 0.5).toFixed(1)} µs, p99 ${quantile(us, 0.99).toFixed(1)} µs, max ${us[TIMED - 1].toFixed(0)} µs over ${TIMED} decisions (${((100 * outOfDistribution) / TIMED).toFixed(0)}% out of distribution)`);
}
