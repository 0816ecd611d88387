import type { Clock } from '../core/clock.js';
import type { ControllerEvent } from '../core/controller.js';
import type { Ladder } from '../core/ladder.js';
import type { DecisionReason } from '../core/decision.js';
import { sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';
import {
  TELEMETRY_SCHEMA_VERSION,
  stripQuery,
  type CmcdObjectType,
  type EventBody,
  type PlaybackKind,
  type SessionStartEvent,
  type TelemetryEvent,
  type TelemetryReason,
  type VisibilityState,
} from './schema.js';
import { byteLength, createMemoryStore, openTelemetryStore, type StoreStatus, type TelemetryStore } from './store.js';
import { checkEndpoint, createUploadSink, UPLOAD_DEFAULTS, type UploadOptions, type UploadSink, type UploadStats } from './upload.js';
import { browserLifecycle, defaultIdSource, REAL_TIMERS, type PageLifecycle, type Timers } from './env.js';

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

interface QueuedEvent {
  readonly sid: string;
  readonly seq: number;
  readonly event: TelemetryEvent;
}

/**
 * The recorder. `record*` calls only build an object and push it on a queue (the hot path);
 * serialisation and the IndexedDB write happen in batches on a timer, when the queue is full, and
 * when the page is hidden or unloaded. Failures are counted and reported, never thrown at the player.
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const o = { ...TELEMETRY_DEFAULTS, ...definedOnly(options) };
  if (!(Number.isInteger(o.maxStoredEvents) && o.maxStoredEvents >= 1)) throw invalidOptions('telemetry', 'maxStoredEvents must be an integer >= 1');
  if (!(Number.isInteger(o.maxQueuedEvents) && o.maxQueuedEvents >= 1)) throw invalidOptions('telemetry', 'maxQueuedEvents must be an integer >= 1');
  if (!(o.flushIntervalMs >= 0) || !(o.summaryIntervalMs >= 0)) throw invalidOptions('telemetry', 'flushIntervalMs and summaryIntervalMs must be >= 0');
  if (options.upload) checkEndpoint(options.upload.endpoint);
  const clock = options.clock;
  const nowEpochMs = options.nowEpochMs ?? Date.now;
  const idSource = options.idSource ?? defaultIdSource;
  const timers = options.timers ?? REAL_TIMERS;
  const lifecycle = options.lifecycle === undefined ? browserLifecycle() : options.lifecycle;
  const sessionId = idSource();

  const uploadLimits = { maxBatchEvents: options.upload?.maxBatchEvents ?? UPLOAD_DEFAULTS.maxBatchEvents, maxBatchBytes: options.upload?.maxBatchBytes ?? UPLOAD_DEFAULTS.maxBatchBytes };
  let store: TelemetryStore | null = null;
  let sink: UploadSink | null = null;
  let storageStatus: StoreStatus | null = null;
  let queue: QueuedEvent[] = [];
  let seq = 0;
  let written = 0;
  let droppedOnQuota = 0;
  let evicted = 0;
  let unreportedDrops = 0;
  let unreportedEvictions = 0;
  let writeErrors = 0;
  let lastError: string | null = null;
  let flushTimer: unknown = null;
  let summaryTimer: unknown = null;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  let ladder: Ladder | null = null;
  const qoe = newQoeWindow(clock.nowMs());

  const ready: Promise<StoreStatus> = (o.storage === 'memory'
    ? Promise.resolve(createMemoryStore(o.maxStoredEvents))
    : openTelemetryStore({ dbName: o.dbName, maxRows: o.maxStoredEvents, ...(options.indexedDB !== undefined ? { indexedDB: options.indexedDB } : {}) })
  ).then((opened) => {
    store = opened;
    storageStatus = opened.status;
    if (options.upload) sink = createUploadSink(opened, options.upload, idSource);
    if (closed) return opened.status;
    sink?.kick();
    if (queue.length > 0) scheduleFlush(0);
    return opened.status;
  });

  function fail(error: unknown): void {
    writeErrors++;
    lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    options.onError?.(error);
  }

  function push(body: EventBody): void {
    if (closed) return;
    const event = { v: TELEMETRY_SCHEMA_VERSION, sid: sessionId, seq, t: clock.nowMs(), ts: nowEpochMs(), ...body } as TelemetryEvent;
    queue.push({ sid: sessionId, seq, event });
    seq++;
    if (queue.length >= o.maxQueuedEvents) scheduleFlush(0);
    else if (flushTimer === null) scheduleFlush(o.flushIntervalMs);
  }

  function scheduleFlush(delayMs: number): void {
    if (flushTimer !== null) timers.clearTimeout(flushTimer);
    flushTimer = timers.setTimeout(() => {
      flushTimer = null;
      void flush();
    }, delayMs);
  }

  /** Takes the queue, adding a `loss` event first when earlier writes lost events. */
  function takeQueue(): QueuedEvent[] {
    if (unreportedDrops > 0 || unreportedEvictions > 0) {
      const lossSeq = seq++;
      const loss = { v: TELEMETRY_SCHEMA_VERSION, sid: sessionId, seq: lossSeq, t: clock.nowMs(), ts: nowEpochMs(), type: 'loss', droppedOnQuota: unreportedDrops, evicted: unreportedEvictions } as const;
      queue.push({ sid: sessionId, seq: lossSeq, event: loss });
      unreportedDrops = 0;
      unreportedEvictions = 0;
    }
    const taken = queue;
    queue = [];
    return taken;
  }

  /** Rows handed to the store whose write has not completed yet, by batch key (upload only). */
  const inFlight = new Map<string, readonly string[]>();
  /** Set from pagehide until pageshow: the page is being unloaded (or frozen into the bfcache). */
  let unloading = false;

  /**
   * Writes taken events. With upload on, they are cut into upload-sized batches whose keys are
   * fixed now, so that every copy of a batch (the stored rows, a pagehide beacon) has the same
   * Idempotency-Key and the collector keeps exactly one.
   */
  function writeRows(taken: QueuedEvent[], unloading = false): Promise<void> {
    const target = store;
    if (!target || taken.length === 0) return Promise.resolve();
    const rows = taken.map((q) => ({ sid: q.sid, seq: q.seq, line: JSON.stringify(q.event) }));
    if (!sink) return appendRows(target, taken, rows, undefined, unloading);
    const writes: Promise<void>[] = [];
    for (const [from, to] of uploadChunks(rows.map((r) => r.line), uploadLimits.maxBatchEvents, uploadLimits.maxBatchBytes)) {
      const key = idSource();
      const lines = rows.slice(from, to).map((r) => r.line);
      inFlight.set(key, lines);
      writes.push(appendRows(target, taken.slice(from, to), rows.slice(from, to), key, unloading).finally(() => inFlight.delete(key)));
    }
    return Promise.all(writes).then(() => undefined);
  }

  async function appendRows(target: TelemetryStore, taken: QueuedEvent[], rows: { sid: string; seq: number; line: string }[], batchKey: string | undefined, unloading: boolean): Promise<void> {
    let result: { written: number; evicted: number; droppedOnQuota: number };
    try {
      result = await target.append(rows, batchKey, unloading);
    } catch (error) {
      fail(error);
      result = { written: 0, evicted: 0, droppedOnQuota: rows.length };
    }
    written += result.written;
    droppedOnQuota += result.droppedOnQuota;
    evicted += result.evicted;
    unreportedDrops += result.droppedOnQuota;
    unreportedEvictions += result.evicted;
    if (result.written === 0 && result.droppedOnQuota > 0) {
      // A loss event lost with the rest: what it reported is carried to the next one.
      for (const q of taken) {
        if (q.event.type !== 'loss') continue;
        unreportedDrops += q.event.droppedOnQuota;
        unreportedEvictions += q.event.evicted;
      }
    }
    if (result.written > 0) sink?.kick();
  }

  function flush(): Promise<void> {
    if (flushTimer !== null) {
      timers.clearTimeout(flushTimer);
      flushTimer = null;
    }
    const next = writing.then(async () => {
      if (!store) await ready;
      await writeRows(takeQueue());
    });
    writing = next.catch(fail);
    return writing;
  }

  /**
   * Pagehide. Whatever is queued is written at once (every request issued synchronously and
   * committed), and with upload on, every batch not yet confirmed stored (those just written and
   * those still in flight) also goes out by keepalive fetch / sendBeacon under its own key: the
   * browser may abort IndexedDB work still pending when the page dies, and if it does not, the
   * stored copy is resent later under the same key and dropped by the collector as a duplicate.
   */
  function flushForUnload(): void {
    unloading = true;
    if (qoe.segments > 0 || qoe.stalls > 0) pushSummary();
    if (flushTimer !== null) {
      timers.clearTimeout(flushTimer);
      flushTimer = null;
    }
    if (!store) return;
    const write = writeRows(takeQueue(), true);
    writing = Promise.all([writing, write]).then(() => undefined, fail);
    if (!sink) return;
    // Oldest first, within the browsers' 64 KB keepalive budget (then sendBeacon's own).
    for (const [key, lines] of inFlight) sink.beacon(key, lines);
  }

  function pushSummary(): void {
    const nowMs = clock.nowMs();
    push({
      type: 'qoe-summary',
      fromMs: qoe.fromMs,
      toMs: nowMs,
      segments: qoe.segments,
      bytes: qoe.bytes,
      br: qoe.segments > 0 ? round(qoe.brSumKbps / qoe.segments) : 0,
      mtp: qoe.downloadMs > 0 ? round((qoe.bytes * 8) / qoe.downloadMs) : 0,
      switches: qoe.switches,
      stalls: qoe.stalls,
      stallMs: round(qoe.stallMs + (qoe.stallStartMs === null ? 0 : nowMs - qoe.stallStartMs)),
      droppedFrames: qoe.droppedFrames,
    });
    resetQoeWindow(qoe, nowMs);
  }

  function startSummaryTimer(): void {
    if (o.summaryIntervalMs === 0 || summaryTimer !== null || closed) return;
    summaryTimer = timers.setTimeout(() => {
      summaryTimer = null;
      if (qoe.segments > 0 || qoe.stalls > 0) {
        pushSummary();
        startSummaryTimer();
      }
    }, o.summaryIntervalMs);
  }

  const onVisibility = (): void => {
    // Chromium fires this after pagehide as a page unloads. The session has ended by then, and a
    // write started now may or may not outlive the page, so nothing is logged.
    if (unloading) return;
    const visibility = lifecycle!.visibilityState();
    push({ type: 'playback', kind: 'visibility', visibility });
    if (visibility === 'hidden') {
      void flush();
      sink?.kick();
    }
  };
  const onPageHide = (): void => flushForUnload();
  // Back from the back/forward cache: the page lives on, so a later hide is a fresh unload.
  const onPageShow = (): void => {
    unloading = false;
  };
  lifecycle?.target.addEventListener('visibilitychange', onVisibility);
  lifecycle?.target.addEventListener('pagehide', onPageHide);
  lifecycle?.target.addEventListener('pageshow', onPageShow);

  function bitrateKbps(rungIndex: number | undefined): number | undefined {
    const rendition = rungIndex === undefined ? undefined : ladder?.renditions[rungIndex];
    return rendition ? round(rendition.bitrateBps / 1000) : undefined;
  }

  return {
    sessionId,
    ready,
    onControllerEvent(event) {
      try {
        if (event.type === 'decision') {
          const { context, decision } = event;
          ladder ??= context.ladder;
          const prediction = context.prediction;
          push({
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
          });
        } else if (event.type === 'sample-rejected') {
          push({ type: 'sample-rejected', reason: event.reason, bytes: event.sample.bytes, ttlb: round(event.sample.durationMs) });
        } else {
          push({ type: 'playback', kind: 'error', code: event.error.code, message: event.error.message, fallbackRungIndex: event.fallbackRungIndex });
        }
      } catch (error) {
        fail(error);
      }
    },
    recordSessionStart(record) {
      ladder = record.ladder;
      push({
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
        visibility: lifecycle?.visibilityState() ?? 'visible',
        ...(record.streamingFormat ? { sf: record.streamingFormat } : {}),
        ...(record.streamType ? { st: record.streamType } : {}),
        ...(record.abrkitVersion ? { abrkitVersion: record.abrkitVersion } : {}),
      });
    },
    recordSegment(r) {
      const br = r.bitrateBps !== undefined ? round(r.bitrateBps / 1000) : bitrateKbps(r.rungIndex);
      push({
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
      });
      if (!r.abandoned && (r.objectType ?? 'v') !== 'm') {
        qoe.segments++;
        qoe.bytes += r.bytes;
        qoe.downloadMs += r.durationMs;
        qoe.brSumKbps += br ?? 0;
        if (r.rungIndex !== undefined) {
          if (qoe.lastRungIndex !== null && qoe.lastRungIndex !== r.rungIndex) qoe.switches++;
          qoe.lastRungIndex = r.rungIndex;
        }
        startSummaryTimer();
      }
    },
    recordPlayback(r) {
      const nowMs = clock.nowMs();
      let stallMs: number | undefined;
      if (r.kind === 'stall-start' && qoe.stallStartMs === null) {
        qoe.stallStartMs = nowMs;
        qoe.stalls++;
        startSummaryTimer();
      } else if (r.kind === 'stall-end' && qoe.stallStartMs !== null) {
        stallMs = nowMs - qoe.stallStartMs;
        qoe.stallMs += stallMs;
        qoe.stallStartMs = null;
      } else if (r.kind === 'dropped-frames' && r.droppedFrames !== undefined) {
        qoe.droppedFrames = Math.max(qoe.droppedFrames, r.droppedFrames - qoe.droppedFramesBase);
      }
      push({
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
      });
    },
    record: push,
    flush,
    async exportNdjson() {
      await flush();
      const lines = store ? await store.lines() : [];
      return lines.length === 0 ? '' : lines.join('\n') + '\n';
    },
    status() {
      return {
        sessionId,
        storage: storageStatus,
        recorded: seq,
        written,
        queued: queue.length,
        droppedOnQuota,
        evicted,
        writeErrors,
        lastError,
        upload: sink?.stats() ?? null,
      };
    },
    async close() {
      if (closed) return;
      if (qoe.segments > 0 || qoe.stalls > 0) pushSummary();
      await flush();
      closed = true;
      if (summaryTimer !== null) timers.clearTimeout(summaryTimer);
      summaryTimer = null;
      lifecycle?.target.removeEventListener('visibilitychange', onVisibility);
      lifecycle?.target.removeEventListener('pagehide', onPageHide);
      lifecycle?.target.removeEventListener('pageshow', onPageShow);
      await ready;
      sink?.close();
      store?.close();
    },
  };
}

