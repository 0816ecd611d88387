/** The recorder's options, the records an app or adapter hands it, and the handle it returns. */
import type { Clock } from '../core/clock.js';
import type { ControllerEvent } from '../core/controller.js';
import type { Ladder } from '../core/ladder.js';
import type { CmcdObjectType, EventBody, ExperimentStamp, PlaybackKind, SessionStartEvent, VisibilityState } from './schema.js';
import type { StoreStatus } from './store.js';
import type { UploadOptions, UploadStats } from './upload.js';
import type { PageLifecycle, Timers } from './env.js';

export interface TelemetryOptions {
  /** Session clock (monotonic ms): in a page, `{ nowMs: () => performance.now() }`. */
  readonly clock: Clock;
  /** Wall clock, epoch ms; default `Date.now`. */
  readonly nowEpochMs?: () => number;
  /** Session ids and batch keys; default `crypto.randomUUID()`. */
  readonly idSource?: () => string;
  /** `'indexeddb'` (falls back to memory, and says so, where IndexedDB is unavailable) or `'memory'`. */
  readonly storage?: 'indexeddb' | 'memory';
  readonly dbName?: string;
  /** IndexedDB factory; default `globalThis.indexedDB`; `null` forces the memory fallback's "unavailable" path. */
  readonly indexedDB?: IDBFactory | null;
  /** Ring-buffer bound of the stored log, events. */
  readonly maxStoredEvents?: number;
  /** Events kept in memory before a write is forced. */
  readonly maxQueuedEvents?: number;
  /** Queued events are written at most this long after being recorded, ms. */
  readonly flushIntervalMs?: number;
  /** A `qoe-summary` event is logged this often while segments arrive, ms. 0 disables. */
  readonly summaryIntervalMs?: number;
  /** The session's experiment and arm (`createExperiment(...).stamp`): stamped on every event as `exp` and `arm`. */
  readonly experiment?: ExperimentStamp;
  /** Optional upload to a collector; off unless given. */
  readonly upload?: UploadOptions;
  /** Page lifecycle to flush on; default: the page's window/document when there is one. `null` disables. */
  readonly lifecycle?: PageLifecycle | null;
  readonly timers?: Timers;
  /** Called when storing fails in a way the recorder cannot fix (it never throws at the player). */
  readonly onError?: (error: unknown) => void;
}

export const TELEMETRY_DEFAULTS = Object.freeze({
  storage: 'indexeddb' as const,
  dbName: 'abrkit-telemetry',
  maxStoredEvents: 50_000,
  maxQueuedEvents: 200,
  flushIntervalMs: 1_000,
  summaryIntervalMs: 10_000,
});

export interface SegmentRecord {
  readonly url: string;
  readonly bytes: number;
  /** Request time on the session clock, ms. */
  readonly startMs: number;
  readonly ttfbMs: number;
  /** Request to last byte, ms. */
  readonly durationMs: number;
  readonly objectType?: CmcdObjectType;
  readonly rungIndex?: number;
  readonly bitrateBps?: number;
  readonly segmentIndex?: number;
  readonly mediaDurationMs?: number;
  readonly httpStatus?: number;
  readonly abandoned?: boolean;
}

export interface PlaybackRecord {
  readonly kind: PlaybackKind;
  readonly positionMs?: number;
  readonly bufferMs?: number;
  readonly toMs?: number;
  readonly visibility?: VisibilityState;
  readonly droppedFrames?: number;
  readonly totalFrames?: number;
  readonly code?: string;
  readonly message?: string;
}

export interface SessionStartRecord {
  readonly ladder: Ladder;
  readonly player: { readonly name: string; readonly version: string };
  readonly policy: { readonly name: string; readonly modelVersion?: string };
  readonly streamingFormat?: SessionStartEvent['sf'];
  readonly streamType?: SessionStartEvent['st'];
  readonly abrkitVersion?: string;
}

export interface TelemetryStatus {
  readonly sessionId: string;
  /** `null` until the store has opened. */
  readonly storage: StoreStatus | null;
  readonly recorded: number;
  readonly written: number;
  readonly queued: number;
  readonly droppedOnQuota: number;
  readonly evicted: number;
  readonly writeErrors: number;
  readonly lastError: string | null;
  readonly upload: UploadStats | null;
}

export interface Telemetry {
  readonly sessionId: string;
  /** Resolves once the store is open (IndexedDB or the memory fallback). */
  readonly ready: Promise<StoreStatus>;
  /** Pass as, or call from, AbrController's `onEvent`. */
  onControllerEvent(event: ControllerEvent): void;
  recordSessionStart(record: SessionStartRecord): void;
  recordSegment(record: SegmentRecord): void;
  recordPlayback(record: PlaybackRecord): void;
  /** Low-level: log any schema body (the envelope is filled in). */
  record(body: EventBody): void;
  /** Writes everything queued; resolves when it is stored. */
  flush(): Promise<void>;
  /** The whole stored log plus what is queued, as NDJSON. */
  exportNdjson(): Promise<string>;
  status(): TelemetryStatus;
  /** Logs a final QoE summary, flushes, stops timers and listeners, closes the store. */
  close(): Promise<void>;
}
