/**
 * CMCD v2 event mode (CTA-5004-B): reports of what the session does, POSTed to a collector as
 * `application/cmcd` (one dictionary per line), from abrkit's own state. Play-state changes (`ps`
 * with `sta`), rendition changes (`bc` with `br`), backgrounding (`b` with `bg`), playback-rate
 * changes (`pr`), errors (`e`) and a time interval (`t`) with the buffer, bitrate and abrkit's
 * estimate. Every report carries `e`, `ts` (epoch ms), `sn` (per session), `v=2` and `sid`/`cid`
 * when given. Off by default.
 *
 * Fail-safe: the reporter never throws into the player. Reports wait in a bounded queue; a batch the
 * collector could not take (network error, 429, 5xx) is retried with a growing back-off, one it
 * refuses (other 4xx) is dropped, and past `maxQueued` the oldest reports are dropped; both are counted.
 */
import { formatCmcdDictionary, nearest, sfString, type CmcdOptions, type ResolvedCmcdEventOptions } from './cmcd.js';

/** CTA-5004-B player states (`sta`). */
export type CmcdPlayState = 's' | 'p' | 'k' | 'r' | 'a' | 'w' | 'e' | 'f' | 'q';

/** What the adapter knows when a report is made. */
export interface CmcdEventSource {
  /** Bitrate of the rendition being fetched, bit/s (null before the first segment). */
  bitrateBps(): number | null;
  /** Buffer ahead of the playhead, s. */
  bufferS(): number;
  /** abrkit's throughput estimate, bit/s. */
  throughputBps(): number | null;
}

/** The outcome of one POST: `ok`, or the HTTP status (0 for a network error). */
export type CmcdSendResult = { readonly ok: true } | { readonly ok: false; readonly status: number };

/** Sends one body; default: `fetch` with `keepalive`, so a batch sent as the page goes away still leaves. */
export type CmcdTransport = (url: string, body: string, headers: Readonly<Record<string, string>>) => Promise<CmcdSendResult>;

export const fetchCmcdTransport: CmcdTransport = async (url, body, headers) => {
  try {
    const response = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/cmcd', ...headers }, keepalive: body.length < 60_000 });
    return response.ok ? { ok: true } : { ok: false, status: response.status };
  } catch {
    return { ok: false, status: 0 };
  }
};

/** Timers, injectable so tests run without waiting. */
export interface CmcdTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const GLOBAL_TIMERS: CmcdTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

export interface CmcdEventStats {
  /** Reports accepted by the collector. */
  readonly sent: number;
  /** Reports dropped: refused by the collector (4xx other than 429), or pushed out of a full queue. */
  readonly dropped: number;
  /** Reports waiting. */
  readonly queued: number;
  /** POSTs that failed and will be retried. */
  readonly retries: number;
}

export interface CmcdEventReporterDeps {
  readonly transport?: CmcdTransport;
  readonly timers?: CmcdTimers;
  /** Wall-clock epoch ms for `ts`. */
  readonly nowEpochMs?: () => number;
}

/** Makes, queues and sends the reports of one session. */
export class CmcdEventReporter {
  readonly #options: ResolvedCmcdEventOptions;
  readonly #ids: Pick<CmcdOptions, 'sessionId' | 'contentId'>;
  readonly #source: CmcdEventSource;
  readonly #transport: CmcdTransport;
  readonly #timers: CmcdTimers;
  readonly #now: () => number;
  #sequence = 0;
  #queue: string[] = [];
  #sending = false;
  #flushTimer: unknown = null;
  #intervalTimer: unknown = null;
  #retryMs = 0;
  #stats = { sent: 0, dropped: 0, retries: 0 };
  #state: CmcdPlayState | null = null;
  #bitrateBps: number | null = null;
  #closed = false;

  constructor(options: ResolvedCmcdEventOptions, ids: Pick<CmcdOptions, 'sessionId' | 'contentId'>, source: CmcdEventSource, deps: CmcdEventReporterDeps = {}) {
    this.#options = options;
    this.#ids = ids;
    this.#source = source;
    this.#transport = deps.transport ?? fetchCmcdTransport;
    this.#timers = deps.timers ?? GLOBAL_TIMERS;
    this.#now = deps.nowEpochMs ?? (() => Date.now());
    this.#scheduleInterval();
  }

