/** Runs in Chromium (bundled by bench/browser-decision-cost.ts): times AbrController.decide per policy. */
import { AbrController } from '../src/core/controller.js';
import { ManualClock } from '../src/core/clock.js';
import { ladderFromBitrates } from '../src/core/ladder.js';
import { createNamedPolicy, ADAPTER_POLICY_NAMES } from '../src/adapters/setup.js';

declare global {
  interface Window {
    __decisionCost?: Record<string, { warm: number[]; cold: number[] }>;
  }
}

const COLD = 20;
const WARM = 3000;
const ladder = ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4);
const out: Record<string, { warm: number[]; cold: number[] }> = {};
for (const name of ADAPTER_POLICY_NAMES) {
  const { policy, estimator } = createNamedPolicy(name);
  const clock = new ManualClock();
  const controller = new AbrController({ ladder, policy, estimator, clock });
  // Deterministic link: 0.3-6 Mbit/s, a different value per segment (linear congruential sequence).
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cold: number[] = [];
  const warm: number[] = [];
  let lastRung: number | null = null;
  for (let i = 0; i < COLD + WARM; i++) {
    const bps = 3e5 + next() * 5.7e6;
    const durationMs = ((ladder.renditions[lastRung ?? 0]!.bitrateBps * 4) / bps) * 1000;
    clock.advanceMs(durationMs);
    controller.addSample({ bytes: (bps * durationMs) / 8000, durationMs, ttfbMs: 40, startMs: clock.nowMs() - durationMs, endMs: clock.nowMs() });
    const start = performance.now();
    const decision = controller.decide({ segmentIndex: i % 15, segmentsRemaining: 15 - (i % 15), bufferS: next() * 30, lastRungIndex: lastRung });
    const elapsed = performance.now() - start;
    lastRung = decision.rungIndex;
    (i < COLD ? cold : warm).push(elapsed);
  }
  out[name] = { cold, warm };
}
window.__decisionCost = out;
