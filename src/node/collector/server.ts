/**
 * The reference telemetry collector: POST /v1/events (NDJSON batches), deduplicated by
 * Idempotency-Key, fsynced before 2xx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { invalidOptions } from '../../core/errors.js';
import { checkTelemetryEvent } from '../../telemetry/schema.js';
import { IDEMPOTENCY_QUERY_PARAM } from '../../telemetry/upload.js';
import { appendDurably, BATCH_KEY_FIELD, BATCH_SIZE_FIELD, logFileName, recoverLog, storedLines } from './log-files.js';

export interface CollectorOptions {
  readonly outDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Larger request bodies are refused with 413. */
  readonly maxBodyBytes?: number;
  readonly maxEventsPerBatch?: number;
  /** A log file is closed and a new one started past this size. */
  readonly maxFileBytes?: number;
  /** While this file exists every POST is answered 503: a fault switch for tests and drills. */
  readonly faultFile?: string;
  readonly log?: (line: string) => void;
}

export const COLLECTOR_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  maxBodyBytes: 1_048_576,
  maxEventsPerBatch: 10_000,
  maxFileBytes: 64 * 1_048_576,
});

export interface CollectorStats {
  readonly acceptedBatches: number;
  readonly acceptedEvents: number;
  readonly duplicateBatches: number;
  readonly rejectedRequests: number;
  readonly faultResponses: number;
  /** Batches and events already on disk when the collector started. */
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
  ) {
    super(message);
  }
}

/**
 * The reference collector: `POST /v1/events` with an NDJSON body and an Idempotency-Key (header,
 * or the `idempotencyKey` query parameter for sendBeacon). Requests are handled one at a time; a
 * batch is validated whole, appended, fsynced, and only then answered 2xx. A key seen before is
 * answered 200 `duplicate` and nothing is written.
 */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const o = { ...COLLECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<Omit<CollectorOptions, 'faultFile' | 'log'>> & CollectorOptions;
  if (!(Number.isInteger(o.port) && o.port >= 0 && o.port < 65_536)) throw invalidOptions('collector', `port must be 0..65535, got ${o.port}`);
  const log = options.log ?? (() => {});
  const recovered = recoverLog(o.outDir);
  const accepted = recovered.acceptedKeys;
  let fileIndex = recovered.fileIndex;
  let currentFile = recovered.currentFile;
  let currentBytes = recovered.currentFileBytes;
  if (!existsSync(currentFile)) {
    appendDurably(currentFile, '');
    fsyncDir(o.outDir);
  }
  log(`recovered ${accepted.size} batches (${recovered.events} events) from ${o.outDir}${recovered.truncatedBytes ? `, cut ${recovered.truncatedBytes} bytes of a torn batch` : ''}`);
  const stats = {
    acceptedBatches: 0,
    acceptedEvents: 0,
    duplicateBatches: 0,
    rejectedRequests: 0,
    faultResponses: 0,
    recoveredBatches: accepted.size,
    recoveredEvents: recovered.events,
    truncatedBytes: recovered.truncatedBytes,
  };
  let queue: Promise<void> = Promise.resolve();

  function store(key: string, lines: readonly string[]): void {
    const text = storedLines(key, lines);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (currentBytes > 0 && currentBytes + bytes > o.maxFileBytes) {
      fileIndex++;
      currentFile = join(o.outDir, logFileName(fileIndex));
      currentBytes = 0;
      appendDurably(currentFile, '');
      fsyncDir(o.outDir);
    }
    appendDurably(currentFile, text);
    currentBytes += bytes;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://collector');
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type, Idempotency-Key',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    if (url.pathname === '/v1/health' && request.method === 'GET') {
      reply(response, 200, { ok: true, ...stats });
      return;
    }
    if (url.pathname !== '/v1/events') throw new HttpProblem(404, 'not-found', `no route ${url.pathname}; POST /v1/events`);
    if (request.method !== 'POST') throw new HttpProblem(405, 'method-not-allowed', 'use POST');
    const body = await readBody(request, o.maxBodyBytes);
    if (options.faultFile && existsSync(options.faultFile)) {
      stats.faultResponses++;
      reply(response, 503, { error: 'fault-injected', message: 'the collector is in fault mode; retry later' });
      return;
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-ndjson') throw new HttpProblem(415, 'unsupported-media-type', `Content-Type must be application/x-ndjson, got '${contentType || '(none)'}'`);
    const key = headerValue(request.headers['idempotency-key']) ?? url.searchParams.get(IDEMPOTENCY_QUERY_PARAM);
    if (!key) throw new HttpProblem(400, 'missing-idempotency-key', `an Idempotency-Key header (or ?${IDEMPOTENCY_QUERY_PARAM}=) is required`);
    if (!KEY_PATTERN.test(key)) throw new HttpProblem(400, 'bad-idempotency-key', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 . _ : -');
    // Validation and the write happen in the queue, so a key is checked and stored atomically.
    await new Promise<void>((resolve, reject) => {
      queue = queue.then(() => {
        try {
          if (accepted.has(key)) {
            stats.duplicateBatches++;
            reply(response, 200, { status: 'duplicate', key });
            resolve();
            return;
          }
          const lines = parseBatch(body, o.maxEventsPerBatch);
          store(key, lines);
          accepted.add(key);
          stats.acceptedBatches++;
          stats.acceptedEvents += lines.length;
          reply(response, 200, { status: 'accepted', key, events: lines.length });
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      stats.rejectedRequests++;
      if (error instanceof HttpProblem) {
        if (error.status === 413) response.setHeader('Connection', 'close');
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
      }),
  };
}

/** Splits and checks a batch; throws a 400/422 naming the first bad line. */
export function parseBatch(body: Buffer, maxEvents: number): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpProblem(400, 'bad-encoding', 'the body is not valid UTF-8');
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const events: string[] = [];
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
    events.push(JSON.stringify(value));
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

/** Makes a new file's directory entry durable (POSIX needs the directory fsynced as well). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the file's own fsync is what they offer.
  }
}
