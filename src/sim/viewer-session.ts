/**
 * One simulated session with a viewer in it: the realistic simulator's player (round trips, startup,
 * a buffer goal, abandonment) on a wall clock the viewer can pause, hide and leave, with or without
 * the viewer-aware buffering rule.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { AbrController } from '../core/controller.js';
import type { AbandonRule } from '../core/abandon.js';
import type { ManualClock } from '../core/clock.js';
import type { QoeModel } from '../qoe/models.js';
import type { ViewerBufferInput, ViewerBufferRule, ViewerState } from '../policies/viewer-buffer.js';
import { createHeadroomHold } from '../policies/viewer-buffer.js';
import type { ViewerScript } from './viewers.js';
import { chunkQoe } from '../qoe/models.js';
import { Link } from './link.js';
import { REALISTIC_ENV_DEFAULTS, type RealisticEnvOptions } from './realistic-env.js';
import { inIntervals, nextBoundaryS, startedBefore } from './viewers.js';

export interface ViewerSessionOptions {
  readonly realistic?: Partial<RealisticEnvOptions>;
  readonly abandon?: AbandonRule;
  /** The viewer-aware rule; `null` plays as a player that ignores the viewer. */
  readonly rule: ViewerBufferRule | null;
  readonly clock: ManualClock;
  readonly qoe: QoeModel;
  /** Longest step of simulated time between looks at the viewer and the buffer, s. */
  readonly stepS?: number;
}

/** What a session cost and what the viewer saw. */
export interface ViewerSessionResult {
  /** Everything fetched: completed segments, abandoned attempts, the part in flight when the viewer left. */
  readonly downloadedBytes: number;
  /** Bytes of media that were played (a segment played in part counts in part). */
  readonly playedBytes: number;
  /** `downloadedBytes - playedBytes`: fetched and never played. */
  readonly wastedBytes: number;
  /** Segments that started playing while the page was visible, before the viewer left. */
  readonly watchedChunks: number;
  /**
   * QoE over the watched segments (each against the previous watched one for smoothness), minus the
   * rebuffer penalty for stalls while hidden (audio stalls too) and for the startup delay.
   */
  readonly qoeSum: number;
  readonly bitrateSumKbps: number;
  readonly rebufferS: number;
  readonly startupS: number;
  readonly switches: number;
  /** Media played, s, and the session's wall time, s. */
  readonly playedS: number;
  readonly sessionS: number;
  /** The viewer left before the video ended. */
  readonly leftEarly: boolean;
}

const EPS = 1e-9;

/**
 * Plays one session. The viewer's script is in wall time from the first request; the buffer goal
 * is the realistic simulator's (30 s), or the rule's answer for the viewer's state at each look.
 */
