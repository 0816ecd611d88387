/** `abrkit collect`: the reference telemetry collector, from the command line. */
import { intOption, parseCommandArgs, requireOption } from '../args.js';
import { startCollector } from '../../collector/server.js';

const HELP = `usage: abrkit collect --port <P> --out <dir> [options]

Reference telemetry collector: POST /v1/events (application/x-ndjson, Idempotency-Key header),
appended to <dir>/events-NNNNNN.ndjson; batches are deduplicated by key, also across restarts.

  --port <P>            port to listen on (0: any free port; the chosen one is printed)
  --out <dir>           where the NDJSON files go
  --host <addr>         address to bind (default 127.0.0.1)
  --max-body-bytes <n>  larger requests get 413 (default 1048576)
  --fault-file <path>   while this file exists, POSTs get 503 (fault drills and tests)
  --idle-exit-s <s>     exit after this many seconds without a request (default: run until SIGINT/SIGTERM)`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      port: { type: 'string' },
      out: { type: 'string' },
      host: { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'fault-file': { type: 'string' },
      'idle-exit-s': { type: 'string' },
    },
    HELP,
  );
  const port = intOption(requireOption(values.port, 'port', HELP), 'port', 0);
  const outDir = requireOption(values.out, 'out', HELP);
  const idleExitS = intOption(values['idle-exit-s'], 'idle-exit-s', 0);
  let lastRequestMs = Date.now();
  const collector = await startCollector({
    outDir,
    port,
    ...(values.host ? { host: values.host } : {}),
    ...(values['max-body-bytes'] ? { maxBodyBytes: intOption(values['max-body-bytes'], 'max-body-bytes', 0) } : {}),
    ...(values['fault-file'] ? { faultFile: values['fault-file'] } : {}),
    log: (line) => console.error(`collect: ${line}`),
  });
  console.log(`collect: listening on ${collector.url} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      const s = collector.stats();
      console.error(`collect: ${why}; accepted ${s.acceptedBatches} batches (${s.acceptedEvents} events), ${s.duplicateBatches} duplicates, ${s.rejectedRequests} rejected`);
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
