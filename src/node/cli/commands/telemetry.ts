/**
 * `abrkit telemetry to-traces`: rebuild network traces from telemetry exports or a collector's
 * files.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { numberOption, intOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { formatTimeMbpsTrace } from '../../../sim/trace-parsers.js';
import { TO_TRACES_DEFAULTS, tracesFromTelemetry } from '../../../sim/telemetry-traces.js';
import { STORE_ARGS, STORE_HELP, storeTelemetryText } from '../store-source.js';

const HELP = `usage: abrkit telemetry to-traces (<export.ndjson|collector-dir> | --clickhouse <url>) --out <dir> [options]

Rebuilds one time_s<TAB>Mbps trace per session from the segment downloads in a telemetry export
(exportTelemetry() in the browser) or in a collector's output folder. The traces load in 'abrkit eval'.

  --out <dir>               folder for the traces (created if missing); one file per session, <session id>.txt
  --payload-portion <p>     divide measured goodput by this so the simulator delivers the same bytes (default ${TO_TRACES_DEFAULTS.payloadPortion})
  --min-samples <n>         skip sessions with fewer downloads (default ${TO_TRACES_DEFAULTS.minSamples})
${STORE_HELP}`;

export async function run(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'to-traces') throw new UsageError(`expected 'telemetry to-traces'\n\n${HELP}`);
  const { values, positionals } = parseCommandArgs(rest, { out: { type: 'string' }, 'payload-portion': { type: 'string' }, 'min-samples': { type: 'string' }, ...STORE_ARGS }, HELP);
  if ((positionals.length === 1) === (values.clickhouse !== undefined) || positionals.length > 1) throw new UsageError(`expected one export file or collector folder, or --clickhouse <url>\n\n${HELP}`);
  const out = requireOption(values.out, 'out', HELP);
  const payloadPortion = numberOption(values['payload-portion'], 'payload-portion', TO_TRACES_DEFAULTS.payloadPortion);
  if (!(payloadPortion > 0 && payloadPortion <= 1)) throw new UsageError('--payload-portion must be in (0, 1]');
  const minSamples = intOption(values['min-samples'], 'min-samples', TO_TRACES_DEFAULTS.minSamples);
  const fromStore = await storeTelemetryText(values);
  const sessions = fromStore ? tracesFromTelemetry(fromStore.text, fromStore.name, { payloadPortion, minSamples }) : fromFiles(positionals[0]!, payloadPortion, minSamples);
  mkdirSync(out, { recursive: true });
  for (const s of sessions) {
    const safe = s.sessionId.replace(/[^A-Za-z0-9._-]/g, '_');
    writeFileSync(join(out, `${safe}.txt`), formatTimeMbpsTrace(s.trace));
    console.log(`${safe}.txt\t${s.samples} downloads${s.skipped ? ` (${s.skipped} overlapping skipped)` : ''}\tmean goodput ${s.meanGoodputMbps.toFixed(3)} Mbit/s`);
  }
  console.log(`wrote ${sessions.length} trace(s) to ${out}`);
}

function fromFiles(input: string, payloadPortion: number, minSamples: number) {
  const files = statSync(input).isDirectory()
    ? readdirSync(input)
        .filter((n) => n.endsWith('.ndjson'))
        .sort()
        .map((n) => join(input, n))
    : [input];
  if (files.length === 0) throw new UsageError(`no .ndjson files in ${input}`);
  // A session's events may span collector files: parse them as one text, named per file for errors.
  return files.length === 1 ? tracesFromTelemetry(readFileSync(files[0]!, 'utf8'), basename(files[0]!), { payloadPortion, minSamples }) : tracesFromTelemetry(files.map((f) => readFileSync(f, 'utf8')).join('\n'), input, { payloadPortion, minSamples });
}
