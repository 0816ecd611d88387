/**
 * A minimal ClickHouse client over its HTTP interface (port 8123): statements, `INSERT ... FORMAT
 * JSONEachRow` with the rows as the body, and SELECTs streamed line by line. Works with 18.16 (the
 * Debian package) and current servers alike; errors become `storage-failed` with the server's text.
 */
import { AbrkitError, invalidOptions } from '../../core/errors.js';

export interface ClickHouseOptions {
  /** `http://127.0.0.1:8123` */
  readonly url: string;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
  /** Per request, ms. */
  readonly timeoutMs?: number;
}

export interface ClickHouseClient {
  readonly url: string;
  readonly database: string;
  /** Runs a statement (or a SELECT) and returns the whole answer. */
  exec(sql: string, settings?: Readonly<Record<string, string>>): Promise<string>;
  /** `INSERT INTO <table> FORMAT JSONEachRow` with one JSON object a line. */
  insertJsonEachRow(table: string, ndjson: string): Promise<void>;
  /** A SELECT's answer, one line at a time (use a line format: TSVRaw, JSONEachRow), without holding it all. */
  lines(sql: string): AsyncGenerator<string>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_TIMEOUT_MS = 30_000;

export function createClickHouseClient(options: ClickHouseOptions): ClickHouseClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw invalidOptions('clickhouse', `'${options.url}' is not a URL (expected e.g. http://127.0.0.1:8123)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw invalidOptions('clickhouse', `expected an http(s) URL, got ${base.protocol}`);
  if (!IDENTIFIER.test(options.database)) throw invalidOptions('clickhouse', `database '${options.database}' must be a plain identifier`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = {};
  if (options.user !== undefined) headers['X-ClickHouse-User'] = options.user;
  if (options.password !== undefined) headers['X-ClickHouse-Key'] = options.password;

  function endpoint(params: Record<string, string>): string {
    const url = new URL('/', base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  }

  async function post(params: Record<string, string>, body: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(endpoint(params), { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new AbrkitError('storage-failed', `clickhouse at ${base.origin}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`, { cause: error });
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).trim();
      throw new AbrkitError('storage-failed', `clickhouse answered ${response.status}: ${text.slice(0, 500)}`);
    }
    return response;
  }

  return {
    url: base.origin,
    database: options.database,
    async exec(sql, settings = {}) {
      return (await post({ database: options.database, ...settings }, sql)).text();
    },
    async insertJsonEachRow(table, ndjson) {
      if (!IDENTIFIER.test(table)) throw invalidOptions('clickhouse', `table '${table}' must be a plain identifier`);
      const response = await post({ database: options.database, query: `INSERT INTO ${table} FORMAT JSONEachRow` }, ndjson);
      await response.text();
    },
    async *lines(sql) {
      const response = await post({ database: options.database }, sql);
      if (!response.body) return;
      const decoder = new TextDecoder();
      let rest = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = parts.pop()!;
        yield* parts;
      }
      rest += decoder.decode();
      if (rest !== '') yield rest;
    },
  };
}

/** A string literal for ClickHouse SQL. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
