/** The test ClickHouse (see test/clickhouse-setup.ts): its URL, and a fresh database per test. */
import { createClickHouseClient, type ClickHouseClient } from '../../src/node/collector/clickhouse-http.js';

/** The URL, or a failure that says why there is no ClickHouse (these tests never skip). */
export function clickhouseUrl(): string {
  const url = process.env.ABRKIT_CLICKHOUSE_URL;
  if (!url) throw new Error(`no ClickHouse for this test: ${process.env.ABRKIT_CLICKHOUSE_ERROR ?? 'ABRKIT_CLICKHOUSE_URL is not set and the global setup did not run'}`);
  return url;
}

let counter = 0;

/** A database name no other test (or test run) uses; drop it with `dropDatabase`. */
export function freshDatabaseName(prefix = 't'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

export function adminClient(database: string): ClickHouseClient {
  return createClickHouseClient({ url: clickhouseUrl(), database });
}

export async function dropDatabase(database: string): Promise<void> {
  await createClickHouseClient({ url: clickhouseUrl(), database: 'default' }).exec(`DROP DATABASE IF EXISTS ${database}`);
}
