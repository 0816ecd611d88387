/**
 * The harness's loopback HTTP server: media through one trace-shaped link (RTT, faults, live
 * playlists), the page unshaped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Trace } from '../../sim/trace.js';
import { isMediaPlaylist, livePlaylist, type LiveWindowOptions } from './live-playlist.js';
import { folderStore, OriginUnreachable, type MediaStore } from './media-store.js';
import { llHlsPlaylist, llHlsResource, partsNeeded, publishedParts, publishTimeS, type LlHlsStream } from './ll-hls.js';
import { availabilityStartMs, LL_DASH_TIME_PATH, llDashMpd, llDashSegment } from './ll-dash.js';

/** A fault injected into matching media-segment requests. */
export interface FaultSpec {
  readonly kind: '5xx' | 'truncate' | 'stall';
  /** Segment numbers (as in the file name, 0-based for HLS `segNNN`, 1-based for DASH `seg-R-NNN`) hit. */
  readonly segments: readonly number[];
  /** Only the first this-many requests for a segment number fail (any rung or track), so retries can succeed. Default 1. */
  readonly timesPerSegment?: number;
  /** Stall: how long the connection hangs after half the body (then the socket is closed). Default 20 s. */
  readonly stallMs?: number;
}

export interface RequestLogEntry {
  readonly path: string;
  readonly startMs: number;
  endMs: number;
  bytesSent: number;
  readonly bytesTotal: number;
  /** completed: all bytes sent; aborted: the client went away first; faulted: we broke it on purpose. */
  outcome: 'pending' | 'completed' | 'aborted' | 'faulted';
  readonly status: number;
  /** The fault armed on this response, if any (it took effect unless the client gave up first). */
  readonly fault: FaultSpec['kind'] | null;
}

export interface ShapingOptions {
  readonly trace: Trace;
  /** Round-trip time added before each response's first byte (default: the trace's, else 40 ms). */
  readonly rttMs?: number;
  readonly faults?: readonly FaultSpec[];
  /** Serve the HLS media playlists as a live stream (a sliding window published in real time). */
  readonly live?: Omit<LiveWindowOptions, 'elapsedS'>;
  /**
   * Serve this LL-HLS stream under `/media/ll-hls/`, published in real time from session start;
   * playlist requests with `_HLS_msn`/`_HLS_part` and requests for parts not yet out block until
   * they are published (at most `LL_HLS_MAX_BLOCK_S`).
   */
  readonly llHls?: LlHlsStream;
  /**
   * Serve this stream's parts as low-latency DASH under `/media/ll-dash/` (see ll-dash.ts), on the
   * same publication schedule: the segment still being produced is sent with chunked transfer
   * encoding, each part's bytes as it is published; the response ends when the segment is complete.
   */
  readonly llDash?: LlHlsStream;
  /** The `--target-latency` the LL-DASH ServiceDescription carries (default 3 s). */
  readonly targetLatencyS?: number;
}

export interface HarnessServer {
  readonly origin: string;
  /** Starts a new session: trace time 0 is now, logs and fault counters cleared. */
  startSession(options: ShapingOptions): void;
  readonly log: readonly RequestLogEntry[];
  close(): Promise<void>;
}

/** Scheduler tick of the shaped link: 10 ms keeps per-tick bursts below 6 kB at 4.3 Mbps. */
const TICK_MS = 10;
const DEFAULT_RTT_MS = 40;
const DEFAULT_STALL_MS = 20_000;
/** A blocking request waits at most this long (RFC 8216bis: a server should answer within 3 target durations). */
export const LL_HLS_MAX_BLOCK_S = 6;
/** Links below this are treated as this (a trace's 0 Mbps gaps would otherwise hang a session for ever). */
const MIN_MBPS = 0.05;

const MIME: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
};

/** The Content-Type served for a file extension (`.m3u8`, `.js`, ...). */
export function contentType(extension: string): string {
  return MIME[extension] ?? 'application/octet-stream';
}

interface Transfer {
  readonly res: ServerResponse;
  readonly body: Buffer;
  offset: number;
  /** Stop sending at this byte (truncate / stall faults). */
  readonly limit: number;
  /** A body still being produced: the bytes out so far (the transfer idles at it until more are). */
  readonly available?: () => number;
  readonly entry: RequestLogEntry;
  readonly fault: FaultSpec['kind'] | null;
  stalledUntilMs: number;
}

