/**
 * Where the harness server's `/media/...` bytes come from: a local folder, or a user's origin
 * through a proxy. The proxy fetches each resource once (kept in memory, bounded) and rewrites
 * absolute URLs in playlists and MPDs to `/media/~abs/<scheme>/<host>[~port]/<path>`, so every request
 * the player makes, on any host, comes back through the same shaped link.
 */
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';

export interface MediaResource {
  readonly body: Buffer;
  /** The origin's Content-Type, when there was an origin. */
  readonly contentType?: string;
}

export interface MediaStore {
  /** `path` is relative to the stream's root, with its query string; null when there is no such resource. */
  read(path: string): Promise<MediaResource | null>;
  /** For logs and errors: the folder or origin. */
  readonly description: string;
}

/** Resources the folder store keeps in memory once read (segments are re-read across sessions). */
const FOLDER_CACHE_ENTRIES = 4000;

export function folderStore(dir: string): MediaStore {
  const root = normalize(dir);
  const cache = new Map<string, Buffer>();
  return {
    description: root,
    async read(path) {
      const clean = path.split('?')[0]!;
      const cached = cache.get(clean);
      if (cached) return { body: cached };
      const full = normalize(join(root, clean));
      if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
      try {
        const body = await readFile(full);
        if (cache.size < FOLDER_CACHE_ENTRIES) cache.set(clean, body);
        return { body };
      } catch {
        return null;
      }
    },
  };
}

/** The proxy keeps at most this much of the origin's content in memory (then fetches again). */
const PROXY_CACHE_BYTES = 1 << 30;
const ABSOLUTE_PREFIX = '~abs/';

/**
 * `/media/~abs/https/host~port/path?q` for an absolute URL. The port is joined with `~`, never `:`
 * (shaka's URI parser takes a colon in a path for a scheme and resolves the URL elsewhere).
 */
export function proxiedPath(url: URL): string {
  return `/media/${ABSOLUTE_PREFIX}${url.protocol.replace(':', '')}/${url.hostname}${url.port ? `~${url.port}` : ''}${url.pathname}${url.search}`;
}

/** The origin URL a store path stands for, relative to `base` unless it is a `~abs/` path. */
export function originUrl(path: string, base: URL): URL {
  if (path.startsWith(ABSOLUTE_PREFIX)) {
    const match = /^~abs\/(https?)\/([^/~]+)(?:~(\d+))?(\/.*)?$/.exec(path);
    if (match) return new URL(`${match[1]}://${match[2]}${match[3] ? `:${match[3]}` : ''}${match[4] ?? '/'}`);
  }
  return new URL(path, base);
}

const isAbsolute = (uri: string) => /^https?:\/\//i.test(uri);

/** Rewrites absolute URIs in an HLS playlist (URI lines and `URI="..."` attributes). */
export function rewriteHlsPlaylist(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed !== '' && !trimmed.startsWith('#')) return isAbsolute(trimmed) ? proxiedPath(new URL(trimmed)) : line;
      return line.replace(/URI="([^"]+)"/g, (whole, uri: string) => (isAbsolute(uri) ? `URI="${proxiedPath(new URL(uri))}"` : whole));
    })
    .join('\n');
}

/** Rewrites absolute URLs in an MPD: `<BaseURL>` contents and `media`/`initialization`/`sourceURL` attributes. */
export function rewriteMpd(text: string): string {
  return text
    .replace(/(<BaseURL[^>]*>)\s*(https?:\/\/[^<\s]+)\s*(<\/BaseURL>)/g, (_w, open: string, url: string, close: string) => `${open}${proxiedPath(new URL(url))}${close}`)
    .replace(/\b(media|initialization|sourceURL|index)="(https?:\/\/[^"]+)"/g, (_w, name: string, url: string) => `${name}="${proxiedPath(new URL(url))}"`);
}

/**
 * A store over a remote origin: `base` is the manifest's folder URL. Failures reach the player as
 * they would from a CDN (404 for a missing resource, 502 when the origin cannot be reached).
 */
export function proxyStore(base: URL, options: { timeoutMs?: number } = {}): MediaStore {
  const cache = new Map<string, MediaResource>();
  let cachedBytes = 0;
  const timeoutMs = options.timeoutMs ?? 20_000;
  return {
    description: base.href.replace(/\?.*$/, ''),
    async read(path) {
      const url = originUrl(path, base);
      const key = url.href;
      const hit = cache.get(key);
      if (hit) return hit;
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new OriginUnreachable(url, error);
      }
      if (!response.ok) return null;
      let body: Buffer = Buffer.from(await response.arrayBuffer());
      const contentType = response.headers.get('content-type') ?? undefined;
      const lower = url.pathname.toLowerCase();
      if (lower.endsWith('.m3u8') || contentType?.includes('mpegurl')) body = Buffer.from(rewriteHlsPlaylist(body.toString('utf8')));
      else if (lower.endsWith('.mpd') || contentType?.includes('dash+xml')) body = Buffer.from(rewriteMpd(body.toString('utf8')));
      const resource: MediaResource = contentType ? { body, contentType } : { body };
      if (cachedBytes + body.length <= PROXY_CACHE_BYTES) {
        cache.set(key, resource);
        cachedBytes += body.length;
      }
      return resource;
    },
  };
}

/** The proxy could not reach the origin (the server answers 502). */
export class OriginUnreachable extends Error {
  constructor(url: URL, cause: unknown) {
    super(`cannot reach ${url.origin}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'OriginUnreachable';
  }
}
