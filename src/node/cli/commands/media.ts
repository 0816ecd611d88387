/**
 * `abrkit media`: generate a test stream (ffmpeg) for the real-browser runs.
 */
import { parseCommandArgs, UsageError } from '../args.js';
import { generateTestStream } from '../../media/generate.js';
import { TEST_STREAMS } from '../../media/test-streams.js';
import { testStreamDir } from '../../harness/stream.js';

const HELP = `usage: abrkit media [--stream <name>] [--out <dir>] [--duration <s>]

Generates a test stream with ffmpeg (apt-get install ffmpeg): HLS (fMP4) and DASH, stream.json beside.
Does nothing when the folder already holds the same stream.

  --stream <name>   ${Object.values(TEST_STREAMS).map((s) => `${s.name}: ${s.description}`).join('\n                    ')}
                    (default: default)
  --out <dir>       folder (default: ${testStreamDir('default')} for default, media-<name> beside it for others)
  --duration <s>    seconds of content (default: the stream's own, ${Object.values(TEST_STREAMS).map((s) => `${s.name} ${s.defaultDurationS}`).join(', ')})`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { stream: { type: 'string' }, out: { type: 'string' }, duration: { type: 'string' } }, HELP);
  const name = values.stream ?? 'default';
  const spec = TEST_STREAMS[name];
  if (!spec) throw new UsageError(`unknown --stream '${name}' (known: ${Object.keys(TEST_STREAMS).join(', ')})`);
  let durationS: number | undefined;
  if (values.duration !== undefined) {
    durationS = Number(values.duration);
    if (!Number.isInteger(durationS) || durationS < spec.segmentDurationS) throw new UsageError(`--duration must be a whole number of seconds >= ${spec.segmentDurationS}, got '${values.duration}'`);
  }
  generateTestStream(spec, { outDir: values.out ?? testStreamDir(name), ...(durationS === undefined ? {} : { durationS }), log: (line) => console.log(`media: ${line}`) });
}
