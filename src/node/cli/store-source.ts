/**
 * Telemetry straight from the collector's ClickHouse, for the commands that read telemetry exports
 * (`telemetry to-traces`, `train dqn`, `train regression`): the same options everywhere, a query for
 * an experiment, arm and day range, and the events as the NDJSON text those commands already parse.
 */
import { createClickHouseClient } from '../collector/clickhouse-http.js';
import { checkDay, clickhouseEvents, type EventFilter } from '../collector/read-events.js';
import type { TelemetryEvent } from '../../telemetry/schema.js';

export const STORE_ARGS = {
  clickhouse: { type: 'string' },
  database: { type: 'string' },
  exp: { type: 'string' },
  arm: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

export const STORE_HELP = `  --clickhouse <url>     read the telemetry from the collector's ClickHouse (e.g. http://127.0.0.1:8123)
  --database <name>      its database (default abrkit)
  --exp <name>           only this experiment; --arm <a[,b]> only these arms
  --from <YYYY-MM-DD>    first day (UTC, the events' clock); --to <YYYY-MM-DD> last day, inclusive`;

export interface StoreValues {
  readonly clickhouse?: string;
  readonly database?: string;
  readonly exp?: string;
  readonly arm?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The segment events the query selects, as NDJSON text; null without --clickhouse. */
export async function storeTelemetryText(values: StoreValues, types: readonly TelemetryEvent['type'][] = ['segment']): Promise<{ name: string; text: string } | null> {
  if (values.clickhouse === undefined) return null;
  const database = values.database ?? 'abrkit';
  const filter = { ...eventFilter(values), types };
  const lines: string[] = [];
  for await (const e of clickhouseEvents(createClickHouseClient({ url: values.clickhouse, database }), filter)) lines.push(JSON.stringify(e));
  return { name: `clickhouse ${values.clickhouse}/${database}`, text: lines.join('\n') };
}

/** --exp, --arms, --from, --to as a filter (shared with telemetry to-traces and train). */
export function eventFilter(values: { exp?: string; arms?: string; arm?: string; from?: string; to?: string }): EventFilter {
  checkDay(values.from, '--from');
  checkDay(values.to, '--to');
  const arms = (values.arms ?? values.arm)?.split(',').map((a) => a.trim()).filter(Boolean);
  return {
    ...(values.exp !== undefined ? { exp: values.exp } : {}),
    ...(arms ? { arms } : {}),
    ...(values.from !== undefined ? { fromDay: values.from } : {}),
    ...(values.to !== undefined ? { toDay: values.to } : {}),
  };
}
