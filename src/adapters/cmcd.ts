/**
 * CMCD v2 request keys (CTA-5004-B) from the adapter's own state: what abrkit decided and measured,
 * not what the player believes. Query mode (`CMCD=` on the URL: no CORS preflight, unlike headers).
 * Written here rather than bundling `@svta/cml-cmcd` (3.6 kB gzipped for its encoder, a quarter of
 * `abrkit/hls`); test/adapters/cmcd.test.ts checks the output against that library's decoder.
 */
import { invalidOptions } from '../core/errors.js';

export interface CmcdOptions {
  /** Session id (`sid`); default: none sent. */
  readonly sessionId?: string;
  /** Content id (`cid`); default: none sent. */
  readonly contentId?: string;
  /**
   * Requested maximum throughput (`rtp`) as a multiple of the requested rendition's bitrate: the
   * throughput the player considers sufficient. Default 2; 0 sends no `rtp`.
   */
  readonly rtpFactor?: number;
  /** Request mode: the keys on every media request's URL. Default true; false with `events` for event mode only. */
  readonly requests?: boolean;
  /** Event mode: reports POSTed to a collector (src/adapters/cmcd-events.ts). Default: none. */
  readonly events?: CmcdEventOptions;
}

export interface CmcdEventOptions {
  /** Where reports go: `abrkit collect`'s `http://host:port/v1/cmcd`, or any CMCD event collector. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` (the collector's ingest token). */
  readonly token?: string;
  /** A time-interval report (`t`) every this many seconds while attached; 0 sends none. Default 30 (CTA-5004-B). */
  readonly intervalS?: number;
  /** Reports sent in one POST once this many are waiting. Default 8. */
  readonly batchSize?: number;
  /** A waiting report is sent at the latest after this long, ms. Default 5000. */
  readonly flushAfterMs?: number;
  /** At most this many reports wait while the collector is unreachable (the oldest go first). Default 500. */
  readonly maxQueued?: number;
}


export const CMCD_EVENT_DEFAULTS = Object.freeze({ intervalS: 30, batchSize: 8, flushAfterMs: 5000, maxQueued: 500 });

export type ResolvedCmcdEventOptions = Required<Omit<CmcdEventOptions, 'token'>> & Pick<CmcdEventOptions, 'token'>;

export function resolveCmcdEventOptions(events: CmcdEventOptions | undefined): ResolvedCmcdEventOptions | null {
  if (events === undefined) return null;
  if (typeof events !== 'object' || events === null || typeof events.url !== 'string' || events.url === '') {
    throw invalidOptions('cmcd', 'events must be an object with the collector url');
  }
  const o = { ...CMCD_EVENT_DEFAULTS, ...events };
  if (!(o.intervalS >= 0 && Number.isFinite(o.intervalS))) throw invalidOptions('cmcd', `events.intervalS must be a number >= 0, got ${o.intervalS}`);
  for (const key of ['batchSize', 'flushAfterMs', 'maxQueued'] as const) {
    if (!(o[key] >= 1 && Number.isFinite(o[key]))) throw invalidOptions('cmcd', `events.${key} must be a number >= 1, got ${o[key]}`);
  }
  if (o.token !== undefined && typeof o.token !== 'string') throw invalidOptions('cmcd', 'events.token must be a string');
  return o;
}

export const CMCD_DEFAULTS = Object.freeze({ rtpFactor: 2 });

/** CMCD object types abrkit's adapters request. */
export type CmcdObjectType = 'v' | 'a' | 'av' | 'i' | 'm' | 'k' | 'c' | 'o';

/** One request as the adapter sees it, in abrkit's units. */
export interface CmcdRequestState {
  readonly objectType: CmcdObjectType;
  /** Encoded bitrate of the requested rendition (peak when the manifest has both), bit/s. */
  readonly bitrateBps?: number;
  /** Buffer ahead of the playhead for this media type, s. */
  readonly bufferS?: number;
  /** abrkit's throughput estimate, bit/s (null before the first sample). */
  readonly throughputBps?: number | null;
  /** The next object's path relative to this request's URL. */
  readonly nextObject?: string;
  /** Urgently needed: start-up, a seek, or recovery from an empty buffer. */
  readonly startup?: boolean;
  /** The page is hidden (`document.visibilityState === 'hidden'`). */
  readonly backgrounded?: boolean;
}

