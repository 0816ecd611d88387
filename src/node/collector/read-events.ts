/**
 * Reading stored telemetry back: from a collector's NDJSON folder (or a browser export), or from
 * ClickHouse, filtered by experiment, arm, day range and event type. Both give each event once:
 * NDJSON by complete batches, first copy of a key only, then by (sid, seq); ClickHouse with FINAL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../core/errors.js';
import { checkTelemetryEvent, type TelemetryEvent } from '../../telemetry/schema.js';
import { isoDate, EVENTS_TABLE } from './clickhouse-sink.js';
import { sqlString, type ClickHouseClient } from './clickhouse-http.js';
import { BATCH_KEY_FIELD, BATCH_SIZE_FIELD } from './log-files.js';

export interface EventFilter {
  /** Only events of this experiment. */
  readonly exp?: string;
  /** Only these arms. */
  readonly arms?: readonly string[];
  /** Inclusive day range on the events' wall clock, `YYYY-MM-DD` (UTC). */
  readonly fromDay?: string;
  readonly toDay?: string;
  /** Only these event types. */
  readonly types?: readonly TelemetryEvent['type'][];
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function checkDay(day: string | undefined, what: string): void {
  if (day !== undefined && (!DAY_PATTERN.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) throw new ParseError('trace-parse', what, undefined, `'${day}' is not a YYYY-MM-DD day`);
}

function matches(e: TelemetryEvent, f: EventFilter): boolean {
  if (f.exp !== undefined && e.exp !== f.exp) return false;
  if (f.arms !== undefined && !f.arms.includes(e.arm ?? '')) return false;
  if (f.types !== undefined && !f.types.includes(e.type)) return false;
  if (f.fromDay !== undefined || f.toDay !== undefined) {
    const day = isoDate(e.ts);
    if ((f.fromDay !== undefined && day < f.fromDay) || (f.toDay !== undefined && day > f.toDay)) return false;
  }
  return true;
}

/** `.ndjson` files of a folder in name order, or the one file. */
export function ndjsonFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => n.endsWith('.ndjson'))
    .sort()
    .map((n) => join(path, n));
}

/**
 * Events from NDJSON files: a collector's (lines carry `_ik`/`_bn`: only complete batches count, the
 * first copy of each key) or browser exports (plain events). Every event once by (sid, seq). A line
 * that is not a valid event throws a ParseError naming file and line.
 */
export function* ndjsonEvents(files: readonly string[], filter: EventFilter = {}): Generator<TelemetryEvent> {
  const seenKeys = new Set<string>();
  const seenEvents = new Set<string>();
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let group: { key: string; size: number; events: TelemetryEvent[] } | null = null;
    const emit = function* (events: readonly TelemetryEvent[]): Generator<TelemetryEvent> {
      for (const e of events) {
        const id = `${e.sid}\u0000${e.seq}`;
        if (seenEvents.has(id) || !matches(e, filter)) continue;
        seenEvents.add(id);
        yield e;
      }
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new ParseError('trace-parse', file, i + 1, 'not a JSON line');
      }
      const problem = checkTelemetryEvent(value);
      if (problem !== null) throw new ParseError('trace-parse', file, i + 1, problem);
      const key = value[BATCH_KEY_FIELD];
      const size = value[BATCH_SIZE_FIELD];
      if (typeof key !== 'string' || typeof size !== 'number') {
        group = null;
        yield* emit([value as unknown as TelemetryEvent]);
        continue;
      }
      const { [BATCH_KEY_FIELD]: _k, [BATCH_SIZE_FIELD]: _n, ...event } = value;
      if (group === null || group.key !== key) group = { key, size, events: [] };
      group.events.push(event as unknown as TelemetryEvent);
      if (group.events.length === group.size) {
        if (!seenKeys.has(key)) {
          seenKeys.add(key);
          yield* emit(group.events);
        }
        group = null;
      }
    }
  }
}

/** The SQL that reads events back from ClickHouse, every copy collapsed (FINAL), sorted by session. */
export function clickhouseEventsSql(filter: EventFilter): string {
  const where: string[] = [];
  if (filter.exp !== undefined) where.push(`exp = ${sqlString(filter.exp)}`);
  if (filter.arms !== undefined) where.push(`arm IN (${filter.arms.map(sqlString).join(', ') || "''"})`);
  if (filter.fromDay !== undefined) where.push(`date >= toDate(${sqlString(filter.fromDay)})`);
  if (filter.toDay !== undefined) where.push(`date <= toDate(${sqlString(filter.toDay)})`);
  if (filter.types !== undefined) where.push(`type IN (${filter.types.map(sqlString).join(', ')})`);
  return `SELECT event FROM ${EVENTS_TABLE} FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY exp, arm, sid, seq FORMAT TSVRaw`;
}

/** Events from ClickHouse, streamed, in (exp, arm, sid, seq) order. */
export async function* clickhouseEvents(client: ClickHouseClient, filter: EventFilter = {}): AsyncGenerator<TelemetryEvent> {
  for await (const line of client.lines(clickhouseEventsSql(filter))) {
    if (line !== '') yield JSON.parse(line) as TelemetryEvent;
  }
}
