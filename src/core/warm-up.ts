/**
 * JIT warm-up for a policy. In a page, a policy decides once per segment: a few dozen times a
 * session, too rarely for the JIT to compile it early, so each of the first decisions runs in the
 * interpreter and pays for compilations (milliseconds instead of tens of µs). Running a throwaway
 * instance of the same policy on synthetic decisions, a few per task, before playback needs them
 * moves that cost off the decisions.
 */
import type { AbrPolicy } from './policy.js';
import type { DecisionContext } from './context.js';
import { normalizeSample, type DownloadSample } from './sample.js';
import { normalizeLadder } from './ladder.js';
import type { ThroughputEstimator } from './estimator.js';

export interface WarmUpOptions {
  /** Synthetic decisions in all (0 = none). */
  readonly decisions: number;
  /** Decisions per task, to keep each task short. */
  readonly perTask: number;
  /** Runs the next step in a later task (the caller's timers: the core has none). */
  readonly schedule: (step: () => void) => void;
}

/** A throwaway instance to warm up: the policy and, when it has one, its estimator. */
export interface WarmUpTarget {
  readonly policy: AbrPolicy;
  readonly estimator?: ThroughputEstimator;
}

/** Synthetic decisions: ladders of 3, 6 and 10 rungs in turn, varied buffers and links, some near the end of the stream. Deterministic. */
export function* warmUpDecisions(count: number): Generator<{ readonly sample: DownloadSample; readonly context: DecisionContext }> {
  // Ladders and samples in the shapes the controller hands policies, so the code compiled here stays valid.
  const ladders = [3, 6, 10].map((rungs) =>
    normalizeLadder({
      renditions: Array.from({ length: rungs }, (_, i) => ({ id: `w${i}`, bitrateBps: 300_000 * 1.5 ** i })),
      segmentDurationS: rungs === 10 ? 2 : 4,
    }),
  );
  const history: DownloadSample[] = [];
  for (let i = 0; i < count; i++) {
    const ladder = ladders[i % ladders.length]!;
    const mbps = 0.5 + ((i * 7919) % 50) / 10;
    const bytes = 200_000 + ((i * 104_729) % 1_500_000);
    const durationMs = (bytes * 8) / (mbps * 1000);
    const endMs = 1000 + i * 4000;
    const sample = normalizeSample({ bytes, durationMs, ttfbMs: 40, startMs: endMs - durationMs, endMs });
    history.push(sample);
    if (history.length > 10) history.shift();
    yield {
      sample,
      context: {
        ladder,
        segmentIndex: i,
        // Every seventh near the end of the stream: RobustMPC's horizon shrinks there, a path the
        // JIT otherwise first meets in playback's last decisions (the slowest ones, at 1-2 ms).
        segmentsRemaining: i % 7 === 6 ? 1 + (i % 4) : count - i + 5,
        isLive: false,
        bufferS: (i * 3.7) % 30,
        playbackRate: 1,
        lastRungIndex: i % ladder.renditions.length,
        history: history.slice(),
        prediction: { throughputBps: mbps * 1e6, errorRatio: 0.2 },
        minRungIndex: 0,
        maxRungIndex: ladder.renditions.length - 1,
        nowMs: endMs,
      },
    };
  }
}

/**
 * Runs `options.decisions` synthetic decisions through the target, `perTask` per scheduled task.
 * Resolves when done; never rejects (a target that throws ends the warm-up early: the real
 * instance will report the same failure through its own channel when it is asked for real).
 */
export function warmUp(target: WarmUpTarget, options: WarmUpOptions): Promise<void> {
  if (options.decisions <= 0) return Promise.resolve();
  const decisions = warmUpDecisions(options.decisions);
  const perTask = Math.max(1, options.perTask);
  return new Promise((resolve) => {
    const step = () => {
      try {
        for (let i = 0; i < perTask; i++) {
          const next = decisions.next();
          if (next.done) return resolve();
          const { sample, context } = next.value;
          let prediction = context.prediction;
          if (target.estimator) {
            target.estimator.addSample(sample);
            prediction = target.estimator.predict() ?? prediction;
          }
          target.policy.decide({ ...context, prediction });
        }
      } catch {
        return resolve();
      }
      options.schedule(step);
    };
    options.schedule(step);
  });
}
