/** `abrkit collect`: the reference telemetry collector, from the command line. */
import { intOption, numberOption, parseCommandArgs, UsageError } from '../args.js';
import { startCollector } from '../../collector/server.js';
import { parseOrigins, readTokenFile } from '../../collector/security.js';

const HELP = `usage: abrkit collect --port <P> (--out <dir> | --clickhouse <url>) [options]

Reference telemetry collector: POST /v1/events (application/x-ndjson, Idempotency-Key header).
Batches are deduplicated by key, also across restarts, and answered 2xx only once stored.

Where events go (one of):
  --out <dir>           NDJSON files <dir>/events-NNNNNN.ndjson (one collector per folder)
  --clickhouse <url>    ClickHouse over HTTP, e.g. http://127.0.0.1:8123; tables are created on
                        start; any number of collectors may share one database
  --database <name>     ClickHouse database (default abrkit)
  --clickhouse-user <u>, --clickhouse-password-file <path>   ClickHouse credentials (default: user default)

Security:
  --token <t>           ingest token: requests without it (Authorization: Bearer <t>, or ?token=<t>) get 401
  --token-file <path>   tokens from a file, one a line (several: rotation); keeps them out of 'ps'
  --rate-limit <r>      per-client requests per second; over it: 429 with Retry-After (default: none)
  --rate-burst <n>      requests a client may make at once (default: 2 x rate, at least 10)
  --trust-proxy         count the rate limit by X-Forwarded-For's first address (only behind a proxy that sets it)
  --allow-origin <list> comma-separated origins (https://app.example) allowed by CORS; others get 403
                        (default: any origin)
  --max-body-bytes <n>  larger requests get 413 (default 1048576)

  --port <P>            port to listen on (0: any free port; the chosen one is printed)
  --host <addr>         address to bind (default 127.0.0.1)
  --fault-file <path>   while this file exists, POSTs get 503 (fault drills and tests)
  --idle-exit-s <s>     exit after this many seconds without a request (default: run until SIGINT/SIGTERM)`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      port: { type: 'string' },
      out: { type: 'string' },
      clickhouse: { type: 'string' },
      database: { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-password-file': { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-burst': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'allow-origin': { type: 'string' },
      host: { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'fault-file': { type: 'string' },
      'idle-exit-s': { type: 'string' },
    },
    HELP,
  );
  if (values.port === undefined) throw new UsageError(`--port is required\n\n${HELP}`);
  const port = intOption(values.port, 'port', 0);
  if ((values.out === undefined) === (values.clickhouse === undefined)) throw new UsageError(`give one of --out <dir> and --clickhouse <url>\n\n${HELP}`);
  if (values.token !== undefined && values['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
  const tokens = values.token !== undefined ? [values.token] : values['token-file'] !== undefined ? readTokenFile(values['token-file']) : undefined;
  const ratePerS = values['rate-limit'] === undefined ? undefined : numberOption(values['rate-limit'], 'rate-limit', 0);
  if (ratePerS !== undefined && !(ratePerS > 0)) throw new UsageError('--rate-limit must be > 0 requests per second');
  const burst = intOption(values['rate-burst'], 'rate-burst', Math.max(10, Math.ceil(2 * (ratePerS ?? 0))));
  const idleExitS = intOption(values['idle-exit-s'], 'idle-exit-s', 0);
  const password = values['clickhouse-password-file'] === undefined ? undefined : readTokenFile(values['clickhouse-password-file'])[0];
  let lastRequestMs = Date.now();
  const collector = await startCollector({
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(values.clickhouse !== undefined
      ? { clickhouse: { url: values.clickhouse, database: values.database ?? 'abrkit', ...(values['clickhouse-user'] ? { user: values['clickhouse-user'] } : {}), ...(password ? { password } : {}) } }
      : {}),
    port,
    ...(tokens ? { tokens } : {}),
    ...(ratePerS !== undefined ? { rateLimit: { requestsPerS: ratePerS, burst } } : {}),
    ...(values['trust-proxy'] ? { clientKey: 'x-forwarded-for' as const } : {}),
    ...(values['allow-origin'] !== undefined ? { allowedOrigins: parseOrigins(values['allow-origin']) } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values['max-body-bytes'] ? { maxBodyBytes: intOption(values['max-body-bytes'], 'max-body-bytes', 0) } : {}),
    ...(values['fault-file'] ? { faultFile: values['fault-file'] } : {}),
    log: (line) => console.error(`collect: ${line}`),
  });
  console.log(`collect: listening on ${collector.url} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      const s = collector.stats();
      console.error(`collect: ${why}; accepted ${s.acceptedBatches} batches (${s.acceptedEvents} events) in ${s.writes} writes, ${s.duplicateBatches} duplicates, ${s.rejectedRequests} rejected (${s.unauthorized} unauthorized, ${s.rateLimited} rate-limited)`);
      void collector.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    if (idleExitS > 0) {
      let seen = 0;
      const timer = setInterval(() => {
        const s = collector.stats();
        const total = s.acceptedBatches + s.duplicateBatches + s.rejectedRequests + s.faultResponses;
        if (total !== seen) {
          seen = total;
          lastRequestMs = Date.now();
        } else if (Date.now() - lastRequestMs > idleExitS * 1000) {
          clearInterval(timer);
          stop(`idle for ${idleExitS} s`);
        }
      }, 500);
      timer.unref();
      process.once('exit', () => clearInterval(timer));
    }
  });
}