  /** The current play state; a change is reported (`ps`), a repeat is not. */
  get state(): CmcdPlayState | null {
    return this.#state;
  }

  playState(state: CmcdPlayState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#report('ps', [['sta', state]]);
    // The session may be over: send what waits now rather than after the flush delay.
    if (state === 'e' || state === 'f' || state === 'q') this.flush();
  }

  /** The fetched rendition's bitrate; a change is reported (`bc`). */
  bitrate(bitrateBps: number): void {
    if (!(bitrateBps > 0) || bitrateBps === this.#bitrateBps) return;
    this.#bitrateBps = bitrateBps;
    this.#report('bc', [['br', `(${Math.round(bitrateBps / 1000)})`]]);
  }

  backgrounded(hidden: boolean): void {
    this.#report('b', hidden ? [['bg', true]] : []);
    if (hidden) this.flush();
  }

  playbackRate(rate: number): void {
    if (rate > 0 && Number.isFinite(rate)) this.#report('pr', [['pr', String(Math.round(rate * 100) / 100)]]);
  }

  /** An error (`e`), with the player's code when it has one (`ec`). */
  error(code?: string): void {
    this.#report('e', code ? [['ec', `(${sfString(code.slice(0, 64))})`]] : []);
  }

  stats(): CmcdEventStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Sends what waits now (one batch at a time). */
  flush(): void {
    if (this.#flushTimer !== null) {
      this.#timers.clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    void this.#send();
  }

  /** Stops the interval; what waits is sent once more (the page may be going away). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#intervalTimer !== null) this.#timers.clearTimeout(this.#intervalTimer);
    this.#intervalTimer = null;
    this.flush();
  }

  #report(event: string, extra: [string, string | true][]): void {
    if (this.#closed) return;
    try {
      const fields: [string, string | true][] = [['e', event], ['ts', String(Math.round(this.#now()))], ['sn', String(this.#sequence++)], ['v', '2'], ...extra];
      if (this.#ids.sessionId !== undefined) fields.push(['sid', sfString(this.#ids.sessionId)]);
      if (this.#ids.contentId !== undefined) fields.push(['cid', sfString(this.#ids.contentId)]);
      if (event === 't') {
        const bufferS = this.#source.bufferS();
        if (bufferS >= 0 && Number.isFinite(bufferS)) fields.push(['bl', `(${nearest(bufferS * 1000, 100)})`]);
        const bitrate = this.#source.bitrateBps() ?? this.#bitrateBps;
        if (bitrate !== null && bitrate > 0) fields.push(['br', `(${Math.round(bitrate / 1000)})`]);
        const throughput = this.#source.throughputBps();
        if (throughput !== null && throughput > 0 && Number.isFinite(throughput)) fields.push(['mtp', `(${nearest(throughput / 1000, 100)})`]);
        if (this.#state !== null) fields.push(['sta', this.#state]);
      }
      this.#queue.push(formatCmcdDictionary(fields));
    } catch {
      return; // a source that throws costs a report, never playback
    }
    const overflow = this.#queue.length - this.#options.maxQueued;
    if (overflow > 0) {
      this.#queue.splice(0, overflow);
      this.#stats.dropped += overflow;
    }
    if (this.#retryMs > 0) return; // backing off: the retry timer sends
    if (this.#queue.length >= this.#options.batchSize) this.flush();
    else if (this.#flushTimer === null) this.#flushTimer = this.#timers.setTimeout(() => this.flush(), this.#options.flushAfterMs);
  }

  #scheduleInterval(): void {
    if (this.#options.intervalS <= 0 || this.#closed) return;
    this.#intervalTimer = this.#timers.setTimeout(() => {
      this.#report('t', []);
      this.#scheduleInterval();
    }, this.#options.intervalS * 1000);
  }

  async #send(): Promise<void> {
    if (this.#sending || this.#queue.length === 0) return;
    this.#sending = true;
    const batch = this.#queue.slice(0, Math.max(this.#options.batchSize, 1) * 4);
    const headers: Record<string, string> = this.#options.token ? { Authorization: `Bearer ${this.#options.token}` } : {};
    let result: CmcdSendResult;
    try {
      result = await this.#transport(this.#options.url, batch.join('\n') + '\n', headers);
    } catch {
      result = { ok: false, status: 0 };
    }
    this.#sending = false;
    // The queue may have been trimmed from the front meanwhile: remove what is still there of this batch.
    const start = this.#queue.indexOf(batch[0]!);
    const retry = !result.ok && (result.status === 0 || result.status === 429 || result.status >= 500);
    if (result.ok || !retry) {
      if (start >= 0) this.#queue.splice(start, batch.length);
      if (result.ok) this.#stats.sent += batch.length;
      else this.#stats.dropped += batch.length;
      this.#retryMs = 0;
      if (this.#queue.length >= this.#options.batchSize || (this.#closed && this.#queue.length > 0)) void this.#send();
      else if (this.#queue.length > 0 && this.#flushTimer === null) this.#flushTimer = this.#timers.setTimeout(() => this.flush(), this.#options.flushAfterMs);
      return;
    }
    this.#stats.retries++;
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs === 0 ? RETRY_FIRST_MS : this.#retryMs * 2);
    if (this.#flushTimer !== null) this.#timers.clearTimeout(this.#flushTimer);
    this.#flushTimer = this.#timers.setTimeout(() => this.flush(), this.#retryMs);
  }
}

/**
 * Reports a media element's play states (`s` until the first frame plays, then `p`, `r` while it
 * waits for data, `k`, `a`, `e`, `f`, and `q` when the page is hidden for good or the adapter is
 * destroyed mid-session), rate changes and the page's visibility. Returns a function that detaches.
 */
export function watchMediaForCmcd(media: HTMLMediaElement, reporter: CmcdEventReporter): () => void {
  const on = (target: EventTarget, type: string, listener: () => void): (() => void) => {
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  };
  const doc = (globalThis as { document?: Document }).document;
  const win = globalThis as unknown as EventTarget & { addEventListener?: unknown };
  // Loaded lazily: the element may already be playing when the reporter first sees it.
  if (reporter.state === null) reporter.playState(!media.paused && media.readyState >= 3 ? 'p' : 's');
  let played = reporter.state === 'p';
  const detach = [
    on(media, 'playing', () => {
      played = true;
      reporter.playState('p');
    }),
    on(media, 'waiting', () => {
      if (played && !media.seeking) reporter.playState('r');
    }),
    on(media, 'seeking', () => reporter.playState('k')),
    on(media, 'pause', () => {
      if (!media.ended) reporter.playState('a');
    }),
    on(media, 'ended', () => reporter.playState('e')),
    on(media, 'error', () => {
      reporter.error(media.error ? `media-${media.error.code}` : undefined);
      reporter.playState('f');
    }),
    on(media, 'ratechange', () => reporter.playbackRate(media.playbackRate)),
    ...(doc ? [on(doc, 'visibilitychange', () => reporter.backgrounded(doc.visibilityState === 'hidden'))] : []),
    ...(typeof win.addEventListener === 'function' ? [on(win, 'pagehide', () => reporter.playState(media.ended ? 'e' : 'q'))] : []),
  ];
  return () => {
    for (const off of detach) off();
  };
}

/**
 * What an adapter holds: the reporter and the element it watches. `attach` is idempotent (the
 * adapters call it whenever they see the element); `destroy` reports `q` (quit) unless the session
 * ended or failed, and sends what waits.
 */
export class CmcdEventSession {
  readonly reporter: CmcdEventReporter;
  #media: HTMLMediaElement | null = null;
  #detach: (() => void) | null = null;

  constructor(reporter: CmcdEventReporter) {
    this.reporter = reporter;
  }

  attach(media: HTMLMediaElement | null | undefined): void {
    if (!media || media === this.#media) return;
    this.#detach?.();
    this.#media = media;
    this.#detach = watchMediaForCmcd(media, this.reporter);
  }

  destroy(): void {
    this.#detach?.();
    this.#detach = null;
    const state = this.reporter.state;
    if (state !== null && state !== 'e' && state !== 'f') this.reporter.playState('q');
    this.reporter.close();
  }
}

/** The event session for resolved `cmcd` options and event options. */
export function createCmcdEventSession(cmcd: CmcdOptions, events: ResolvedCmcdEventOptions, source: CmcdEventSource, deps?: CmcdEventReporterDeps): CmcdEventSession {
  return new CmcdEventSession(new CmcdEventReporter(events, cmcd, source, deps));
}
