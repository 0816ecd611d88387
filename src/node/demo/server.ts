/**
 * The demo server: the page (src/pages/demo, built into dist/pages/demo by `npm run build`) and a
 * small control API on one loopback port, and the harness server (src/node/harness/server.ts) on
 * another, which serves the test
 * stream through one trace-shaped link. The page tells the API which trace to replay before each
 * session (`POST /api/session`), and asks it afterwards what the link carried (`GET /api/session/network`).
 *
 * Run it with `npm start` (scripts/demo.sh) or `abrkit demo [--port P] [--media DIR]`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { contentType, startHarnessServer, type HarnessServer } from '../harness/server.js';
import { DEFAULT_MEDIA_DIR, readStreamInfo, type StreamInfo } from '../harness/stream.js';
import { loadPage } from '../pages.js';
import { AbrkitError } from '../../core/errors.js';
import type { Trace } from '../../sim/trace.js';

/** Preferred port; if taken, the OS picks one. */
export const DEFAULT_DEMO_PORT = 8377;
/** An uploaded trace may not be larger than this (a day of 1 s samples is ~2 MB of JSON). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_TRACE_SAMPLES = 200_000;

export interface DemoServerOptions {
  readonly mediaDir?: string;
  /** 0 = any free port. Default DEFAULT_DEMO_PORT, falling back to any free port. */
  readonly port?: number;
}

export interface DemoServer {
  /** The page's URL. */
  readonly url: string;
  /** The media server's origin (trace-shaped). */
  readonly mediaOrigin: string;
  close(): Promise<void>;
}

/** What `GET /api/config` answers. */
export interface DemoConfig {
  readonly mediaOrigin: string;
  readonly stream: StreamInfo;
}

/** What `GET /api/session/network` answers: the media requests of the current session, as the link saw them. */
export interface DemoNetworkSummary {
  readonly requests: number;
  /** Bytes the link delivered for media segments (audio and video). */
  readonly bytes: number;
  /** Bytes of media requests that did not complete (abandoned or aborted by the player). */
  readonly wastedBytes: number;
  readonly abortedRequests: number;
}

/** Checks a trace posted by the page; throws `invalid-options` with a message the page shows. */
export function traceFromJson(value: unknown): Trace {
  const bad = (message: string) => new AbrkitError('invalid-options', message);
  if (typeof value !== 'object' || value === null) throw bad('body must be a JSON object');
  const { name, timesS, mbps, rttMs } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw bad('name must be a non-empty string (at most 200 characters)');
  if (!Array.isArray(timesS) || !Array.isArray(mbps)) throw bad('timesS and mbps must be arrays');
  if (timesS.length !== mbps.length) throw bad(`timesS has ${timesS.length} samples but mbps has ${mbps.length}`);
  if (timesS.length < 2 || timesS.length > MAX_TRACE_SAMPLES) throw bad(`a trace needs 2 to ${MAX_TRACE_SAMPLES} samples, got ${timesS.length}`);
  for (let k = 0; k < timesS.length; k++) {
    const t = timesS[k] as unknown;
    const m = mbps[k] as unknown;
    if (typeof t !== 'number' || !Number.isFinite(t)) throw bad(`timesS[${k}] is not a finite number`);
    if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) throw bad(`mbps[${k}] must be a finite number >= 0`);
    if (k > 0 && t <= (timesS[k - 1] as number)) throw bad(`timesS must increase (sample ${k})`);
  }
  if (rttMs !== undefined && (typeof rttMs !== 'number' || !(rttMs >= 0 && rttMs <= 10_000))) throw bad('rttMs must be a number in [0, 10000]');
  const trace: Trace = { name, timesS: Float64Array.from(timesS as number[]), mbps: Float64Array.from(mbps as number[]), shiftedByS: 0 };
  return rttMs === undefined ? trace : { ...trace, rttMs: Float64Array.from([rttMs as number]) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AbrkitError('invalid-options', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
}

async function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const mediaDir = options.mediaDir ?? DEFAULT_MEDIA_DIR;
  const stream = readStreamInfo(mediaDir);
  const files = loadPage('demo');
  const harness: HarnessServer = await startHarnessServer({ mediaDir, appFiles: new Map() });
  const config: DemoConfig = { mediaOrigin: harness.origin, stream };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files.get(path === '/' ? 'index.html' : path.slice(1));
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'Content-Type': contentType(extname(path === '/' ? 'index.html' : path)), 'Cache-Control': 'no-store' }).end(file);
      return;
    }
    if (req.method === 'GET' && path === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method === 'GET' && path === '/api/config') return sendJson(res, 200, config);
    if (req.method === 'POST' && path === '/api/session') {
      let trace: Trace;
      try {
        trace = traceFromJson(JSON.parse(await readBody(req)) as unknown);
      } catch (error) {
        const message = error instanceof AbrkitError ? error.message : `body is not JSON: ${error instanceof Error ? error.message : String(error)}`;
        return sendJson(res, 400, { error: message });
      }
      harness.startSession({ trace, ...(trace.rttMs ? { rttMs: trace.rttMs[0]! } : {}) });
      return sendJson(res, 200, { ok: true, samples: trace.timesS.length });
    }
    if (req.method === 'GET' && path === '/api/session/network') {
      const media = harness.log.filter((r) => r.path.endsWith('.m4s'));
      const wasted = media.filter((r) => r.outcome === 'aborted' || r.outcome === 'faulted');
      const summary: DemoNetworkSummary = {
        requests: media.length,
        bytes: media.reduce((sum, r) => sum + r.bytesSent, 0),
        wastedBytes: wasted.reduce((sum, r) => sum + r.bytesSent, 0),
        abortedRequests: wasted.length,
      };
      return sendJson(res, 200, summary);
    }
    sendJson(res, 404, { error: `no route ${req.method ?? ''} ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  let port: number;
  try {
    const wanted = options.port ?? DEFAULT_DEMO_PORT;
    port = await listen(server, wanted).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' && options.port === undefined) return listen(server, 0);
      throw error;
    });
  } catch (error) {
    await harness.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    mediaOrigin: harness.origin,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await harness.close();
    },
  };
}
