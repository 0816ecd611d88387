import type { Timers, PageLifecycle } from '../../src/telemetry/env.js';
import type { DownloadSample, SampleVerdict } from '../../src/core/sample.js';
import type { Trace } from '../../src/sim/trace.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import type { Telemetry } from '../../src/telemetry/recorder.js';
import { ManualClock } from '../../src/core/clock.js';
import { AbrController } from '../../src/core/controller.js';
import { createAbandonRule } from '../../src/core/abandon.js';
import { createRealisticEnv } from '../../src/sim/realistic-env.js';
import { runSession } from '../../src/sim/session.js';
import { builtinPolicySpec } from '../../src/sim/evaluate.js';

/** Timers that fire only when a test says so. */
export class VirtualTimers implements Timers {
  #nowMs = 0;
  #next = 1;
  readonly #pending = new Map<number, { atMs: number; fn: () => void; delayMs: number }>();
  readonly delaysMs: number[] = [];

  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { atMs: this.#nowMs + delayMs, fn, delayMs });
    this.delaysMs.push(delayMs);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Fires the earliest pending timer; false when none is pending. */
  fireNext(): boolean {
    let bestId = -1;
    let best: { atMs: number; fn: () => void } | undefined;
    for (const [id, t] of this.#pending) if (!best || t.atMs < best.atMs) [bestId, best] = [id, t];
    if (!best) return false;
    this.#pending.delete(bestId);
    this.#nowMs = Math.max(this.#nowMs, best.atMs);
    best.fn();
    return true;
  }
}

/** A page lifecycle a node test can drive. */
export class FakePage implements PageLifecycle {
  readonly target = new EventTarget();
  state: 'visible' | 'hidden' = 'visible';
  visibilityState(): 'visible' | 'hidden' {
    return this.state;
  }
  hide(): void {
    this.state = 'hidden';
    this.target.dispatchEvent(new Event('visibilitychange'));
  }
  pagehide(): void {
    this.target.dispatchEvent(new Event('pagehide'));
  }
}

/** Ids a test can predict. */
export function counterIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${n++}`;
}

/** Polls (on real time, for IndexedDB's own callbacks) until `check` holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a player adapter does: every download it measures goes to the controller and to telemetry. */
class RecordingController extends AbrController {
  readonly samples: DownloadSample[] = [];
  constructor(
    options: ConstructorParameters<typeof AbrController>[0],
    private readonly telemetry: Telemetry | null,
  ) {
    super(options);
  }
  override addSample(sample: DownloadSample): SampleVerdict {
    this.samples.push(sample);
    this.telemetry?.recordSegment({
      url: `https://cdn.example/v/${sample.rungIndex}/seg-${sample.segmentIndex}.m4s?token=secret`,
      bytes: sample.bytes,
      startMs: sample.startMs,
      ttfbMs: sample.ttfbMs,
      durationMs: sample.durationMs,
      ...(sample.rungIndex === undefined ? {} : { rungIndex: sample.rungIndex }),
      ...(sample.segmentIndex === undefined ? {} : { segmentIndex: sample.segmentIndex }),
      mediaDurationMs: 4000,
    });
    return super.addSample(sample);
  }
}

/** One simulated session as `abrkit eval` runs it (realistic mode, RobustMPC, abandonment on). */
export function simulate(trace: Trace, video: SimVideo, telemetry: Telemetry | null) {
  const clock = new ManualClock();
  const spec = builtinPolicySpec('robustmpc', { qoe: 'lin', pensieveQuirks: false });
  const controller = new RecordingController(
    { ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock, ...(telemetry ? { onEvent: (e) => telemetry.onControllerEvent(e) } : {}) },
    telemetry,
  );
  const log = runSession(createRealisticEnv(trace, video), controller, { clock, abandon: createAbandonRule() });
  const bytes = controller.samples.reduce((s, x) => s + x.bytes, 0);
  const ms = controller.samples.reduce((s, x) => s + x.durationMs, 0);
  const bitrateKbps = log.records.reduce((s, r) => s + r.bitrateBps, 0) / log.records.length / 1000;
  return { throughputMbps: (bytes * 8) / ms / 1000, bitrateKbps, samples: controller.samples.length };
}

