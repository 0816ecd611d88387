/** Runs in Chromium (bundled by bench/browser-decision-cost.ts): times AbrController.decide per policy. */
import { AbrController, ManualClock, ladderFromBitrates, createNamedPolicy } from 'abrkit';
import { ADAPTER_POLICY_NAMES } from 'abrkit/hls';
// The adapters' own core (their warm-up included), which no entry exports: this page times it as the adapters run it.
import { createAdapterCore } from '../src/adapters/setup.js';

declare global {
  interface Window {
    __decisionCost?: Record<string, { warm: number[]; cold: number[] }>;
    /** One session as playback sees it (called on a fresh page by the bench): decisions 20 ms apart. */
    __coldSession?: (name: string, warmUpDecisions: number, decisions: number) => Promise<number[]>;
  }
}

window.__coldSession = async (name, warmUpDecisions, decisions) => {
  const core = createAdapterCore({ policy: name as (typeof ADAPTER_POLICY_NAMES)[number], warmUpDecisions, clock: new ManualClock() }, ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4));
  await core.warmedUp;
  let seed = 777;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const times: number[] = [];
  let lastRung: number | null = null;
  let endMs = 0;
  for (let i = 0; i < decisions; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const bps = 3e5 + next() * 5.7e6;
    const durationMs = ((core.controller.ladder.renditions[lastRung ?? 0]!.bitrateBps * 4) / bps) * 1000;
    endMs += durationMs + 10;
    core.controller.addSample({ bytes: (bps * durationMs) / 8000, durationMs, ttfbMs: 40, startMs: endMs - durationMs, endMs });
    const start = performance.now();
    const decision = core.controller.decide({ segmentIndex: i, segmentsRemaining: decisions - i, bufferS: next() * 30, lastRungIndex: lastRung });
    times.push(performance.now() - start);
    lastRung = decision.rungIndex;
  }
  return times;
};

/** The tight loop: every built-in policy, 20 cold decisions then 3000 warm ones (skipped on cold-session pages). */
function tightLoop(): void {
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
}
if (!new URLSearchParams(location.search).has('cold')) tightLoop();
