/**
 * `abrkit eval --viewers`: every policy over every trace with simulated viewers, with and without
 * the viewer-aware buffering rule, the same viewers for both; bytes, waste and QoE over what was watched.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { PolicySpec } from './evaluate.js';
import type { QoeName } from '../qoe/models.js';
import type { RealisticEnvOptions } from './realistic-env.js';
import type { ViewerModel } from './viewers.js';
import { createQoeModel } from '../qoe/models.js';
import { AbrController } from '../core/controller.js';
import { ManualClock } from '../core/clock.js';
import { createAbandonRule } from '../core/abandon.js';
import { invalidOptions } from '../core/errors.js';
import { createViewerBufferRule, type ViewerBufferOptions } from '../policies/viewer-buffer.js';
import { sampleViewer } from './viewers.js';
import { runViewerSession, type ViewerSessionResult } from './viewer-session.js';

export interface ViewerEvalOptions {
  readonly qoe: QoeName;
  readonly policies: readonly PolicySpec[];
  readonly model: ViewerModel;
  /** Viewers per trace (each a different seeded script). */
  readonly sessionsPerTrace: number;
  readonly seed: number;
  /** The aware variant's rule options. */
  readonly rule?: Partial<ViewerBufferOptions>;
  readonly realistic?: Partial<RealisticEnvOptions>;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** One policy with or without viewer awareness, pooled over every session. */
export interface ViewerSummary {
  readonly policy: string;
  readonly aware: boolean;
  readonly sessions: number;
  readonly downloadedMB: number;
  readonly playedMB: number;
  /** Share of what was downloaded that was never played. */
  readonly wastedShare: number;
  /** QoE per watched segment, pooled: sum over sessions over watched segments. */
  readonly qoeWatched: number;
  readonly bitrateKbps: number;
  /** Per session, means. */
  readonly rebufferS: number;
  readonly startupS: number;
  readonly switches: number;
  readonly watchedChunks: number;
}

/** The aware variant against the unaware one, per policy. */
export interface ViewerSaving {
  readonly policy: string;
  /** `1 - aware bytes / unaware bytes`. */
  readonly bytesSaved: number;
  /** `(aware - unaware) / |unaware|` of QoE per watched segment. */
  readonly qoeChange: number;
}

export interface ViewerEvalResult {
  readonly video: string;
  readonly model: ViewerModel;
  readonly traces: number;
  readonly summary: readonly ViewerSummary[];
  readonly savings: readonly ViewerSaving[];
}

export function evaluateViewers(video: SimVideo, traces: readonly Trace[], options: ViewerEvalOptions): ViewerEvalResult {
  if (traces.length === 0) throw invalidOptions('evaluate', 'no traces to evaluate');
  if (!(Number.isInteger(options.sessionsPerTrace) && options.sessionsPerTrace >= 1)) throw invalidOptions('evaluate', 'sessionsPerTrace must be an integer >= 1');
  const qoe = createQoeModel(options.qoe, video);
  const abandon = createAbandonRule();
  const awareRule = createViewerBufferRule(options.rule ?? {});
  const total = options.policies.length * 2 * traces.length;
  let done = 0;
  const summary: ViewerSummary[] = [];
  const savings: ViewerSaving[] = [];
  for (const spec of options.policies) {
    const pair: ViewerSummary[] = [];
    for (const aware of [false, true]) {
      const clock = new ManualClock();
      const controller = new AbrController({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock });
      const results: ViewerSessionResult[] = [];
      traces.forEach((trace, t) => {
        for (let j = 0; j < options.sessionsPerTrace; j++) {
          controller.reset();
          clock.restart();
          const viewer = sampleViewer(options.model, options.seed, t * options.sessionsPerTrace + j);
          results.push(runViewerSession(trace, video, controller, viewer, { rule: aware ? awareRule : null, abandon, clock, qoe, ...(options.realistic ? { realistic: options.realistic } : {}) }));
        }
        options.onProgress?.(++done, total, `${spec.name}${aware ? ' (viewer-aware)' : ''}`);
      });
      pair.push(summarizeViewerSessions(spec.name, aware, results));
    }
    summary.push(...pair);
    const [unaware, awareSummary] = pair as [ViewerSummary, ViewerSummary];
    savings.push({
      policy: spec.name,
      bytesSaved: 1 - awareSummary.downloadedMB / unaware.downloadedMB,
      qoeChange: (awareSummary.qoeWatched - unaware.qoeWatched) / Math.abs(unaware.qoeWatched),
    });
  }
  return { video: video.name, model: options.model, traces: traces.length, summary, savings };
}

export function summarizeViewerSessions(policy: string, aware: boolean, results: readonly ViewerSessionResult[]): ViewerSummary {
  const sum = (f: (r: ViewerSessionResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const n = results.length;
  const downloaded = sum((r) => r.downloadedBytes);
  const watched = sum((r) => r.watchedChunks);
  return {
    policy,
    aware,
    sessions: n,
    downloadedMB: downloaded / 1e6,
    playedMB: sum((r) => r.playedBytes) / 1e6,
    wastedShare: downloaded > 0 ? sum((r) => r.wastedBytes) / downloaded : 0,
    qoeWatched: watched > 0 ? sum((r) => r.qoeSum) / watched : 0,
    bitrateKbps: watched > 0 ? sum((r) => r.bitrateSumKbps) / watched : 0,
    rebufferS: sum((r) => r.rebufferS) / n,
    startupS: sum((r) => r.startupS) / n,
    switches: sum((r) => r.switches) / n,
    watchedChunks: watched / n,
  };
}
