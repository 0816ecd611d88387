/**
 * The telemetry event schema, version 2. Every event is a flat JSON object with a `type`, the
 * schema version `v`, the session id `sid`, a per-session sequence number `seq` (0, 1, 2, ...;
 * `sid`+`seq` identify an event), `t` (ms on the session's injected monotonic clock) and `ts`
 * (wall-clock epoch ms, for ordering across sessions).
 *
 * Where a field means the same as a CTA-5004 (CMCD) key it uses that key and unit:
 * `sid` session id, `br` encoded bitrate kbps, `bl` buffer length ms, `mtp` measured throughput
 * kbps, `d` object (segment) media duration ms, `ot` object type, `su` startup, `tb` top bitrate
 * kbps, `pr` playback rate, `sf` streaming format, `st` stream type, and the CMCD v2 response keys
 * `ttfb` and `ttlb` (ms from request to first / last byte), `rc` (HTTP status) and `url`.
 * Fields with no CMCD counterpart carry their unit in the name.
 *
 * Version 2 added the optional envelope fields `exp` and `arm` (the experiment and the arm a session
 * was assigned to, see experiment.ts) and the playback kind `first-frame` (the first frame shown:
 * video startup). Readers accept both versions; a version 1 event simply has no arm and no first frame.
 * Collectors must be upgraded before the SDKs that send version 2 (an old collector refuses it by version).
 *
 * No personal data: URLs lose their query string and fragment (CDN tokens live there); no user
 * agent, IP or content title is recorded unless the application puts it in `player`.
 */

export const TELEMETRY_SCHEMA_VERSION = 2;
/** Versions `checkTelemetryEvent` accepts (events a reader may meet in old exports and collector files). */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = Object.freeze([1, 2]);
export type TelemetrySchemaVersion = 1 | 2;
/** Longest experiment or arm name, characters. */
export const MAX_ARM_NAME_LENGTH = 64;

/** CMCD object types: m manifest, a audio, v video, av muxed, i init, c caption, tt timed text, k key, o other. */
export type CmcdObjectType = 'm' | 'a' | 'v' | 'av' | 'i' | 'c' | 'tt' | 'k' | 'o';
export type VisibilityState = 'visible' | 'hidden';

export interface EventBase {
  readonly v: TelemetrySchemaVersion;
  readonly sid: string;
  readonly seq: number;
  /** Session clock, ms (monotonic, arbitrary origin). */
  readonly t: number;
  /** Wall clock, epoch ms. */
  readonly ts: number;
  /** v2: the experiment the session is in, and its arm (stamped on every event of the session). */
  readonly exp?: string;
  readonly arm?: string;
}

export interface TelemetryRendition {
  readonly id: string;
  /** Nominal bitrate, kbps (CMCD `br`). */
  readonly br: number;
  readonly width?: number;
  readonly height?: number;
  readonly codecs?: string;
}

export interface SessionStartEvent extends EventBase {
  readonly type: 'session-start';
  readonly player: { readonly name: string; readonly version: string };
  readonly policy: { readonly name: string; readonly modelVersion?: string };
  readonly ladder: { readonly renditions: readonly TelemetryRendition[]; readonly segmentDurationMs: number };
  readonly visibility: VisibilityState;
  /** CMCD `sf`: h HLS, d DASH, o other. */
  readonly sf?: 'h' | 'd' | 's' | 'o';
  /** CMCD `st`: v VOD, l live. */
  readonly st?: 'v' | 'l';
  readonly abrkitVersion?: string;
}

export interface SegmentEvent extends EventBase {
  readonly type: 'segment';
  readonly url: string;
  readonly bytes: number;
  /** Request time on the session clock, ms. */
  readonly startMs: number;
  readonly ttfb: number;
  /** Request to last byte, ms (the download duration). */
  readonly ttlb: number;
  readonly ot: CmcdObjectType;
  readonly rungIndex?: number;
  readonly br?: number;
  readonly segmentIndex?: number;
  /** Media duration of the segment, ms. */
  readonly d?: number;
  readonly rc?: number;
  /** The download was abandoned before its last byte. */
  readonly abandoned?: boolean;
}

