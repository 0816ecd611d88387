/**
 * The upload sink: NDJSON batches to a collector with an Idempotency-Key, retries with backoff,
 * rows deleted only after a 2xx.
 */
import { invalidOptions } from '../core/errors.js';
import type { TelemetryStore, Batch } from './store.js';
import { REAL_TIMERS, type Timers } from './env.js';

export interface UploadOptions {
  /** Collector URL, e.g. `https://collector.example/v1/events`. Plain http only for localhost / 127.0.0.1 / [::1]. */
  readonly endpoint: string;
  /**
   * The collector's ingest token (`abrkit collect --token`): sent as `Authorization: Bearer`, and in the
   * query string of pagehide beacons (sendBeacon cannot set headers). It is a write-only key that any
   * page visitor can read: it keeps out strangers' traffic, not a determined sender.
   */
  readonly token?: string;
  readonly maxBatchEvents?: number;
  /** Bytes per batch; kept under the 64 KB keepalive / sendBeacon budget so a batch can always go at pagehide. */
  readonly maxBatchBytes?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Pause between batches when there is nothing left to send, ms. */
  readonly idleDelayMs?: number;
  /** Injected for tests. */
  readonly fetch?: typeof globalThis.fetch;
  readonly sendBeacon?: (url: string, data: Blob) => boolean;
  readonly random?: () => number;
  readonly timers?: Timers;
}

/** The browsers' limit on in-flight keepalive request bodies (Fetch spec: 64 KiB). */
export const KEEPALIVE_BUDGET_BYTES = 65_536;

export const UPLOAD_DEFAULTS = Object.freeze({
  maxBatchEvents: 500,
  maxBatchBytes: 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  idleDelayMs: 5_000,
});

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
/** sendBeacon cannot set headers: the key travels in the query string as well. */
export const IDEMPOTENCY_QUERY_PARAM = 'idempotencyKey';
/** ... and so does the ingest token. */
export const TOKEN_QUERY_PARAM = 'token';

export type UploadState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'sending'; readonly key: string }
  | { readonly kind: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly lastError: string }
  | { readonly kind: 'closed' };

export interface UploadStats {
  readonly batchesAccepted: number;
  readonly eventsAccepted: number;
  readonly failures: number;
  readonly rejectedBatches: number;
  readonly beacons: number;
  readonly state: UploadState;
}

export interface UploadSink {
  /** Something was written: send it soon. */
  kick(): void;
  /** Sends a pagehide batch now without waiting for the answer (fetch keepalive, else sendBeacon). */
  beacon(key: string, lines: readonly string[]): boolean;
  stats(): UploadStats;
  close(): void;
}

/** Throws `invalid-options` unless the endpoint is https, or http on a loopback host. */
export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidOptions('telemetry upload', `endpoint '${endpoint}' is not an absolute URL`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  throw invalidOptions('telemetry upload', `endpoint must be https (plain http only for localhost / 127.0.0.1), got '${url.protocol}//${url.host}'`);
}

/** Full-range exponential backoff with jitter: a delay in [cap/2, cap], cap = min(max, base * 2^attempt). */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return capMs / 2 + (random() * capMs) / 2;
}

/**
 * 408 and 429 are worth retrying, like 5xx, and so are 401 and 403 (a token or origin the collector
 * does not accept yet: configuration, fixed on the server, not the batch's fault); any other 4xx means
 * the batch itself is refused.
 */
function isRetriable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 401 || status === 403;
}

/** A `Retry-After` in seconds (the collector's form), as ms; 0 when absent or a date. */
function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * Sends the store's batches one at a time. A batch's rows are deleted only after a 2xx; a failure
 * backs off and resends the same batch under the same Idempotency-Key, so the collector can drop
 * copies. A batch refused with a non-retriable 4xx is quarantined (kept locally, not resent).
 */
