/**
 * Page side of bench/telemetry-cost.ts: times each telemetry call a player adapter makes, with
 * real IndexedDB underneath. Served cross-origin isolated, so performance.now() has 5 µs resolution.
 */
import { AbrController, ladderFromBitrates, createRatePolicy, createDualEwmaEstimator } from 'abrkit';
import { createTelemetry } from 'abrkit/telemetry';

export interface CostResult {
  readonly isolated: boolean;
  readonly events: number;
  readonly perCallMs: { readonly decision: number[]; readonly segment: number[]; readonly playback: number[] };
  /** Wall time of each awaited flush (main thread and IndexedDB together), per event flushed. */
  readonly flushMsPerEvent: number[];
}

async function run(segments: number): Promise<CostResult> {
  const clock = { nowMs: () => performance.now() };
  const ladder = ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4);
  const telemetry = createTelemetry({ clock, dbName: 'bench', flushIntervalMs: 1000, maxQueuedEvents: 1_000_000 });
  await telemetry.ready;
  const decision: number[] = [];
  const segment: number[] = [];
  const playback: number[] = [];
  const flushMsPerEvent: number[] = [];
  const controller = new AbrController({
    ladder,
    policy: createRatePolicy(),
    estimator: createDualEwmaEstimator(),
    clock,
    onEvent: (e) => {
      const t0 = performance.now();
      telemetry.onControllerEvent(e);
      decision.push(performance.now() - t0);
    },
  });
  telemetry.recordSessionStart({ ladder, player: { name: 'bench', version: '1' }, policy: { name: 'rate' } });
  let last: number | null = null;
  let sinceFlush = 0;
  for (let i = 0; i < segments; i++) {
    const rung: number = controller.decide({ segmentIndex: i, segmentsRemaining: segments - i, bufferS: 10 + (i % 7), lastRungIndex: last }).rungIndex;
    last = rung;
    const bytes = 200_000 + ((i * 7919) % 500_000);
    const durationMs = 200 + ((i * 104_729) % 900);
    const endMs = clock.nowMs();
    controller.addSample({ bytes, durationMs, ttfbMs: 40, startMs: endMs - durationMs, endMs, rungIndex: rung, segmentIndex: i });
    let t0 = performance.now();
    telemetry.recordSegment({ url: `https://cdn.example/v/${rung}/seg-${i}.m4s?token=abcdef`, bytes, startMs: endMs - durationMs, ttfbMs: 40, durationMs, rungIndex: rung, segmentIndex: i, mediaDurationMs: 4000 });
    segment.push(performance.now() - t0);
    sinceFlush += 2;
    if (i % 4 === 0) {
      t0 = performance.now();
      telemetry.recordPlayback({ kind: i % 8 === 0 ? 'dropped-frames' : 'play', positionMs: i * 4000, droppedFrames: i, totalFrames: i * 100 });
      playback.push(performance.now() - t0);
      sinceFlush++;
    }
    if (sinceFlush >= 200) {
      const f0 = performance.now();
      await telemetry.flush();
      flushMsPerEvent.push((performance.now() - f0) / sinceFlush);
      sinceFlush = 0;
    }
  }
  await telemetry.close();
  return { isolated: crossOriginIsolated, events: telemetry.status().recorded, perCallMs: { decision, segment, playback }, flushMsPerEvent };
}

declare global {
  interface Window {
    runCostBench: typeof run;
  }
}
window.runCostBench = run;
