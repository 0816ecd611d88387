/**
 * The ClickHouse sink: a group of batches becomes one `INSERT ... FORMAT JSONEachRow`, idempotent on
 * the batch key, with the schema created on first start. The collector keeps no state of its own, so
 * any number of collectors can write to one database.
 *
 * Idempotency on 18.16, which deduplicates inserts only for Replicated tables (no
 * `insert_deduplication_token`, no `non_replicated_deduplication_window`):
 * - `events` is a ReplacingMergeTree whose sorting key is the event's identity (exp, arm, sid, seq),
 *   so any copy of an event (a retried batch, a pagehide beacon of the same batch, an insert that
 *   reached some partitions before a crash) collapses into one row when parts merge, and every
 *   reader counts with `FINAL`. This is what makes the store exact.
 * - `batches` (one row per accepted key, sorted by key) is checked before inserting, so an ordinary
 *   retry is answered `duplicate` and writes nothing. It is written after the events: a crash between
 *   the two leaves the key unrecorded, the retry inserts the events again, and FINAL collapses them.
 *   Two collectors racing on one key both insert; FINAL again collapses the copies.
 */
import { AbrkitError } from '../../core/errors.js';
import { createClickHouseClient, sqlString, type ClickHouseClient, type ClickHouseOptions } from './clickhouse-http.js';
import type { BatchOutcome, EventSink, IncomingBatch } from './sink.js';

export const EVENTS_TABLE = 'events';
export const BATCHES_TABLE = 'batches';

/**
 * The schema, in SQL that ClickHouse 18.16 accepts. Days are partitions (`date` is the event's own day,
 * from its wall clock `ts`, so every copy of an event lands in the same partition, where
 * ReplacingMergeTree can collapse it). The whole event is kept as JSON in `event`; the columns beside
 * it are what queries select on. See README, "Scaling the collector", for the Distributed form.
 */
export function schemaStatements(database: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${database}`,
    `CREATE TABLE IF NOT EXISTS ${database}.${EVENTS_TABLE} (
  date Date,
  ts UInt64,
  received_ms UInt64,
  batch_id String,
  batch_index UInt32,
  batch_size UInt32,
  exp String,
  arm String,
  sid String,
  seq UInt32,
  type String,
  t Float64,
  event String
) ENGINE = ReplacingMergeTree(received_ms)
PARTITION BY date
ORDER BY (exp, arm, sid, seq)`,
    `CREATE TABLE IF NOT EXISTS ${database}.${BATCHES_TABLE} (
  date Date,
  batch_id String,
  received_ms UInt64,
  events UInt32
) ENGINE = ReplacingMergeTree(received_ms)
PARTITION BY date
ORDER BY batch_id`,
  ];
}

export interface ClickHouseSink extends EventSink {
  readonly client: ClickHouseClient;
}

/** Connects, creates the database and tables if missing, and returns the sink. */
export async function openClickHouseSink(options: ClickHouseOptions): Promise<ClickHouseSink> {
  const client = createClickHouseClient(options);
  // The database may not exist yet: the statements name it, and run from `default`.
  for (const statement of schemaStatements(client.database)) await client.exec(statement, { database: 'default' });
  return {
    kind: 'clickhouse',
    client,
    async store(batches: readonly IncomingBatch[]): Promise<BatchOutcome[]> {
      const keys = [...new Set(batches.map((b) => b.key))];
      const known = new Set((await client.exec(`SELECT DISTINCT batch_id FROM ${BATCHES_TABLE} WHERE batch_id IN (${keys.map(sqlString).join(', ')}) FORMAT TSVRaw`)).split('\n').filter(Boolean));
      const outcomes: BatchOutcome[] = [];
      const fresh: IncomingBatch[] = [];
      for (const batch of batches) {
        if (known.has(batch.key)) {
          outcomes.push('duplicate');
          continue;
        }
        known.add(batch.key);
        fresh.push(batch);
        outcomes.push('accepted');
      }
      if (fresh.length === 0) return outcomes;
      let rows = '';
      let batchRows = '';
      for (const batch of fresh) {
        batch.events.forEach((e, index) => (rows += eventRow(batch, index, e.value, e.line)));
        batchRows += JSON.stringify({ date: isoDate(batch.receivedMs), batch_id: batch.key, received_ms: batch.receivedMs, events: batch.events.length }) + '\n';
      }
      await client.insertJsonEachRow(EVENTS_TABLE, rows);
      await client.insertJsonEachRow(BATCHES_TABLE, batchRows);
      return outcomes;
    },
    async close() {},
  };
}

function eventRow(batch: IncomingBatch, index: number, e: Readonly<Record<string, unknown>>, line: string): string {
  const ts = e.ts as number;
  return (
    JSON.stringify({
      date: isoDate(ts),
      ts: Math.max(0, Math.round(ts)),
      received_ms: batch.receivedMs,
      batch_id: batch.key,
      batch_index: index,
      batch_size: batch.events.length,
      exp: typeof e.exp === 'string' ? e.exp : '',
      arm: typeof e.arm === 'string' ? e.arm : '',
      sid: e.sid,
      seq: e.seq,
      type: e.type,
      t: e.t,
      event: line,
    }) + '\n'
  );
}

/** Days ClickHouse's Date holds (1970-01-01 .. 2105); clients' clocks outside [2000, 2100) are clamped so a bad clock cannot fail an insert. */
const MIN_DAY_MS = Date.UTC(2000, 0, 1);
const MAX_DAY_MS = Date.UTC(2099, 11, 31);

/** `YYYY-MM-DD` (UTC) of an epoch-ms time, clamped to [2000-01-01, 2099-12-31]. */
export function isoDate(epochMs: number): string {
  const clamped = Math.min(MAX_DAY_MS, Math.max(MIN_DAY_MS, Number.isFinite(epochMs) ? epochMs : MIN_DAY_MS));
  return new Date(clamped).toISOString().slice(0, 10);
}

/** A ClickHouse that cannot be reached at start is a configuration problem: say so plainly. */
export function describeClickHouseFailure(error: unknown, url: string): AbrkitError {
  const detail = error instanceof Error ? error.message : String(error);
  return new AbrkitError('storage-failed', `cannot use ClickHouse at ${url}: ${detail}`, { cause: error });
}
