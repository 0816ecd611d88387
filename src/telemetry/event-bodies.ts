/**
 * Telemetry event bodies from what the recorder is handed: controller decisions, session starts,
 * segment downloads, playback events. Numbers are rounded to three decimals, URLs lose their
 * query strings (CDN tokens), and optional fields are left out rather than written as null.
 */
import type { DecisionContext } from '../core/context.js';
import type { Decision, DecisionReason } from '../core/decision.js';
import { sampleThroughputBps } from '../core/sample.js';
import { stripQuery, type DecisionEvent, type EventBody, type PlaybackEvent, type SegmentEvent, type SessionStartEvent, type TelemetryReason, type VisibilityState } from './schema.js';
import type { PlaybackRecord, SegmentRecord, SessionStartRecord } from './recorder-types.js';

/** A `decision` body: the choice, its reason, the prediction and the features the policy saw. */
export function decisionBody(context: DecisionContext, decision: Decision): EventBody<DecisionEvent> {
  const prediction = context.prediction;
  return {
    type: 'decision',
    segmentIndex: context.segmentIndex,
    rungIndex: decision.rungIndex,
    br: round(context.ladder.renditions[decision.rungIndex]!.bitrateBps / 1000),
    reason: reasonToJson(decision.reason),
    ...(prediction ? { predictedKbps: round(prediction.throughputBps / 1000), predictionErrorRatio: round(prediction.errorRatio) } : {}),
    features: {
      bl: round(context.bufferS * 1000),
      lastRungIndex: context.lastRungIndex,
      segmentsRemaining: context.segmentsRemaining,
      minRungIndex: context.minRungIndex,
      maxRungIndex: context.maxRungIndex,
      pr: context.playbackRate,
      recentKbps: context.history.slice(-5).map((s) => round(sampleThroughputBps(s) / 1000)),
    },
  };
}

/** A `session-start` body; `visibility` is the page's state now. */
export function sessionStartBody(record: SessionStartRecord, visibility: VisibilityState): EventBody<SessionStartEvent> {
  return {
    type: 'session-start',
    player: { name: record.player.name, version: record.player.version },
    policy: { name: record.policy.name, ...(record.policy.modelVersion === undefined ? {} : { modelVersion: record.policy.modelVersion }) },
    ladder: {
      renditions: record.ladder.renditions.map((r) => ({
        id: r.id,
        br: round(r.bitrateBps / 1000),
        ...(r.width === undefined ? {} : { width: r.width }),
        ...(r.height === undefined ? {} : { height: r.height }),
        ...(r.codecs === undefined ? {} : { codecs: r.codecs }),
      })),
      segmentDurationMs: record.ladder.segmentDurationS * 1000,
    },
    visibility,
    ...(record.streamingFormat ? { sf: record.streamingFormat } : {}),
    ...(record.streamType ? { st: record.streamType } : {}),
    ...(record.abrkitVersion ? { abrkitVersion: record.abrkitVersion } : {}),
  };
}

/** A `segment` body; `br` is the rendition's bitrate, kbps, when known. */
export function segmentBody(r: SegmentRecord, br: number | undefined): EventBody<SegmentEvent> {
  return {
    type: 'segment',
    url: stripQuery(r.url),
    bytes: r.bytes,
    startMs: round(r.startMs),
    ttfb: round(r.ttfbMs),
    ttlb: round(r.durationMs),
    ot: r.objectType ?? 'v',
    ...(r.rungIndex === undefined ? {} : { rungIndex: r.rungIndex }),
    ...(br === undefined ? {} : { br }),
    ...(r.segmentIndex === undefined ? {} : { segmentIndex: r.segmentIndex }),
    ...(r.mediaDurationMs === undefined ? {} : { d: round(r.mediaDurationMs) }),
    ...(r.httpStatus === undefined ? {} : { rc: r.httpStatus }),
    ...(r.abandoned ? { abandoned: true } : {}),
  };
}

/** A `playback` body; `stallMs` is the stall's length when the record ends one. */
export function playbackBody(r: PlaybackRecord, stallMs: number | undefined): EventBody<PlaybackEvent> {
  return {
    type: 'playback',
    kind: r.kind,
    ...(r.positionMs === undefined ? {} : { positionMs: round(r.positionMs) }),
    ...(r.bufferMs === undefined ? {} : { bl: round(r.bufferMs) }),
    ...(r.toMs === undefined ? {} : { toMs: round(r.toMs) }),
    ...(stallMs === undefined ? {} : { stallMs: round(stallMs) }),
    ...(r.visibility === undefined ? {} : { visibility: r.visibility }),
    ...(r.droppedFrames === undefined ? {} : { droppedFrames: r.droppedFrames }),
    ...(r.totalFrames === undefined ? {} : { totalFrames: r.totalFrames }),
    ...(r.code === undefined ? {} : { code: r.code }),
    ...(r.message === undefined ? {} : { message: stripUrlsInText(r.message) }),
  };
}

/** A decision reason as JSON: errors become their code and message. */
export function reasonToJson(reason: DecisionReason): TelemetryReason {
  if (reason.kind === 'fallback') return { kind: 'fallback', code: reason.error.code, message: reason.error.message };
  if (reason.kind === 'stall-guard' || reason.kind === 'hysteresis') {
    return { ...reason, proposed: { rungIndex: reason.proposed.rungIndex, reason: reasonToJson(reason.proposed.reason) } };
  }
  return { ...reason };
}

/** Error messages may quote URLs: their query strings go too. */
export function stripUrlsInText(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"']+)[?#][^\s"']*/g, '$1');
}

/** Three decimals: enough for ms and kbps, and it keeps the log small. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
