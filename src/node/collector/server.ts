/**
 * The reference telemetry collector: POST /v1/events (NDJSON batches), deduplicated by
 * Idempotency-Key, stored durably before 2xx, in NDJSON files or ClickHouse. Requests pass the
 * origin allow-list, the per-client rate limit and the ingest token before their body is read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { invalidOptions } from '../../core/errors.js';
import { checkTelemetryEvent } from '../../telemetry/schema.js';
import { IDEMPOTENCY_QUERY_PARAM } from '../../telemetry/upload.js';
import { BATCH_KEY_FIELD, BATCH_SIZE_FIELD } from './log-files.js';
import { openNdjsonSink } from './ndjson-sink.js';
import { openClickHouseSink } from './clickhouse-sink.js';
import type { ClickHouseOptions } from './clickhouse-http.js';
import type { EventSink, IncomingBatch, ParsedEvent } from './sink.js';
import { CMCD_PATH, CmcdProblem, createCmcdRoute } from './cmcd-route.js';
import { join } from 'node:path';
import { corsOrigin, createRateLimiter, requestToken, tokenMatches, type RateLimit } from './security.js';

export interface CollectorOptions {
  /** NDJSON files go here (the default sink); exactly one of `outDir` and `clickhouse`. */
  readonly outDir?: string;
  /** Store in ClickHouse instead (schema created on start). */
  readonly clickhouse?: ClickHouseOptions;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Larger request bodies are refused with 413. */
  readonly maxBodyBytes?: number;
  readonly maxEventsPerBatch?: number;
  /** A log file is closed and a new one started past this size. */
  readonly maxFileBytes?: number;
  /** Ingest tokens (any one is accepted; several allow rotation). Absent: no token needed. */
  readonly tokens?: readonly string[];
  /** Per-client rate limit; absent: none. */
  readonly rateLimit?: RateLimit;
  /**
   * Whose limit a request counts against: the socket's address (default), or with `'x-forwarded-for'`
   * the first address in that header (only behind a proxy that sets it: clients can forge it).
   */
  readonly clientKey?: 'address' | 'x-forwarded-for';
  /** Origins allowed by CORS (exact `scheme://host[:port]`); absent: any (`*`). */
  readonly allowedOrigins?: readonly string[];
  /** Events stored in one write at most (a group of concurrent batches). */
  readonly maxGroupEvents?: number;
  /** While this file exists every POST is answered 503: a fault switch for tests and drills. */
  readonly faultFile?: string;
  /** CMCD event-mode reports (`POST /v1/cmcd`) are appended here; default `<outDir>/cmcd.ndjson`, none with ClickHouse. */
  readonly cmcdFile?: string;
  /** Wall clock (epoch ms): rate limiting and receive times. */
  readonly nowMs?: () => number;
  readonly log?: (line: string) => void;
}

export const COLLECTOR_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  maxBodyBytes: 1_048_576,
  maxEventsPerBatch: 10_000,
  maxFileBytes: 64 * 1_048_576,
  maxGroupEvents: 50_000,
});

export interface CollectorStats {
  readonly sink: EventSink['kind'];
  readonly acceptedBatches: number;
  readonly acceptedEvents: number;
  readonly duplicateBatches: number;
  readonly rejectedRequests: number;
  readonly unauthorized: number;
  readonly rateLimited: number;
  readonly forbiddenOrigins: number;
  readonly faultResponses: number;
  /** Writes to the sink (each may hold several batches). */
  readonly writes: number;
  readonly storeFailures: number;
  /** Batches and events already on disk when the collector started (NDJSON only). */
  readonly recoveredBatches: number;
  readonly recoveredEvents: number;
  readonly truncatedBytes: number;
}

