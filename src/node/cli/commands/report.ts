/**
 * `abrkit report`: per-arm QoE of an experiment, with bootstrap confidence intervals and differences
 * against control, from a collector's NDJSON folder or from ClickHouse.
 */
import { writeFileSync } from 'node:fs';
import { intOption, parseCommandArgs, UsageError } from '../args.js';
import { createClickHouseClient } from '../../collector/clickhouse-http.js';
import { clickhouseEvents, ndjsonEvents, ndjsonFiles, type EventFilter } from '../../collector/read-events.js';
import { eventFilter } from '../store-source.js';
import { sessionsFrom } from '../../report/sessions.js';
import { formatArmReport, reportArms, REPORT_DEFAULTS } from '../../report/arms.js';
import { htmlReport } from '../../report/html.js';

const HELP = `usage: abrkit report (<collector-dir|export.ndjson> | --clickhouse <url>) [options]

Per arm: sessions, startup median and p90, rebuffer %, stalls per hour, exits before start, mean
bitrate, switches per minute, QoE_lin per chunk and MB per watched minute, each with a 95% bootstrap
interval, and each arm's difference against control (README, "Metric definitions").

  --clickhouse <url>    read from ClickHouse (e.g. http://127.0.0.1:8123) instead of files
  --database <name>     ClickHouse database (default abrkit)
  --exp <name>          only this experiment
  --arms <a,b,...>      only these arms
  --from <YYYY-MM-DD>   first day (UTC, the events' clock), inclusive
  --to <YYYY-MM-DD>     last day, inclusive
  --control <arm>       the arm others are compared with (default: 'control' if present, else the first)
  --resamples <n>       bootstrap resamples (default ${REPORT_DEFAULTS.resamples})
  --seed <n>            bootstrap seed (default ${REPORT_DEFAULTS.seed}): same data and seed, same intervals
  --html <file>         also write a self-contained page with CDFs and QoE by day
  --json <file>         also write the figures as JSON`;

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      clickhouse: { type: 'string' },
      database: { type: 'string' },
      exp: { type: 'string' },
      arms: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      control: { type: 'string' },
      resamples: { type: 'string' },
      seed: { type: 'string' },
      html: { type: 'string' },
      json: { type: 'string' },
    },
    HELP,
  );
  if ((positionals.length === 1) === (values.clickhouse !== undefined) || positionals.length > 1) throw new UsageError(`give one folder or file, or --clickhouse <url>\n\n${HELP}`);
  const filter = eventFilter(values);
  const resamples = intOption(values.resamples, 'resamples', REPORT_DEFAULTS.resamples);
  if (resamples < 100) throw new UsageError('--resamples must be at least 100');
  const seed = intOption(values.seed, 'seed', REPORT_DEFAULTS.seed);
  const source = values.clickhouse !== undefined ? `ClickHouse ${values.clickhouse}, database ${values.database ?? 'abrkit'}` : positionals[0]!;
  const events = values.clickhouse !== undefined ? clickhouseEvents(createClickHouseClient({ url: values.clickhouse, database: values.database ?? 'abrkit' }), filter) : ndjsonEvents(ndjsonFiles(positionals[0]!), filter);
  const sessions = await sessionsFrom(events);
  if (sessions.length === 0) throw new UsageError(`no sessions in ${source}${describeFilter(filter)}`);
  let reports;
  try {
    reports = reportArms(sessions, { resamples, seed, ...(values.control !== undefined ? { control: values.control } : {}) });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const title = `abrkit report${filter.exp ? `: ${filter.exp}` : ''}`;
  const description = `${source}${describeFilter(filter)}; ${sessions.length} sessions; ${resamples} bootstrap resamples, seed ${seed}`;
  console.log(`${title}\n${description}\n`);
  console.log(formatArmReport(reports));
  if (values.html) {
    writeFileSync(values.html, htmlReport({ title, source: description, reports, sessions }));
    console.log(`\nwrote ${values.html}`);
  }
  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ source: description, reports }, null, 2));
    console.log(`wrote ${values.json}`);
  }
}

function describeFilter(f: EventFilter): string {
  const parts = [f.exp !== undefined ? `exp ${f.exp}` : '', f.arms ? `arms ${f.arms.join(',')}` : '', f.fromDay || f.toDay ? `days ${f.fromDay ?? '…'}..${f.toDay ?? '…'}` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