interface QoeWindow {
  fromMs: number;
  segments: number;
  bytes: number;
  downloadMs: number;
  brSumKbps: number;
  switches: number;
  lastRungIndex: number | null;
  stalls: number;
  stallMs: number;
  stallStartMs: number | null;
  droppedFrames: number;
  droppedFramesBase: number;
}

function newQoeWindow(fromMs: number): QoeWindow {
  return { fromMs, segments: 0, bytes: 0, downloadMs: 0, brSumKbps: 0, switches: 0, lastRungIndex: null, stalls: 0, stallMs: 0, stallStartMs: null, droppedFrames: 0, droppedFramesBase: 0 };
}

function resetQoeWindow(w: QoeWindow, nowMs: number): void {
  w.fromMs = nowMs;
  w.segments = 0;
  w.bytes = 0;
  w.downloadMs = 0;
  w.brSumKbps = 0;
  w.switches = 0;
  w.stalls = 0;
  w.stallMs = 0;
  // A stall still running carries over into the next window, counted from now.
  if (w.stallStartMs !== null) w.stallStartMs = nowMs;
  w.droppedFramesBase += w.droppedFrames;
  w.droppedFrames = 0;
}

/** [from, to) index ranges of lines, each range within the event and byte limits (a line alone may exceed the bytes). */
function uploadChunks(lines: readonly string[], maxEvents: number, maxBytes: number): [number, number][] {
  const chunks: [number, number][] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = byteLength(lines[i]!) + 1;
    if (i > from && (i - from >= maxEvents || bytes + size > maxBytes)) {
      chunks.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (from < lines.length) chunks.push([from, lines.length]);
  return chunks;
}

/** A decision reason as JSON: errors become their code and message. */
export function reasonToJson(reason: DecisionReason): TelemetryReason {
  if (reason.kind === 'fallback') return { kind: 'fallback', code: reason.error.code, message: reason.error.message };
  if (reason.kind === 'stall-guard') {
    return { ...reason, proposed: { rungIndex: reason.proposed.rungIndex, reason: reasonToJson(reason.proposed.reason) } };
  }
  return { ...reason };
}

/** Error messages may quote URLs: their query strings go too. */
function stripUrlsInText(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"']+)[?#][^\s"']*/g, '$1');
}

/** Three decimals: enough for ms and kbps, and it keeps the log small. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
