/**
 * A real HTTP server on 127.0.0.1 for the manifest tests: serves a folder (GET, HEAD, single byte
 * ranges), can make up bodies of a given size for files that are not there, can refuse HEAD or
 * hide Content-Length (as some origins do), and answers `/status/<code>/...` with that status.
 * It records every request so tests can check what was asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface FixtureServerOptions {
  /** Answer HEAD with 405 (default false). */
  readonly refuseHead?: boolean;
  /** Send bodies chunked, without Content-Length, and ignore Range (default false). */
  readonly hideLength?: boolean;
  /** A body of this many bytes for a path with no file (undefined: 404). */
  readonly madeUpSize?: (path: string) => number | undefined;
  /** Paths answered with a 302 to another path. */
  readonly redirects?: Readonly<Record<string, string>>;
  /** Hold each answer this long (default 0), so that requests overlap. */
  readonly delayMs?: number;
}

export interface FixtureServer {
  readonly origin: string;
  readonly requests: Array<{ method: string; path: string; range?: string }>;
  /** The most requests it has had open at once. */
  readonly mostInFlight: () => number;
  close(): Promise<void>;
}

export async function startFixtureServer(root: string, options: FixtureServerOptions = {}): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  let inFlight = 0;
  let most = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    most = Math.max(most, inFlight);
    res.once('close', () => inFlight--);
    const delayed = options.delayMs ? new Promise((wait) => setTimeout(wait, options.delayMs)) : Promise.resolve();
    void delayed
      .then(() => answer(req, res)).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ method: req.method ?? 'GET', path, ...(req.headers.range ? { range: req.headers.range } : {}) });
    const to = options.redirects?.[path];
    if (to !== undefined) {
      res.writeHead(302, { location: to });
      res.end();
      return;
    }
    const status = /^\/status\/(\d{3})\//.exec(path);
    if (status) {
      res.statusCode = Number(status[1]);
      res.end('no');
      return;
    }
    if (req.method === 'HEAD' && options.refuseHead) {
      res.statusCode = 405;
      res.end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(join(root, normalize(path)));
    } catch {
      const size = options.madeUpSize?.(path);
      if (size === undefined) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      body = Buffer.alloc(size);
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (options.hideLength) {
      res.setHeader('transfer-encoding', 'chunked');
      if (req.method === 'HEAD') res.end();
      else res.end(body);
      return;
    }
    if (range) {
      const first = Number(range[1]);
      const last = Math.min(Number(range[2]), body.length - 1);
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${first}-${last}/${body.length}`);
      body = body.subarray(first, last + 1);
    }
    res.setHeader('content-length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    mostInFlight: () => most,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
