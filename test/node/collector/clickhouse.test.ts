import { afterAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../../src/node/collector/server.js';
import { isoDate, openClickHouseSink } from '../../../src/node/collector/clickhouse-sink.js';
import { adminClient, clickhouseUrl, dropDatabase, freshDatabaseName } from '../clickhouse.js';

const databases: string[] = [];
const running: Collector[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const db of databases.splice(0)) await dropDatabase(db);
});

function database(): string {
  const name = freshDatabaseName('collector');
  databases.push(name);
  return name;
}

async function start(db: string, extra: { tokens?: string[] } = {}): Promise<Collector> {
  const c = await startCollector({ clickhouse: { url: clickhouseUrl(), database: db }, port: 0, ...extra });
  running.push(c);
  return c;
}

const DAY1 = Date.UTC(2025, 2, 10, 23, 59, 0);
const DAY2 = Date.UTC(2025, 2, 11, 0, 1, 0);

function event(sid: string, seq: number, ts: number): string {
  return JSON.stringify({ v: 2, sid, seq, t: seq * 100, ts, type: 'playback', kind: 'play', exp: 'abr-1', arm: seq % 2 ? 'mpc' : 'control' });
}

async function post(url: string, key: string, lines: string[], headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': key, ...headers }, body: lines.join('\n') + '\n' });
  return { status: response.status, body: (await response.json()) as { status?: string; events?: number } };
}

const count = async (db: string, sql: string) => Number((await adminClient(db).exec(sql)).trim());

describe('ClickHouse sink (real ClickHouse)', () => {
  it('creates the schema on first start: day-partitioned ReplacingMergeTree tables; a second start keeps the data', async () => {
    const db = database();
    const c = await start(db);
    const tables = (await adminClient(db).exec(`SELECT name, engine, partition_key, sorting_key FROM system.tables WHERE database = '${db}' ORDER BY name FORMAT TSV`)).trim().split('\n');
    expect(tables).toEqual(['batches\tReplacingMergeTree\tdate\tbatch_id', 'events\tReplacingMergeTree\tdate\texp, arm, sid, seq']);
    expect((await post(c.url, 'batch-0001', [event('s1', 0, DAY1), event('s1', 1, DAY2)])).body).toEqual({ status: 'accepted', key: 'batch-0001', events: 2 });
    // One partition per day of the events' own clock.
    expect((await adminClient(db).exec(`SELECT DISTINCT partition FROM system.parts WHERE database = '${db}' AND table = 'events' AND active ORDER BY partition FORMAT TSV`)).trim().split('\n')).toEqual(['2025-03-10', '2025-03-11']);
    await c.close();
    const again = await start(db);
    expect((await post(again.url, 'batch-0001', [event('s1', 0, DAY1), event('s1', 1, DAY2)])).body.status).toBe('duplicate');
    expect(await count(db, 'SELECT count() FROM events FINAL')).toBe(2);
    const row = JSON.parse((await adminClient(db).exec(`SELECT * FROM events FINAL WHERE seq = 1 FORMAT JSONEachRow`)).trim()) as Record<string, unknown>;
    expect(row).toMatchObject({ date: '2025-03-11', sid: 's1', seq: 1, arm: 'mpc', exp: 'abr-1', type: 'playback', batch_id: 'batch-0001', batch_index: 1, batch_size: 2 });
    expect(JSON.parse(row.event as string)).toEqual(JSON.parse(event('s1', 1, DAY2)));
  });

  it('a retried batch is not counted twice, also when the first try stored the events but not the key', async () => {
    const db = database();
    const c = await start(db);
    const lines = Array.from({ length: 50 }, (_, i) => event('s2', i, DAY1 + i));
    expect((await post(c.url, 'batch-retry-1', lines)).body.status).toBe('accepted');
    expect((await post(c.url, 'batch-retry-1', lines)).body.status).toBe('duplicate');
    expect(await count(db, 'SELECT count() FROM events')).toBe(50); // the duplicate wrote nothing
    // A crash between the events insert and the key's insert: simulated by forgetting the key.
    await adminClient(db).exec(`ALTER TABLE batches DELETE WHERE batch_id = 'batch-retry-1'`);
    await waitUntil(async () => (await count(db, `SELECT count() FROM batches WHERE batch_id = 'batch-retry-1'`)) === 0);
    expect((await post(c.url, 'batch-retry-1', lines)).body.status).toBe('accepted');
    expect(await count(db, 'SELECT count() FROM events')).toBe(100); // both copies are on disk...
    expect(await count(db, 'SELECT count() FROM events FINAL')).toBe(50); // ...and count once
    await adminClient(db).exec('OPTIMIZE TABLE events FINAL');
    expect(await count(db, 'SELECT count() FROM events')).toBe(50); // and merge into one
  });

  it('two collectors on one database, the same batch to both: one copy', async () => {
    const db = database();
    const [a, b] = [await start(db), await start(db)];
    const lines = [event('s3', 0, DAY1), event('s3', 1, DAY1)];
    const answers = await Promise.all([post(a.url, 'batch-shared-1', lines), post(b.url, 'batch-shared-1', lines)]);
    expect(answers.map((x) => x.status)).toEqual([200, 200]);
    expect(await count(db, 'SELECT count() FROM events FINAL')).toBe(2);
    expect(await count(db, 'SELECT uniqExact(batch_id) FROM batches FINAL')).toBe(1);
  });

  it('groups concurrent batches into one insert, and refusals (token, schema) reach no table', async () => {
    const db = database();
    const c = await start(db, { tokens: ['ingest-token-1'] });
    const auth = { Authorization: 'Bearer ingest-token-1' };
    expect((await post(c.url, 'batch-noauth', [event('s4', 0, DAY1)])).status).toBe(401);
    expect((await post(c.url, 'batch-badevent', [event('s4', 0, DAY1), '{"v":2,"type":"segment"}'], auth)).status).toBe(422);
    expect(await count(db, 'SELECT count() FROM events')).toBe(0);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => post(c.url, `batch-group-${i}`, [event(`g${i}`, 0, DAY1), event(`g${i}`, 1, DAY1)], auth)));
    expect(results.every((r) => r.body.status === 'accepted')).toBe(true);
    expect(await count(db, 'SELECT count() FROM events FINAL')).toBe(80);
    expect(c.stats().writes).toBeLessThan(40);
  });

  it('answers 503 (retry) when ClickHouse fails, and the retry then stores the batch once', async () => {
    const db = database();
    const sink = await openClickHouseSink({ url: clickhouseUrl(), database: db });
    await adminClient(db).exec('RENAME TABLE events TO events_away');
    const c = await startCollector({ clickhouse: { url: clickhouseUrl(), database: db }, port: 0 }).catch(() => null);
    // Starting recreates the missing table: take it away again after the start.
    expect(c).not.toBeNull();
    running.push(c!);
    await adminClient(db).exec('DROP TABLE events');
    const lines = [event('s5', 0, DAY1)];
    const failed = await post(c!.url, 'batch-fail-1', lines);
    expect(failed.status).toBe(503);
    await adminClient(db).exec('RENAME TABLE events_away TO events');
    expect((await post(c!.url, 'batch-fail-1', lines)).body.status).toBe('accepted');
    expect(await count(db, 'SELECT count() FROM events FINAL')).toBe(1);
    await sink.close();
  });

  it('dates come from the event clock, clamped to what a Date column holds', () => {
    expect([isoDate(DAY1), isoDate(-5), isoDate(Number.NaN), isoDate(8e15)]).toEqual(['2025-03-10', '2000-01-01', '2000-01-01', '2099-12-31']);
  });
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met');
}
