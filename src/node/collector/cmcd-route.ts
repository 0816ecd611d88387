/**
 * CMCD v2 event mode at the reference collector: `POST /v1/cmcd` with `Content-Type:
 * application/cmcd` and one CMCD dictionary per line (what `@svta/cml-cmcd`'s CmcdReporter and
 * hls.js 1.7 send), each report checked (an event type `e` and a timestamp `ts`, CTA-5004-B) and
 * appended as one JSON line to the CMCD log, fsynced before the 204. The server's token, CORS and
 * rate-limit checks apply as for telemetry; the route is its own module so the server holds one hook.
 */
import { open, type FileHandle } from 'node:fs/promises';

export const CMCD_PATH = '/v1/cmcd';
export const CMCD_CONTENT_TYPE = 'application/cmcd';
/** Reports in one post at most (a reporter batches a few; this bounds a bad client). */
const MAX_REPORTS = 1000;

/** A value of a CMCD dictionary, as decoded here. */
export type CmcdValue = number | string | boolean | readonly (number | string)[];

/** A request the route refuses; the server answers with its status and code. */
export class CmcdProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One CMCD dictionary (RFC 8941 Dictionary, the subset CMCD uses): bare keys are true, `?0`/`?1`
 * booleans, integers and decimals, sf-strings, tokens, and inner lists of those. Parameters (`;v`)
 * on inner-list items are dropped, keeping the values.
 */
export function parseCmcdDictionary(text: string): Record<string, CmcdValue> {
  const out: Record<string, CmcdValue> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new CmcdProblem(400, 'bad-cmcd', `not a CMCD dictionary at character ${i}: ${why}`);
  };
  const skipSpaces = () => {
    while (text[i] === ' ') i++;
  };
  const bareItem = (): number | string | boolean => {
    const c = text[i];
    if (c === '"') {
      let s = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        s += text[i++] ?? '';
      }
      if (text[i++] !== '"') fail('unterminated string');
      return s;
    }
    if (c === '?') {
      const v = text[i + 1];
      i += 2;
      return v === '1' ? true : v === '0' ? false : fail('bad boolean');
    }
    const m = /^-?\d+(\.\d+)?/.exec(text.slice(i)) ?? /^[A-Za-z*][A-Za-z0-9_:%*/.!#$&'+^`|~-]*/.exec(text.slice(i));
    if (!m) return fail('expected a value');
    i += m[0].length;
    return /^-?\d/.test(m[0]) ? Number(m[0]) : m[0];
  };
  const skipParams = () => {
    while (text[i] === ';') {
      i++;
      while (i < text.length && /[a-z0-9_.*-]/.test(text[i]!)) i++;
      if (text[i] === '=') {
        i++;
        bareItem();
      }
    }
  };
  while (i < text.length) {
    skipSpaces();
    const key = /^[a-z*][a-z0-9_.*-]*/.exec(text.slice(i))?.[0] ?? fail('expected a key');
    i += key.length;
    let value: CmcdValue = true;
    if (text[i] === '=') {
      i++;
      if (text[i] === '(') {
        i++;
        const items: (number | string)[] = [];
        while (text[i] !== ')') {
          skipSpaces();
          if (text[i] === ')') break;
          const item = bareItem();
          if (typeof item === 'boolean') fail('boolean in a list');
          items.push(item as number | string);
          skipParams();
          if (i >= text.length) fail('unterminated list');
        }
        i++;
        value = items;
      } else {
        value = bareItem();
      }
    }
    skipParams();
    out[key] = value;
    skipSpaces();
    if (i < text.length && text[i++] !== ',') fail('expected a comma');
  }
  return out;
}

/** The reports of one post; a 400 names the first bad line, a 422 the first report missing `e` or `ts`. */
export function parseCmcdReports(body: string): Record<string, CmcdValue>[] {
  const lines = body.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw new CmcdProblem(400, 'empty', 'no CMCD reports in the body');
  if (lines.length > MAX_REPORTS) throw new CmcdProblem(413, 'too-many-reports', `at most ${MAX_REPORTS} reports per post`);
  return lines.map((line, n) => {
    let report: Record<string, CmcdValue>;
    try {
      report = parseCmcdDictionary(line);
    } catch (error) {
      throw new CmcdProblem(400, 'bad-cmcd', `line ${n + 1}: ${(error as Error).message}`);
    }
    if (typeof report.e !== 'string') throw new CmcdProblem(422, 'missing-event', `line ${n + 1}: an event report needs an event type (e)`);
    if (typeof report.ts !== 'number' || !Number.isInteger(report.ts)) throw new CmcdProblem(422, 'missing-timestamp', `line ${n + 1}: an event report needs an integer timestamp (ts)`);
    return report;
  });
}

export interface CmcdRoute {
  /** Checks and stores one post's body; resolves with the number of reports stored. */
  handle(body: Buffer, contentType: string, client: string, receivedMs: number): Promise<number>;
  close(): Promise<void>;
}

/** The route, appending to `file` (created if missing); without a file the route answers 404. */
export function createCmcdRoute(file: string | null): CmcdRoute {
  let handle: Promise<FileHandle> | null = null;
  let queue = Promise.resolve();
  return {
    async handle(body, contentType, client, receivedMs) {
      if (file === null) throw new CmcdProblem(404, 'cmcd-not-enabled', 'this collector stores no CMCD (start it with --out, or give cmcdFile)');
      if (contentType !== CMCD_CONTENT_TYPE && contentType !== 'text/plain') throw new CmcdProblem(415, 'unsupported-media-type', `Content-Type must be ${CMCD_CONTENT_TYPE}, got '${contentType || '(none)'}'`);
      const reports = parseCmcdReports(body.toString('utf8'));
      const lines = reports.map((cmcd) => JSON.stringify({ receivedMs, client, cmcd })).join('\n') + '\n';
      handle ??= open(file, 'a');
      // One write at a time, each synced before its post is answered.
      const write = queue.then(async () => {
        const fh = await handle!;
        await fh.write(lines);
        await fh.sync();
      });
      queue = write.catch(() => undefined);
      await write;
      return reports.length;
    },
    async close() {
      await queue;
      if (handle) await (await handle).close();
    },
  };
}
