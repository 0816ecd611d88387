/**
 * Reads what a manifest points at, from local files (`file:` URLs) or over HTTP(S), with a bounded
 * number of requests in flight, and turns failures into typed errors: `manifest-not-found` (404,
 * 410, no such file), `unreachable-origin` (refused, DNS, timeout), `origin-http-error` (any other
 * HTTP error), `segment-size-unknown` (a segment's size cannot be learnt).
 */
import { readFile, stat, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AbrkitError } from '../../core/errors.js';
import type { ByteRange } from './types.js';

export interface LoaderOptions {
  /** Per request, connect to last byte. Default 10 s. */
  readonly timeoutMs?: number;
  /** Requests in flight at once (HEAD for sizes, playlists). Default 8. */
  readonly concurrency?: number;
}

export const LOADER_DEFAULTS = Object.freeze({ timeoutMs: 10_000, concurrency: 8 });

export interface Loader {
  /** A manifest or playlist's text, and its URL after redirects (the base for relative URIs). */
  text(url: string): Promise<{ text: string; url: string }>;
  /** Bytes of a range of a resource (a sidx). */
  bytes(url: string, range: ByteRange): Promise<Uint8Array>;
  /** A whole resource's size in bytes: file size, HEAD Content-Length, or a 1-byte GET's Content-Range. */
  size(url: string): Promise<number>;
}

/** A local path, `file:` URL or `http(s):` URL, as an absolute URL. */
export function sourceUrl(src: string): string {
  if (/^https?:\/\//i.test(src) || /^file:/i.test(src)) return new URL(src).href;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) throw new AbrkitError('invalid-options', `${src}: only local files and http(s) URLs can be read`);
  return pathToFileURL(resolve(src)).href;
}

/** Node's error codes for an origin that cannot be reached at all. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (e.name === 'TimeoutError') return 'ETIMEDOUT';
  }
  return undefined;
}

/** Runs at most `n` of the given tasks at once. */
export function createLimiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>) => {
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function createLoader(options: LoaderOptions = {}): Loader {
  const { timeoutMs, concurrency } = { ...LOADER_DEFAULTS, ...options };
  if (!(timeoutMs > 0) || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new AbrkitError('invalid-options', `inspectStream: timeoutMs must be > 0 and concurrency a whole number >= 1 (got ${timeoutMs}, ${concurrency})`);
  }
  const limit = createLimiter(concurrency);

  /** A failed connection or a body cut off, as `unreachable-origin`. */
  const unreachable = (error: unknown, url: string, what: string): unknown => {
    const code = errorCode(error);
    if (code !== undefined && !UNREACHABLE_CODES.has(code) && !code.startsWith('UND_ERR')) return error;
    const why = code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : (code ?? (error instanceof Error ? error.message : String(error)));
    return new AbrkitError('unreachable-origin', `${what} ${url}: cannot reach ${new URL(url).origin} (${why}); check the URL, that the server is up and that this machine can reach it`, { cause: error });
  };

  const request = (url: string, init: RequestInit, what: string) =>
    limit(async () => {
      try {
        return await fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw unreachable(error, url, what);
      }
    });

  /** Reads a body; a timeout or reset on the way is the origin's failure too. */
  const body = async <T>(read: () => Promise<T>, url: string, what: string): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      throw unreachable(error, url, what);
    }
  };

  const httpFailure = (response: Response, url: string, what: string, notFound: 'manifest-not-found' | 'segment-size-unknown') => {
    if (response.status === 404 || response.status === 410) {
      return new AbrkitError(notFound, `${what} ${url}: HTTP ${response.status} not found; check the URL (a media playlist or segment the manifest names is missing on the origin)`);
    }
    return new AbrkitError('origin-http-error', `${what} ${url}: the origin answered HTTP ${response.status} ${response.statusText}; check access rights (403) or the server (5xx)`);
  };

  const localPath = (url: string) => fileURLToPath(url);
  const missing = (error: unknown, url: string, what: string, code: 'manifest-not-found' | 'segment-size-unknown') => {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EISDIR') {
      return new AbrkitError(code, `${what} ${localPath(url)}: no such file; check the path (relative URIs are resolved against the manifest's folder)`, { cause: error });
    }
    return error;
  };

  return {
    async text(url) {
      if (url.startsWith('file:')) {
        try {
          return { text: await limit(() => readFile(localPath(url), 'utf8')), url };
        } catch (error) {
          throw missing(error, url, 'manifest', 'manifest-not-found');
        }
      }
      const response = await request(url, {}, 'manifest');
      if (!response.ok) {
        await response.body?.cancel();
        throw httpFailure(response, url, 'manifest', 'manifest-not-found');
      }
      return { text: await body(() => response.text(), url, 'manifest'), url: response.url || url };
    },

    async bytes(url, range) {
      const last = range.offset + range.length - 1;
      if (url.startsWith('file:')) {
        return limit(async () => {
          let handle;
          try {
            handle = await open(localPath(url), 'r');
          } catch (error) {
            throw missing(error, url, 'media file', 'segment-size-unknown');
          }
          try {
            const buffer = new Uint8Array(range.length);
            const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset);
            return buffer.subarray(0, bytesRead);
          } finally {
            await handle.close();
          }
        });
      }
      const response = await request(url, { headers: { range: `bytes=${range.offset}-${last}` } }, 'media file');
      if (!response.ok) {
        await response.body?.cancel();
        throw httpFailure(response, url, 'media file', 'segment-size-unknown');
      }
      const bytes = new Uint8Array(await body(() => response.arrayBuffer(), url, 'media file'));
      // A server that ignores Range sends the whole file (200): cut the range out of it.
      return response.status === 206 ? bytes : bytes.subarray(range.offset, last + 1);
    },

    async size(url) {
      if (url.startsWith('file:')) {
        try {
          return (await limit(() => stat(localPath(url)))).size;
        } catch (error) {
          throw missing(error, url, 'segment', 'segment-size-unknown');
        }
      }
      const head = await request(url, { method: 'HEAD' }, 'segment');
      const length = Number(head.headers.get('content-length') ?? NaN);
      if (head.ok && length >= 0 && head.headers.get('content-length') !== null) return length;
      if (head.status === 404 || head.status === 410) throw httpFailure(head, url, 'segment', 'segment-size-unknown');
      // No HEAD (405/501) or no Content-Length: ask for one byte and read the total from Content-Range.
      const probe = await request(url, { headers: { range: 'bytes=0-0' } }, 'segment');
      await probe.body?.cancel();
      const total = /\/(\d+)\s*$/.exec(probe.headers.get('content-range') ?? '');
      if (probe.status === 206 && total) return Number(total[1]);
      if (!probe.ok) throw httpFailure(probe, url, 'segment', 'segment-size-unknown');
      throw new AbrkitError('segment-size-unknown', `segment ${url}: the origin gives no Content-Length (HEAD) and no Content-Range (GET bytes=0-0); list byte ranges in the manifest, or serve the segments from a server that reports sizes`);
    },
  };
}