/** A decision reason, JSON-safe (errors become code + message). */
export type TelemetryReason = { readonly kind: string; readonly [field: string]: unknown };

export interface DecisionEvent extends EventBase {
  readonly type: 'decision';
  readonly segmentIndex: number;
  readonly rungIndex: number;
  /** Bitrate of the chosen rung, kbps. */
  readonly br: number;
  readonly reason: TelemetryReason;
  /** Predicted throughput, kbps; absent before the estimator has data. */
  readonly predictedKbps?: number;
  readonly predictionErrorRatio?: number;
  /** What the policy saw. */
  readonly features: {
    readonly bl: number;
    readonly lastRungIndex: number | null;
    readonly segmentsRemaining: number | null;
    readonly minRungIndex: number;
    readonly maxRungIndex: number;
    readonly pr: number;
    /** Throughputs of the recent accepted samples, kbps, oldest first. */
    readonly recentKbps: readonly number[];
  };
}

export interface SampleRejectedEvent extends EventBase {
  readonly type: 'sample-rejected';
  readonly reason: string;
  readonly bytes: number;
  readonly ttlb: number;
}

/** `first-frame` (v2): the first frame is shown, once per session (video startup ends). */
export type PlaybackKind = 'first-frame' | 'play' | 'pause' | 'seek' | 'stall-start' | 'stall-end' | 'visibility' | 'dropped-frames' | 'error' | 'ended';

export interface PlaybackEvent extends EventBase {
  readonly type: 'playback';
  readonly kind: PlaybackKind;
  /** Media position, ms. */
  readonly positionMs?: number;
  readonly bl?: number;
  /** `seek`: target position, ms. */
  readonly toMs?: number;
  /** `stall-end`: stall length, ms. */
  readonly stallMs?: number;
  readonly visibility?: VisibilityState;
  /** `dropped-frames`: totals since the session started. */
  readonly droppedFrames?: number;
  readonly totalFrames?: number;
  /** `error`: a code and a message free of URLs' query strings. */
  readonly code?: string;
  readonly message?: string;
  /** `error` from abrkit's controller: the rung it fell back to. */
  readonly fallbackRungIndex?: number;
}

export interface QoeSummaryEvent extends EventBase {
  readonly type: 'qoe-summary';
  /** Window the summary covers, ms on the session clock. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly segments: number;
  readonly bytes: number;
  /** Mean bitrate of the segments downloaded in the window, kbps. */
  readonly br: number;
  /** Mean measured throughput in the window, kbps (bytes over download time). */
  readonly mtp: number;
  readonly switches: number;
  readonly stalls: number;
  readonly stallMs: number;
  readonly droppedFrames: number;
}

/** The recorder's own losses, logged once it can write again. */
export interface LossEvent extends EventBase {
  readonly type: 'loss';
  /** Events dropped because storage refused them (quota), since the last loss event. */
  readonly droppedOnQuota: number;
  /** Oldest events evicted to keep the log bounded, since the last loss event. */
  readonly evicted: number;
}

export type TelemetryEvent = SessionStartEvent | SegmentEvent | DecisionEvent | SampleRejectedEvent | PlaybackEvent | QoeSummaryEvent | LossEvent;
export type TelemetryEventType = TelemetryEvent['type'];

/** An event as the recorder is handed it: the envelope fields are filled in by the recorder. */
export type EventBody<E extends TelemetryEvent = TelemetryEvent> = E extends TelemetryEvent ? Omit<E, keyof EventBase> : never;

/** The experiment fields of the envelope, as `createExperiment` returns them for `createTelemetry`. */
export interface ExperimentStamp {
  readonly exp: string;
  readonly arm: string;
}

/** `https://cdn/x/seg.m4s?token=...#f` -> `https://cdn/x/seg.m4s`. Relative URLs keep their path. */
export function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

const TYPES: ReadonlySet<string> = new Set<TelemetryEventType>(['session-start', 'segment', 'decision', 'sample-rejected', 'playback', 'qoe-summary', 'loss']);
const PLAYBACK_KINDS: ReadonlySet<string> = new Set<PlaybackKind>(['first-frame', 'play', 'pause', 'seek', 'stall-start', 'stall-end', 'visibility', 'dropped-frames', 'error', 'ended']);