/** Validates `cmcd` as the adapters take it (`true` for the defaults). */
export function resolveCmcdOptions(cmcd: boolean | CmcdOptions | undefined): Required<Pick<CmcdOptions, 'rtpFactor'>> & CmcdOptions | null {
  if (cmcd === undefined || cmcd === false) return null;
  if (cmcd !== true && (typeof cmcd !== 'object' || cmcd === null)) throw invalidOptions('adapter', 'cmcd must be a boolean or an options object');
  const o = { ...CMCD_DEFAULTS, ...(cmcd === true ? {} : cmcd) };
  if (o.requests !== undefined && typeof o.requests !== 'boolean') throw invalidOptions('cmcd', 'requests must be a boolean');
  if (!(o.rtpFactor >= 0 && Number.isFinite(o.rtpFactor))) throw invalidOptions('cmcd', `rtpFactor must be a number >= 0, got ${o.rtpFactor}`);
  for (const key of ['sessionId', 'contentId'] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== 'string' || value.length > 64)) throw invalidOptions('cmcd', `${key} must be a string of at most 64 characters (CTA-5004)`);
  }
  return o;
}

/** Rounded to the nearest multiple of `step`, as CTA-5004 asks of `bl` (100 ms) and `mtp`/`rtp` (100 kbps). */
export function nearest(value: number, step: number): number {
  return Math.round(value / step) * step;
}

/** An sf-string: quoted, with `"` and `\` escaped (RFC 8941); other characters outside printable ASCII are dropped. */
export function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The CMCD dictionary for one request: keys in alphabetical order, as CTA-5004 asks of query mode,
 * v2 inner lists for `br`, `bl`, `mtp` and `nor`, booleans as bare keys, `v=2`.
 */
export function encodeCmcdRequest(state: CmcdRequestState, options: CmcdOptions = {}): string {
  const rtpFactor = options.rtpFactor ?? CMCD_DEFAULTS.rtpFactor;
  const fields: [string, string | true][] = [];
  if (state.backgrounded) fields.push(['bg', true]);
  if (state.bufferS !== undefined && state.bufferS >= 0 && Number.isFinite(state.bufferS)) fields.push(['bl', `(${nearest(state.bufferS * 1000, 100)})`]);
  const brKbps = state.bitrateBps !== undefined && state.bitrateBps > 0 ? Math.round(state.bitrateBps / 1000) : null;
  if (brKbps !== null) fields.push(['br', `(${brKbps})`]);
  if (options.contentId !== undefined) fields.push(['cid', sfString(options.contentId)]);
  if (state.throughputBps != null && state.throughputBps > 0 && Number.isFinite(state.throughputBps)) fields.push(['mtp', `(${nearest(state.throughputBps / 1000, 100)})`]);
  if (state.nextObject) fields.push(['nor', `(${sfString(state.nextObject)})`]);
  fields.push(['ot', state.objectType]);
  if (brKbps !== null && rtpFactor > 0) fields.push(['rtp', String(Math.max(100, nearest(brKbps * rtpFactor, 100)))]);
  if (options.sessionId !== undefined) fields.push(['sid', sfString(options.sessionId)]);
  if (state.startup) fields.push(['su', true]);
  fields.push(['v', '2']);
  return formatCmcdDictionary(fields);
}

/** A CMCD dictionary from encoded fields: keys in alphabetical order, booleans (true) as bare keys. */
export function formatCmcdDictionary(fields: [string, string | true][]): string {
  fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return fields.map(([key, value]) => (value === true ? key : `${key}=${value}`)).join(',');
}

/** The URL with `CMCD=<dictionary>` added to its query (any `CMCD` already there is replaced). */
export function appendCmcdQuery(url: string, dictionary: string): string {
  const hashAt = url.indexOf('#');
  const hash = hashAt >= 0 ? url.slice(hashAt) : '';
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = base.indexOf('?');
  const path = queryAt >= 0 ? base.slice(0, queryAt) : base;
  const params = queryAt >= 0 ? base.slice(queryAt + 1).split('&').filter((p) => p !== '' && !p.startsWith('CMCD=')) : [];
  params.push(`CMCD=${encodeURIComponent(dictionary)}`);
  return `${path}?${params.join('&')}${hash}`;
}

/** `target` relative to `from` (both absolute or both root-relative): a sibling's file name, else its path. */
export function relativePath(from: string, target: string): string {
  const strip = (u: string) => u.split(/[?#]/)[0]!;
  const fromPath = strip(from);
  const dir = fromPath.slice(0, fromPath.lastIndexOf('/') + 1);
  return target.startsWith(dir) ? target.slice(dir.length) : target;
}

/** The page's visibility, for `bg`; false where there is no document. */
export function pageHidden(): boolean {
  return (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden';
}