export function createUploadSink(store: TelemetryStore, options: UploadOptions, newKey: () => string): UploadSink {
  const url = checkEndpoint(options.endpoint);
  const o = { ...UPLOAD_DEFAULTS, ...stripUndefined(options) };
  if (!(o.maxBatchBytes > 0 && o.maxBatchBytes <= KEEPALIVE_BUDGET_BYTES)) throw invalidOptions('telemetry upload', `maxBatchBytes must be in (0, ${KEEPALIVE_BUDGET_BYTES}]`);
  if (!(o.maxBatchEvents >= 1) || !(o.baseDelayMs > 0) || !(o.maxDelayMs >= o.baseDelayMs)) throw invalidOptions('telemetry upload', 'maxBatchEvents >= 1 and 0 < baseDelayMs <= maxDelayMs');
  const fetchFn = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (!fetchFn) throw invalidOptions('telemetry upload', 'no fetch available');
  const timers = options.timers ?? REAL_TIMERS;
  const random = options.random ?? Math.random;
  const sendBeacon = options.sendBeacon ?? beaconFromNavigator();
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};

  let state: UploadState = { kind: 'idle' };
  let attempt = 0;
  let timer: unknown = null;
  let running = false;
  let kicked = false;
  let closed = false;
  let batchesAccepted = 0;
  let eventsAccepted = 0;
  let failures = 0;
  let rejectedBatches = 0;
  let beacons = 0;

  function schedule(delayMs: number): void {
    if (closed) return;
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      timer = null;
      void pump();
    }, delayMs);
  }

  /** The last answer's Retry-After, ms: the next attempt waits at least this long. */
  let serverDelayMs = 0;

  async function send(batch: Batch): Promise<number> {
    serverDelayMs = 0;
    const response = await fetchFn!(url.href, {
      method: 'POST',
      headers: { 'Content-Type': NDJSON_CONTENT_TYPE, 'Idempotency-Key': batch.key, ...auth },
      body: batch.lines.join('\n') + '\n',
    });
    // Drain the body so the connection can be reused; its content does not matter here.
    await response.text().catch(() => '');
    serverDelayMs = retryAfterMs(response);
    return response.status;
  }

  async function pump(): Promise<void> {
    if (running || closed) {
      kicked = true;
      return;
    }
    running = true;
    try {
      for (;;) {
        kicked = false;
        const batch = await store.claimBatch(o.maxBatchEvents, o.maxBatchBytes, newKey);
        if (closed) return;
        if (batch === null) {
          state = { kind: 'idle' };
          if (kicked) continue;
          return;
        }
        state = { kind: 'sending', key: batch.key };
        let status: number;
        let problem: string;
        try {
          status = await send(batch);
          problem = `HTTP ${status}`;
        } catch (error) {
          status = 0;
          problem = error instanceof Error ? error.message : String(error);
        }
        if (status >= 200 && status < 300) {
          await store.deleteBatch(batch.key);
          attempt = 0;
          batchesAccepted++;
          eventsAccepted += batch.lines.length;
          continue;
        }
        failures++;
        if (status !== 0 && !isRetriable(status)) {
          await store.quarantineBatch(batch.key);
          rejectedBatches++;
          continue;
        }
        const delayMs = Math.max(backoffDelayMs(attempt++, o.baseDelayMs, o.maxDelayMs, random), Math.min(serverDelayMs, o.maxDelayMs));
        state = { kind: 'backoff', attempt, delayMs, lastError: problem };
        schedule(delayMs);
        return;
      }
    } catch (error) {
      // The store failed (closed database, another tab upgrading it): try again later, never throw at the page.
      const delayMs = backoffDelayMs(attempt++, o.baseDelayMs, o.maxDelayMs, random);
      state = { kind: 'backoff', attempt, delayMs, lastError: error instanceof Error ? error.message : String(error) };
      schedule(delayMs);
    } finally {
      running = false;
    }
  }

  return {
    kick() {
      if (closed || state.kind === 'backoff') return;
      if (running) kicked = true;
      else void pump();
    },
    beacon(key, lines) {
      if (closed || lines.length === 0) return false;
      const body = lines.join('\n') + '\n';
      const target = new URL(url.href);
      target.searchParams.set(IDEMPOTENCY_QUERY_PARAM, key);
      if (options.token) target.searchParams.set(TOKEN_QUERY_PARAM, options.token);
      try {
        void fetchFn!(target.href, {
          method: 'POST',
          keepalive: true,
          headers: { 'Content-Type': NDJSON_CONTENT_TYPE, 'Idempotency-Key': key, ...auth },
          body,
        }).catch(() => undefined);
        beacons++;
        return true;
      } catch {
        // keepalive refused (budget used up): fall back to sendBeacon.
      }
      if (sendBeacon && sendBeacon(target.href, new Blob([body], { type: NDJSON_CONTENT_TYPE }))) {
        beacons++;
        return true;
      }
      return false;
    },
    stats() {
      return { batchesAccepted, eventsAccepted, failures, rejectedBatches, beacons, state };
    },
    close() {
      closed = true;
      state = { kind: 'closed' };
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
  };
}

function beaconFromNavigator(): ((url: string, data: Blob) => boolean) | undefined {
  const nav = (globalThis as { navigator?: { sendBeacon?: (url: string, data: Blob) => boolean } }).navigator;
  return nav?.sendBeacon ? (u, d) => nav.sendBeacon!(u, d) : undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

