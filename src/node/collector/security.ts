/**
 * The collector's gatekeepers, checked before a body is read: the CORS allow-list of origins, a
 * per-client rate limit (token bucket, 429 with Retry-After) and the ingest token (401).
 */
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { invalidOptions } from '../../core/errors.js';

import { TOKEN_QUERY_PARAM } from '../../telemetry/upload.js';

export interface RateLimit {
  /** Sustained requests per second per client. */
  readonly requestsPerS: number;
  /** Requests a client may make at once after being idle. */
  readonly burst: number;
}

export interface RateLimiter {
  /** Takes one request from the client's bucket: 0 if allowed, else the seconds to wait before the next one will be. */
  take(client: string): number;
  /** Clients tracked now (idle full buckets are forgotten). */
  size(): number;
}

/** Beyond this many tracked clients, full (idle) buckets are dropped first; memory stays bounded under a spray of addresses. */
const MAX_TRACKED_CLIENTS = 100_000;

/** A token bucket per client key, on an injected clock (ms). */
export function createRateLimiter(limit: RateLimit, nowMs: () => number): RateLimiter {
  if (!(limit.requestsPerS > 0) || !(Number.isInteger(limit.burst) && limit.burst >= 1)) throw invalidOptions('collector', 'rate limit needs requestsPerS > 0 and an integer burst >= 1');
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const refill = (bucket: { tokens: number; atMs: number }, now: number) => {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * limit.requestsPerS);
    bucket.atMs = now;
  };
  return {
    take(client) {
      const now = nowMs();
      let bucket = buckets.get(client);
      if (!bucket) {
        if (buckets.size >= MAX_TRACKED_CLIENTS) {
          for (const [key, b] of buckets) {
            refill(b, now);
            if (b.tokens >= limit.burst) buckets.delete(key);
          }
        }
        bucket = { tokens: limit.burst, atMs: now };
        buckets.set(client, bucket);
      }
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return (1 - bucket.tokens) / limit.requestsPerS;
    },
    size: () => buckets.size,
  };
}

/** Tokens from a file: one per line, blank lines and `#` comments ignored (several lines: rotation). */
export function readTokenFile(path: string): string[] {
  const tokens = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (tokens.length === 0) throw invalidOptions('collector', `token file ${path} holds no token`);
  return tokens;
}

/** Tokens are compared in constant time, so the answer's timing does not reveal a prefix. */
export function tokenMatches(given: string | null, tokens: readonly string[]): boolean {
  if (given === null) return false;
  const a = Buffer.from(given, 'utf8');
  let ok = false;
  for (const token of tokens) {
    const b = Buffer.from(token, 'utf8');
    if (a.length === b.length && timingSafeEqual(a, b)) ok = true;
  }
  return ok;
}

/** `Authorization: Bearer <token>`, else `?token=`. */
export function requestToken(authorization: string | undefined, url: URL): string | null {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : url.searchParams.get(TOKEN_QUERY_PARAM);
}

/**
 * The origin check. `allowed` null: any origin (`*`, the collector's default). Otherwise a request
 * carrying an Origin not in the list is refused (403), and a listed one is echoed back.
 */
export function corsOrigin(origin: string | undefined, allowed: readonly string[] | null): { allow: boolean; header: string | null } {
  if (allowed === null) return { allow: true, header: '*' };
  if (origin === undefined) return { allow: true, header: null }; // not a browser's cross-origin request
  return allowed.includes(origin) ? { allow: true, header: origin } : { allow: false, header: null };
}

/** `https://a.example,https://b.example` -> origins, each checked to be scheme://host[:port]. */
export function parseOrigins(list: string): string[] {
  const origins = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw invalidOptions('collector', `allowed origin '${origin}' is not a URL`);
    }
    if (parsed.origin !== origin) throw invalidOptions('collector', `allowed origin '${origin}' must be scheme://host[:port] with no path (did you mean '${parsed.origin}'?)`);
  }
  if (origins.length === 0) throw invalidOptions('collector', 'the allowed-origin list is empty');
  return origins;
}
