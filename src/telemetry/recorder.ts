/**
 * abrkit/telemetry's recorder: a typed QoE event log kept off the player's hot path. Records are
 * queued, written to IndexedDB (or memory) in batches, cut into upload batches with fixed keys when
 * an upload sink is on, flushed when the page hides or unloads, and every loss is counted.
 */
import { invalidOptions } from '../core/errors.js';
import type { Ladder } from '../core/ladder.js';
import { MAX_ARM_NAME_LENGTH, TELEMETRY_SCHEMA_VERSION, type EventBody, type ExperimentStamp, type TelemetryEvent } from './schema.js';
import { byteLength, createMemoryStore, openTelemetryStore, type StoreStatus, type TelemetryStore } from './store.js';
import { checkEndpoint, createUploadSink, UPLOAD_DEFAULTS, type UploadSink } from './upload.js';
import { browserLifecycle, defaultIdSource, REAL_TIMERS } from './env.js';
import { TELEMETRY_DEFAULTS, type Telemetry, type TelemetryOptions } from './recorder-types.js';
import { decisionBody, playbackBody, round, segmentBody, sessionStartBody } from './event-bodies.js';
import { newQoeWindow, qoeSummaryBody, resetQoeWindow } from './qoe-window.js';

export { TELEMETRY_DEFAULTS, type PlaybackRecord, type SegmentRecord, type SessionStartRecord, type Telemetry, type TelemetryOptions, type TelemetryStatus } from './recorder-types.js';
export { reasonToJson } from './event-bodies.js';

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
  const stamp = options.experiment ? checkStamp(options.experiment) : {};

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
    const event = { v: TELEMETRY_SCHEMA_VERSION, sid: sessionId, seq, t: clock.nowMs(), ts: nowEpochMs(), ...stamp, ...body } as TelemetryEvent;
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
      const loss = { v: TELEMETRY_SCHEMA_VERSION, sid: sessionId, seq: lossSeq, t: clock.nowMs(), ts: nowEpochMs(), ...stamp, type: 'loss', droppedOnQuota: unreportedDrops, evicted: unreportedEvictions } as const;
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
    push(qoeSummaryBody(qoe, nowMs));
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
          ladder ??= event.context.ladder;
          push(decisionBody(event.context, event.decision));
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
      push(sessionStartBody(record, lifecycle?.visibilityState() ?? 'visible'));
    },
    recordSegment(r) {
      const br = r.bitrateBps !== undefined ? round(r.bitrateBps / 1000) : bitrateKbps(r.rungIndex);
      push(segmentBody(r, br));
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
      push(playbackBody(r, stallMs));
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

/** Only the two envelope fields, checked as the collector will check them. */
function checkStamp(stamp: ExperimentStamp): ExperimentStamp {
  for (const value of [stamp.exp, stamp.arm]) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ARM_NAME_LENGTH) throw invalidOptions('telemetry', `experiment.exp and .arm must be non-empty strings of at most ${MAX_ARM_NAME_LENGTH} characters`);
  }
  return { exp: stamp.exp, arm: stamp.arm };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