/**
 * Loopback HTTP server for the browser harness. `/media/...` is served from `mediaDir` through one
 * shaped link: every tick the trace's capacity for that interval is shared equally by all responses
 * in flight, after an RTT before the first byte. `/app/...` (the test page) is served unshaped.
 * Every response carries COOP/COEP so the page is cross-origin isolated (fine-grained `performance.now`).
 */
export async function startHarnessServer(options: { mediaDir?: string; media?: MediaStore; appFiles: ReadonlyMap<string, Buffer | string> }): Promise<HarnessServer> {
  const { appFiles } = options;
  const store = options.media ?? (options.mediaDir !== undefined ? folderStore(options.mediaDir) : null);
  if (!store) throw new TypeError('startHarnessServer: give mediaDir or media');
  let shaping: ShapingOptions | null = null;
  let sessionStartMs = Date.now();
  let log: RequestLogEntry[] = [];
  let faultCounts = new Map<string, number>();
  const active = new Set<Transfer>();
  let carryBytes = 0;

  /** Bandwidth at a session time; the trace loops. Sample k covers (timesS[k-1], timesS[k]] (Pensieve's convention). */
  const mbpsAt = (elapsedS: number): number => {
    const trace = shaping?.trace;
    if (!trace || trace.timesS.length < 2) return 1000;
    const { timesS, mbps } = trace;
    const span = timesS[timesS.length - 1]! - timesS[0]!;
    const t = timesS[0]! + (span > 0 ? elapsedS % span : 0);
    let low = 1;
    let high = timesS.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (timesS[mid]! >= t) high = mid;
      else low = mid + 1;
    }
    return Math.max(MIN_MBPS, mbps[low]!);
  };

  const timer = setInterval(() => {
    const now = Date.now();
    const ready = [...active].filter((x) => x.stalledUntilMs <= now && x.offset < sendable(x) && !x.res.writableNeedDrain);
    if (ready.length === 0) {
      carryBytes = 0;
      return;
    }
    let budget = (mbpsAt((now - sessionStartMs) / 1000) * 1e6 * TICK_MS) / 8000 + carryBytes;
    carryBytes = 0;
    // Equal shares; what a nearly finished response leaves goes to the others in the same tick.
    let pending = ready;
    while (budget >= 1 && pending.length > 0) {
      const share = Math.max(1, Math.floor(budget / pending.length));
      const next: Transfer[] = [];
      for (const transfer of pending) {
        const n = Math.min(share, sendable(transfer) - transfer.offset, Math.floor(budget));
        if (n <= 0) continue;
        transfer.res.write(transfer.body.subarray(transfer.offset, transfer.offset + n));
        transfer.offset += n;
        transfer.entry.bytesSent = transfer.offset;
        budget -= n;
        if (transfer.offset < sendable(transfer)) next.push(transfer);
        else if (transfer.offset >= transfer.limit) finish(transfer);
      }
      // Nobody finished: everyone had a full share and what is left is less than a byte each.
      if (next.length === pending.length) break;
      pending = next;
    }
    carryBytes = Math.min(budget, 64 * 1024);
  }, TICK_MS);
  timer.unref();

  /** Where a transfer may send up to now: its limit, or less while its body is still being produced. */
  function sendable(transfer: Transfer): number {
    return transfer.available ? Math.min(transfer.limit, transfer.available()) : transfer.limit;
  }

  function finish(transfer: Transfer): void {
    active.delete(transfer);
    transfer.entry.endMs = Date.now() - sessionStartMs;
    if (transfer.fault === null) {
      transfer.entry.outcome = 'completed';
      transfer.res.end();
      return;
    }
    transfer.entry.outcome = 'faulted';
    if (transfer.fault === 'truncate') {
      transfer.res.socket?.destroy();
    } else {
      // Stall: hold the connection open with nothing flowing, then drop it.
      const stallMs = findFault(transfer.entry.path)?.stallMs ?? DEFAULT_STALL_MS;
      setTimeout(() => transfer.res.socket?.destroy(), stallMs).unref();
    }
  }

  function findFault(path: string): FaultSpec | undefined {
    const n = segmentNumber(path);
    return n === null ? undefined : shaping?.faults?.find((f) => f.segments.includes(n));
  }


  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (path.startsWith('/app/')) {
      const body = appFiles.get(path.slice('/app/'.length));
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': contentType(extname(path)) }).end(body);
      return;
    }
    if (!path.startsWith('/media/')) return void res.writeHead(404).end();
    let body: Buffer | null = null;
    let originType: string | undefined;
    let upstreamFailed = false;
    /** A segment still being produced: the bytes out at a moment (chunked transfer, no Content-Length). */
    let available: (() => number) | undefined;
    const llHls = shaping?.llHls;
    const llDash = shaping?.llDash;
    if (llHls && path.startsWith('/media/ll-hls/')) {
      body = await readLlHls(llHls, path.slice('/media/ll-hls/'.length), url.searchParams);
    } else if (llDash && path.startsWith('/media/ll-dash/')) {
      const read = await readLlDash(llDash, path.slice('/media/ll-dash/'.length), req.headers.range === undefined);
      body = read?.body ?? null;
      available = read?.available;
    } else {
      try {
        const resource = await store!.read(path.slice('/media/'.length) + url.search);
        body = resource?.body ?? null;
        originType = resource?.contentType;
      } catch (error) {
        if (!(error instanceof OriginUnreachable)) throw error;
        upstreamFailed = true;
      }
    }
    const parsed = body === null ? null : parseRange(req.headers.range, body.length);
    if (body !== null && parsed === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const range = parsed === 'unsatisfiable' ? null : parsed;
    const total = body?.length ?? 0;
    if (body !== null && range) body = body.subarray(range.start, range.end + 1);
    const startMs = Date.now() - sessionStartMs;
    if (body !== null && shaping?.live && path.endsWith('.m3u8')) {
      const text = body.toString('utf8');
      if (isMediaPlaylist(text)) body = Buffer.from(livePlaylist(text, { ...shaping.live, elapsedS: startMs / 1000 }));
    }
    const fault = findFault(path);
    let faultKind: FaultSpec['kind'] | null = null;
    if (fault) {
      // Per segment number, whatever the rung or track: a retry at another rung must be able to succeed.
      const key = `${fault.kind}:${segmentNumber(path)}`;
      const count = faultCounts.get(key) ?? 0;
      if (count < (fault.timesPerSegment ?? 1)) {
        faultCounts.set(key, count + 1);
        faultKind = fault.kind;
      }
    }
    const entry: RequestLogEntry = {
      path,
      startMs,
      endMs: startMs,
      bytesSent: 0,
      bytesTotal: body?.length ?? 0,
      outcome: 'pending',
      status: upstreamFailed ? 502 : body === null ? 404 : faultKind === '5xx' ? 503 : range ? 206 : 200,
      fault: body === null ? null : faultKind,
    };
    log.push(entry);
    const rttMs = shaping?.rttMs ?? shaping?.trace.rttMs?.[0] ?? DEFAULT_RTT_MS;
    await new Promise((resolve) => setTimeout(resolve, rttMs));
    if (body === null || faultKind === '5xx') {
      entry.outcome = faultKind === '5xx' ? 'faulted' : 'completed';
      entry.endMs = Date.now() - sessionStartMs;
      res.writeHead(entry.status, { 'Content-Type': 'text/plain' }).end(faultKind === '5xx' ? 'injected fault' : upstreamFailed ? 'origin unreachable' : 'not found');
      return;
    }
    // The harness clock (LL-DASH UTCTiming), as of the moment it is sent.
    if (llDash && path === `/media/ll-dash/${LL_DASH_TIME_PATH}`) body = Buffer.from(new Date().toISOString());
    res.writeHead(entry.status, {
      'Content-Type': MIME[extname(path)] ?? originType ?? contentType(extname(path)),
      // Without Content-Length, node sends the body with chunked transfer encoding.
      ...(available ? {} : { 'Content-Length': String(body.length) }),
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${total}` } : {}),
      'Access-Control-Allow-Origin': '*',
    });
    const transfer: Transfer = {
      res,
      body,
      offset: 0,
      limit: faultKind === null ? body.length : Math.floor(body.length / 2),
      ...(available ? { available } : {}),
      entry,
      fault: faultKind,
      stalledUntilMs: 0,
    };
    if (body.length === 0) return finish(transfer);
    res.on('close', () => {
      if (active.delete(transfer)) {
        entry.outcome = 'aborted';
        entry.endMs = Date.now() - sessionStartMs;
      }
    });
    active.add(transfer);
  }

  /** An LL-HLS resource once published (waiting for it when a request blocks), null when it does not exist. */
  async function readLlHls(stream: LlHlsStream, relPath: string, query: URLSearchParams): Promise<Buffer | null> {
    const rendition = stream.renditions.values().next().value;
    const totalParts = rendition?.parts.length ?? 0;
    const session = shaping;
    const elapsedS = (): number => (Date.now() - sessionStartMs) / 1000;
    const waitFor = async (count: number): Promise<void> => {
      const waitS = Math.min(LL_HLS_MAX_BLOCK_S, publishTimeS(stream.timing, Math.min(count, totalParts)) - elapsedS());
      if (waitS > 0) await new Promise((resolve) => setTimeout(resolve, waitS * 1000 + 1));
    };
    if (relPath.endsWith('/index.m3u8')) {
      if (!stream.renditions.has(relPath.slice(0, -'/index.m3u8'.length))) return null;
      const msn = query.get('_HLS_msn');
      if (msn !== null && /^\d+$/.test(msn)) {
        const part = query.get('_HLS_part');
        await waitFor(partsNeeded(stream.timing, Number(msn), part !== null && /^\d+$/.test(part) ? Number(part) : null));
      }
      if (shaping !== session) return null;
      return Buffer.from(llHlsPlaylist(stream.timing, totalParts, publishedParts(stream.timing, totalParts, elapsedS())));
    }
    const resource = llHlsResource(stream, relPath);
    if (!resource) return null;
    await waitFor(resource.needsParts);
    if (shaping !== session || publishedParts(stream.timing, totalParts, elapsedS()) < resource.needsParts) return null;
    return resource.body();
  }

  /**
   * An LL-DASH resource: the MPD, the clock, an init segment, or a media segment. A segment whose
   * first part is not out yet waits for it (at most `LL_HLS_MAX_BLOCK_S`); one still being produced
   * comes with `available`, the bytes of its parts published so far (`growing` false: whole, once out).
   */
  async function readLlDash(stream: LlHlsStream, relPath: string, growing: boolean): Promise<{ body: Buffer; available?: () => number } | null> {
    const session = shaping;
    const totalParts = stream.renditions.values().next().value?.parts.length ?? 0;
    const elapsedS = (): number => (Date.now() - sessionStartMs) / 1000;
    const published = (): number => publishedParts(stream.timing, totalParts, elapsedS());
    if (relPath === 'manifest.mpd') {
      const timeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/media/ll-dash/${LL_DASH_TIME_PATH}`;
      return { body: Buffer.from(llDashMpd(stream, { availabilityStartMs: availabilityStartMs(stream, sessionStartMs), targetLatencyS: session?.targetLatencyS ?? 3, timeUrl })) };
    }
    // Filled in when sent (the clock as of then).
    if (relPath === LL_DASH_TIME_PATH) return { body: Buffer.alloc(0) };
    const match = /^([^/]+)\/init\.mp4$/.exec(relPath);
    if (match) {
      const rendition = stream.renditions.get(match[1]!);
      return rendition ? { body: rendition.init } : null;
    }
    const segment = llDashSegment(stream, relPath);
    if (!segment) return null;
    const lastPart = segment.firstPart + segment.partEnds.length;
    // Timers may fire a millisecond early on Date.now()'s scale: wait again until the part is out.
    const deadlineS = elapsedS() + LL_HLS_MAX_BLOCK_S;
    for (let waitS = publishTimeS(stream.timing, growing ? segment.firstPart + 1 : lastPart) - elapsedS(); waitS > 0 && elapsedS() < deadlineS; waitS = publishTimeS(stream.timing, growing ? segment.firstPart + 1 : lastPart) - elapsedS()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitS, deadlineS - elapsedS()) * 1000 + 1));
    }
    const out = published() - segment.firstPart;
    if (shaping !== session || out < 1 || (!growing && out < segment.partEnds.length)) return null;
    if (out >= segment.partEnds.length) return { body: segment.body };
    return { body: segment.body, available: () => (shaping === session ? segment.partEnds[Math.min(segment.partEnds.length, published() - segment.firstPart) - 1] ?? 0 : segment.body.length) };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    startSession(next) {
      shaping = next;
      sessionStartMs = Date.now();
      log = [];
      faultCounts = new Map();
    },
    get log() {
      return log;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const t of active) t.res.destroy();
        active.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A single `bytes=` range (`a-b`, `a-`, `-n`) against a body of `size` bytes; null when there is no
 * usable Range header (the whole body is sent), 'unsatisfiable' when it starts past the end.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (start >= size) return 'unsatisfiable';
  const end = match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]));
  return end < start ? null : { start, end };
}

/** Segment number from a media file name (`seg007.m4s`, `seg-3-008.m4s`); `null` for other files. */
export function segmentNumber(path: string): number | null {
  const match = /seg(?:-[^-/]+-)?(\d+)\.m4s$/.exec(path);
  return match ? Number(match[1]) : null;
}