/** Checks an untrusted value (a collector's input, an export file's line). Returns a problem, or `null` if it is a valid event. */
export function checkTelemetryEvent(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'an event must be a JSON object';
  const e = value as Record<string, unknown>;
  if (typeof e.v !== 'number' || !SUPPORTED_SCHEMA_VERSIONS.includes(e.v)) return `unsupported schema version ${JSON.stringify(e.v)} (expected one of ${SUPPORTED_SCHEMA_VERSIONS.join(', ')})`;
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return `unknown event type ${JSON.stringify(e.type)}`;
  if (typeof e.sid !== 'string' || e.sid.length === 0 || e.sid.length > 128) return 'sid must be a non-empty string of at most 128 characters';
  if (!Number.isInteger(e.seq) || (e.seq as number) < 0) return 'seq must be an integer >= 0';
  for (const key of ['t', 'ts'] as const) if (!finite(e[key])) return `${key} must be a finite number`;
  for (const key of ['exp', 'arm'] as const) {
    if (e[key] === undefined) continue;
    if (e.v === 1) return `${key} needs schema version 2`;
    if (typeof e[key] !== 'string' || e[key].length === 0 || e[key].length > MAX_ARM_NAME_LENGTH) return `${key} must be a non-empty string of at most ${MAX_ARM_NAME_LENGTH} characters`;
  }
  switch (e.type) {
    case 'session-start': {
      const ladder = e.ladder as Record<string, unknown> | undefined;
      if (!isObject(e.player) || typeof e.player.name !== 'string') return 'session-start: player.name must be a string';
      if (!isObject(e.policy) || typeof e.policy.name !== 'string') return 'session-start: policy.name must be a string';
      if (!isObject(ladder) || !Array.isArray(ladder.renditions) || !finite(ladder.segmentDurationMs)) return 'session-start: ladder must have renditions and segmentDurationMs';
      if (!ladder.renditions.every((r) => isObject(r) && typeof r.id === 'string' && finite(r.br))) return 'session-start: each rendition needs id and br (kbps)';
      return e.visibility === 'visible' || e.visibility === 'hidden' ? null : 'session-start: visibility must be visible or hidden';
    }
    case 'segment':
      if (typeof e.url !== 'string') return 'segment: url must be a string';
      if (/[?#]/.test(e.url)) return 'segment: url must not carry a query string or fragment';
      for (const key of ['bytes', 'startMs', 'ttfb', 'ttlb'] as const) if (!finite(e[key]) || (key !== 'startMs' && (e[key] as number) < 0)) return `segment: ${key} must be a finite non-negative number`;
      return typeof e.ot === 'string' ? null : 'segment: ot must be a CMCD object type';
    case 'decision':
      if (!Number.isInteger(e.segmentIndex) || !Number.isInteger(e.rungIndex)) return 'decision: segmentIndex and rungIndex must be integers';
      if (!finite(e.br)) return 'decision: br must be a number (kbps)';
      if (!isObject(e.reason) || typeof e.reason.kind !== 'string') return 'decision: reason.kind must be a string';
      return isObject(e.features) && finite(e.features.bl) ? null : 'decision: features.bl must be a number (ms)';
    case 'sample-rejected':
      return typeof e.reason === 'string' && finite(e.bytes) && finite(e.ttlb) ? null : 'sample-rejected: needs reason, bytes and ttlb';
    case 'playback':
      if (e.kind === 'first-frame' && e.v === 1) return 'playback: first-frame needs schema version 2';
      return typeof e.kind === 'string' && PLAYBACK_KINDS.has(e.kind) ? null : `playback: unknown kind ${JSON.stringify(e.kind)}`;
    case 'qoe-summary':
      for (const key of ['fromMs', 'toMs', 'segments', 'bytes', 'br', 'mtp', 'switches', 'stalls', 'stallMs', 'droppedFrames'] as const) {
        if (!finite(e[key])) return `qoe-summary: ${key} must be a finite number`;
      }
      return null;
    case 'loss':
      return Number.isInteger(e.droppedOnQuota) && Number.isInteger(e.evicted) ? null : 'loss: droppedOnQuota and evicted must be integers';
  }
  return null;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