export interface Collector {
  readonly port: number;
  readonly url: string;
  stats(): CollectorStats;
  close(): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface Waiting {
  readonly batch: IncomingBatch;
  resolve(outcome: 'accepted' | 'duplicate'): void;
  reject(error: unknown): void;
}

/**
 * The reference collector: `POST /v1/events` with an NDJSON body and an Idempotency-Key (header,
 * or the `idempotencyKey` query parameter for sendBeacon). A batch is validated whole; batches that
 * arrive while a write is under way are stored together in the next one (group commit), and each
 * is answered 2xx only once stored. A key seen before is answered 200 `duplicate` and nothing is
 * written. Nothing that fails a check reaches the sink.
 */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const o = { ...COLLECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof COLLECTOR_DEFAULTS & CollectorOptions;
  if (!(Number.isInteger(o.port) && o.port >= 0 && o.port < 65_536)) throw invalidOptions('collector', `port must be 0..65535, got ${o.port}`);
  if ((o.outDir === undefined) === (o.clickhouse === undefined)) throw invalidOptions('collector', 'give exactly one of outDir (NDJSON files) and clickhouse');
  if (o.tokens !== undefined && (o.tokens.length === 0 || o.tokens.some((t) => t.length < 8))) throw invalidOptions('collector', 'tokens must be at least 8 characters each');
  const log = options.log ?? (() => {});
  const nowMs = options.nowMs ?? Date.now;
  const limiter = o.rateLimit ? createRateLimiter(o.rateLimit, nowMs) : null;
  let recovered = { batches: 0, events: 0, truncatedBytes: 0 };
  let sink: EventSink;
  if (o.outDir !== undefined) {
    const ndjson = openNdjsonSink({ outDir: o.outDir, maxFileBytes: o.maxFileBytes });
    recovered = ndjson.recovered;
    sink = ndjson;
    log(`recovered ${recovered.batches} batches (${recovered.events} events) from ${o.outDir}${recovered.truncatedBytes ? `, cut ${recovered.truncatedBytes} bytes of a torn batch` : ''}`);
  } else {
    sink = await openClickHouseSink(o.clickhouse!);
    log(`storing in ClickHouse ${o.clickhouse!.url}, database ${o.clickhouse!.database} (schema ready)`);
  }
  const cmcd = createCmcdRoute(o.cmcdFile ?? (o.outDir !== undefined ? join(o.outDir, 'cmcd.ndjson') : null));
  const stats = {
    sink: sink.kind,
    acceptedBatches: 0,
    acceptedEvents: 0,
    duplicateBatches: 0,
    rejectedRequests: 0,
    unauthorized: 0,
    rateLimited: 0,
    forbiddenOrigins: 0,
    faultResponses: 0,
    writes: 0,
    storeFailures: 0,
    recoveredBatches: recovered.batches,
    recoveredEvents: recovered.events,
    truncatedBytes: recovered.truncatedBytes,
  };

  let waiting: Waiting[] = [];
  let writing = false;
  /** Group commit: everything that queued up during the last write goes in the next one. */
  function kick(): void {
    if (writing || waiting.length === 0) return;
    writing = true;
    let events = 0;
    let take = 0;
    while (take < waiting.length && (take === 0 || events + waiting[take]!.batch.events.length <= o.maxGroupEvents)) events += waiting[take++]!.batch.events.length;
    const group = waiting.slice(0, take);
    waiting = waiting.slice(take);
    stats.writes++;
    sink
      .store(group.map((w) => w.batch))
      .then(
        (outcomes) => group.forEach((w, i) => w.resolve(outcomes[i]!)),
        (error: unknown) => {
          stats.storeFailures++;
          log(`store failed for ${group.length} batches: ${error instanceof Error ? error.message : String(error)}`);
          group.forEach((w) => w.reject(error));
        },
      )
      .finally(() => {
        writing = false;
        kick();
      });
  }

  function clientOf(request: IncomingMessage): string {
    if (o.clientKey === 'x-forwarded-for') {
      const forwarded = headerValue(request.headers['x-forwarded-for'])?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    return request.socket.remoteAddress ?? 'unknown';
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://collector');
    const cors = corsOrigin(headerValue(request.headers.origin) ?? undefined, o.allowedOrigins ?? null);
    if (cors.header !== null) response.setHeader('Access-Control-Allow-Origin', cors.header);
    if (cors.header !== null && cors.header !== '*') response.setHeader('Vary', 'Origin');
    if (!cors.allow) {
      stats.forbiddenOrigins++;
      throw new HttpProblem(403, 'origin-not-allowed', 'this origin may not send telemetry here');
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type, Idempotency-Key, Authorization',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    if (url.pathname === '/v1/health' && request.method === 'GET') {
      reply(response, 200, { ok: true, ...stats });
      return;
    }
    if (url.pathname !== '/v1/events' && url.pathname !== CMCD_PATH) throw new HttpProblem(404, 'not-found', `no route ${url.pathname}; POST /v1/events or ${CMCD_PATH}`);
    if (request.method !== 'POST') throw new HttpProblem(405, 'method-not-allowed', 'use POST');
    if (limiter) {
      const waitS = limiter.take(clientOf(request));
      if (waitS > 0) {
        stats.rateLimited++;
        throw new HttpProblem(429, 'rate-limited', 'too many requests from this client; retry after the Retry-After delay', { 'Retry-After': String(Math.max(1, Math.ceil(waitS))) });
      }
    }
    if (o.tokens && !tokenMatches(requestToken(headerValue(request.headers.authorization) ?? undefined, url), o.tokens)) {
      stats.unauthorized++;
      throw new HttpProblem(401, 'unauthorized', 'a valid ingest token is required (Authorization: Bearer <token>, or ?token=)', { 'WWW-Authenticate': 'Bearer' });
    }
    const body = await readBody(request, o.maxBodyBytes);
    if (options.faultFile && existsSync(options.faultFile)) {
      stats.faultResponses++;
      reply(response, 503, { error: 'fault-injected', message: 'the collector is in fault mode; retry later' });
      return;
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (url.pathname === CMCD_PATH) {
      await cmcd.handle(body, contentType, clientOf(request), nowMs()).catch((e: unknown) => {
        throw e instanceof CmcdProblem ? new HttpProblem(e.status, e.code, e.message) : e;
      });
      response.writeHead(204).end();
      return;
    }
    if (contentType !== 'application/x-ndjson') throw new HttpProblem(415, 'unsupported-media-type', `Content-Type must be application/x-ndjson, got '${contentType || '(none)'}'`);
    const key = headerValue(request.headers['idempotency-key']) ?? url.searchParams.get(IDEMPOTENCY_QUERY_PARAM);
    if (!key) throw new HttpProblem(400, 'missing-idempotency-key', `an Idempotency-Key header (or ?${IDEMPOTENCY_QUERY_PARAM}=) is required`);
    if (!KEY_PATTERN.test(key)) throw new HttpProblem(400, 'bad-idempotency-key', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 . _ : -');
    const events = parseBatch(body, o.maxEventsPerBatch);
    let outcome: 'accepted' | 'duplicate';
    try {
      outcome = await new Promise((resolve, reject) => {
        waiting.push({ batch: { key, events, receivedMs: nowMs() }, resolve, reject });
        kick();
      });
    } catch {
      throw new HttpProblem(503, 'store-unavailable', 'the collector could not store the batch; retry later', { 'Retry-After': '1' });
    }
    if (outcome === 'duplicate') {
      stats.duplicateBatches++;
      reply(response, 200, { status: 'duplicate', key });
      return;
    }
    stats.acceptedBatches++;
    stats.acceptedEvents += events.length;
    reply(response, 200, { status: 'accepted', key, events: events.length });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      stats.rejectedRequests++;
      if (error instanceof HttpProblem) {
        if (error.status === 413) response.setHeader('Connection', 'close');
        for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
        reply(response, error.status, { error: error.code, message: error.message });
      } else {
        log(`internal error: ${error instanceof Error ? error.stack : String(error)}`);
        reply(response, 500, { error: 'internal', message: 'the collector failed to store the batch; retry' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    port,
    url: `http://${o.host}:${port}/v1/events`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => Promise.all([sink.close(), cmcd.close()]).then(() => undefined)),
  };
}

/** Splits and checks a batch; throws a 400/422 naming the first bad line. */
export function parseBatch(body: Buffer, maxEvents: number): ParsedEvent[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpProblem(400, 'bad-encoding', 'the body is not valid UTF-8');
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const events: ParsedEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new HttpProblem(400, 'malformed-json', `line ${i + 1}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const problem = checkTelemetryEvent(value);
    if (problem !== null) throw new HttpProblem(422, 'invalid-event', `line ${i + 1}: ${problem}`);
    if (BATCH_KEY_FIELD in (value as object) || BATCH_SIZE_FIELD in (value as object)) {
      throw new HttpProblem(422, 'invalid-event', `line ${i + 1}: fields ${BATCH_KEY_FIELD} and ${BATCH_SIZE_FIELD} are reserved for the collector`);
    }
    events.push({ line: JSON.stringify(value), value: value as Record<string, unknown> });
    if (events.length > maxEvents) throw new HttpProblem(413, 'too-many-events', `a batch may hold at most ${maxEvents} events`);
  }
  if (events.length === 0) throw new HttpProblem(400, 'empty-batch', 'the batch holds no events');
  return events;
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(new HttpProblem(413, 'payload-too-large', `the body may be at most ${maxBytes} bytes, got ${declared}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new HttpProblem(413, 'payload-too-large', `the body may be at most ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    request.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks));
    });
    // The client went away mid-body (a page unloading, a killed tab): nothing is stored.
    request.on('close', () => {
      if (!ended && !failed) {
        failed = true;
        reject(new HttpProblem(400, 'incomplete-body', 'the request body ended early'));
      }
    });
    request.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function reply(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