export function runViewerSession(trace: Trace, video: SimVideo, controller: AbrController, viewer: ViewerScript, options: ViewerSessionOptions): ViewerSessionResult {
  const o = { ...REALISTIC_ENV_DEFAULTS, ...options.realistic };
  const stepS = options.stepS ?? 0.5;
  const link = new Link(trace, { payloadPortion: o.payloadPortion, wrap: o.wrapTrace });
  const cursor = link.start();
  const chunkCount = Math.min(o.chunkCount ?? video.segmentSizesBytes.length, video.segmentSizesBytes.length);
  const segS = video.segmentDurationS;
  const totalS = chunkCount * segS;
  const renditions = video.renditions;

  let tS = 0;
  let bufferS = 0;
  let posS = 0;
  let started = false;
  let ended = false;
  let exited = false;
  let startupS = 0;
  let downloadedBytes = 0;
  const rungs: number[] = [];
  const sizes: number[] = [];
  const playStartS: (number | undefined)[] = [];
  /** Fetched at the lowest rung because the page was hidden. */
  const cheap: boolean[] = [];
  let wasVisible = true;
  const rebufferS = new Array<number>(chunkCount).fill(0);

  const viewerAt = (atS: number): ViewerState => ({
    visible: !inIntervals(viewer.hides, atS),
    paused: started && inIntervals(viewer.pauses, atS),
    idle: false,
    watchedS: posS,
    pauses: startedBefore(viewer.pauses, atS),
    seeks: 0,
    hides: startedBefore(viewer.hides, atS),
  });

  const topBitrateBps = renditions[renditions.length - 1]!.bitrateBps;
  const holdHeadroom = createHeadroomHold();
  const ruleInput = (): ViewerBufferInput => {
    const predictedBps = controller.prediction()?.throughputBps;
    const viewerState = viewerAt(tS);
    const headroom = holdHeadroom(viewerState, predictedBps === undefined ? undefined : predictedBps / topBitrateBps);
    return { viewer: viewerState, baseGoalS: o.bufferGoalS, segmentDurationS: segS, ...(headroom === undefined ? {} : { headroom }) };
  };

  const markPlayStart = (): void => {
    const k = Math.floor((posS + EPS) / segS);
    if (k < rungs.length && playStartS[k] === undefined && bufferS > EPS) playStartS[k] = tS;
  };

  /** Lets wall time pass: playback drains the buffer (or stalls), pauses hold it; stops at the exit. */
  const advance = (durationS: number): void => {
    const toS = Math.min(tS + durationS, viewer.exitAtS);
    while (tS < toS - EPS && !ended) {
      const boundaryS = Math.min(toS, nextBoundaryS(viewer.pauses, tS));
      if (!started) {
        startupS += boundaryS - tS;
        tS = boundaryS;
        continue;
      }
      if (inIntervals(viewer.pauses, tS)) {
        tS = boundaryS;
        continue;
      }
      markPlayStart();
      if (bufferS > EPS) {
        const toSegmentEndS = (Math.floor((posS + EPS) / segS) + 1) * segS - posS;
        const playS = Math.min(boundaryS - tS, bufferS, Math.max(toSegmentEndS, EPS));
        posS += playS;
        bufferS -= playS;
        tS += playS;
        if (posS >= totalS - EPS) ended = true;
      } else {
        rebufferS[Math.min(chunkCount - 1, Math.floor((posS + EPS) / segS))]! += boundaryS - tS;
        tS = boundaryS;
      }
    }
    if (tS >= viewer.exitAtS - EPS && !ended) exited = true;
  };

  let lastRungIndex: number | null = null;
  for (let segmentIndex = 0; segmentIndex < chunkCount && !exited; segmentIndex++) {
    segmentIndex = replaceOnReturn(segmentIndex);
    // Wait for room under the goal; the goal follows the viewer while we wait.
    for (;;) {
      const goalS = options.rule ? options.rule(ruleInput()).bufferGoalS : o.bufferGoalS;
      if (!started || bufferS <= goalS - segS + EPS || exited) break;
      advance(Math.min(stepS, Math.max(bufferS - (goalS - segS), EPS)));
    }
    if (exited) break;
    segmentIndex = replaceOnReturn(segmentIndex);
    const lowest = options.rule ? options.rule(ruleInput()).lowestRung : false;
    options.clock.setMs(tS * 1000);
    const decision = controller.decide({
      segmentIndex,
      segmentsRemaining: chunkCount - segmentIndex,
      bufferS,
      lastRungIndex,
      ...(lowest ? { maxRungIndex: 0 } : {}),
    });
    let rung = decision.rungIndex;
    let attemptStartS = tS;
    for (;;) {
      const ttfbS = link.rttMs(cursor, o.rttMs) / 1000;
      link.idle(cursor, ttfbS);
      advance(ttfbS);
      const bytes = video.segmentSizesBytes[segmentIndex]![rung]!;
      let loaded = 0;
      let transferS = 0;
      let abandonedFor: number | null = null;
      while (loaded < bytes && !exited) {
        const sliceS = Math.min(stepS, options.abandon && rung > 0 ? o.abandonCheckMs / 1000 : stepS, Math.max(viewer.exitAtS - tS, EPS));
        const got = link.transfer(cursor, bytes - loaded, sliceS);
        loaded += got.bytes;
        transferS += got.durationS;
        advance(got.durationS);
        if (loaded >= bytes || !options.abandon) continue;
        abandonedFor = options.abandon({
          ladder: video,
          segmentIndex,
          rungIndex: rung,
          bytesLoaded: loaded,
          bytesTotal: bytes,
          elapsedMs: (ttfbS + transferS) * 1000,
          ttfbMs: ttfbS * 1000,
          bufferS: started ? bufferS : 0,
          minRungIndex: 0,
        });
        if (abandonedFor !== null && abandonedFor < rung) break;
        abandonedFor = null;
      }
      downloadedBytes += loaded;
      const attemptMs = (ttfbS + transferS) * 1000;
      if (loaded > 0) controller.addSample({ bytes: loaded, durationMs: attemptMs, ttfbMs: ttfbS * 1000, startMs: attemptStartS * 1000, endMs: attemptStartS * 1000 + attemptMs, rungIndex: rung, segmentIndex });
      attemptStartS += ttfbS + transferS;
      if (exited) break;
      if (abandonedFor === null) {
        rungs.push(rung);
        sizes.push(bytes);
        cheap.push(lowest);
        break;
      }
      rung = abandonedFor;
    }
    if (exited) break;
    bufferS += segS;
    lastRungIndex = rung;
    if (!started && bufferS >= Math.min(o.startupBufferS, segS * (chunkCount - segmentIndex))) {
      started = true;
    }
  }
  // Play out what is buffered, until the video ends or the viewer leaves.
  while (!ended && !exited) advance(3600);

  return summarize();

  /**
   * Back on a visible page: forget the lowest-rung segments buffered while hidden beyond the
   * margin, so they are fetched again at the policy's rung. Returns the next segment to fetch.
   */
  function replaceOnReturn(nextIndex: number): number {
    const visible = !inIntervals(viewer.hides, tS);
    const returned = visible && !wasVisible;
    wasVisible = visible;
    const rule = options.rule;
    if (!returned || !rule || !rule.options.hiddenLowestRung || !rule.options.replaceOnReturn) return nextIndex;
    const keepUntilS = posS + rule.options.replaceMarginS;
    let k = Math.max(Math.ceil((keepUntilS - EPS) / segS), Math.floor((posS + EPS) / segS) + 1);
    while (k < rungs.length && !cheap[k]) k++;
    if (k >= rungs.length) return nextIndex;
    bufferS -= (rungs.length - k) * segS;
    rungs.length = k;
    sizes.length = k;
    cheap.length = k;
    playStartS.length = Math.min(playStartS.length, k);
    lastRungIndex = k > 0 ? rungs[k - 1]! : null;
    return k;
  }

  function summarize(): ViewerSessionResult {
    let playedBytes = 0;
    let qoeSum = -options.qoe.rebufferPenalty * startupS;
    let bitrateSumKbps = 0;
    let watchedChunks = 0;
    let switches = 0;
    let stalledS = 0;
    let previous: number | null = null;
    for (let k = 0; k < rungs.length; k++) {
      const fraction = Math.min(1, Math.max(0, (posS - k * segS) / segS));
      playedBytes += sizes[k]! * fraction;
      const startS = playStartS[k];
      if (startS === undefined) continue;
      stalledS += rebufferS[k]!;
      if (inIntervals(viewer.hides, startS)) {
        qoeSum -= options.qoe.rebufferPenalty * rebufferS[k]!;
        continue;
      }
      const rung = rungs[k]!;
      qoeSum += chunkQoe(options.qoe, rung, previous ?? rung, rebufferS[k]!);
      bitrateSumKbps += renditions[rung]!.bitrateBps / 1000;
      if (previous !== null && previous !== rung) switches++;
      previous = rung;
      watchedChunks++;
    }
    return {
      downloadedBytes,
      playedBytes,
      wastedBytes: downloadedBytes - playedBytes,
      watchedChunks,
      qoeSum,
      bitrateSumKbps,
      rebufferS: stalledS,
      startupS,
      switches,
      playedS: posS,
      sessionS: tS,
      leftEarly: exited,
    };
  }
}
