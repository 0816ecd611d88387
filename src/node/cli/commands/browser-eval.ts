/**
 * `abrkit browser-eval`: play policies in real Chromium over shaped traces and print the
 * comparison.
 */
import { writeFileSync } from 'node:fs';
import { loadTraces } from '../../io.js';
import { numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { ADAPTER_POLICY_NAMES } from '../../../adapters/setup.js';
import { ensureTestStream } from '../../harness/stream.js';
import { openSource, type PlayableSource } from '../../harness/source.js';
import { TEST_STREAMS } from '../../media/test-streams.js';
import { browserEval, formatBrowserSummary } from '../../harness/browser-eval.js';

const DEFAULT_POLICY = 'default';
const KNOWN = [DEFAULT_POLICY, ...ADAPTER_POLICY_NAMES, 'dqn', 'robustmpc+learned'];

const HELP = `usage: abrkit browser-eval --player hls|shaka --traces <dir|file> [options]

Plays a test stream (generated with ffmpeg on first use, see 'abrkit media') in headless Chromium
(/usr/bin/chromium) at 1x, one session at a time, through a loopback server that shapes throughput
to each trace, and measures from the <video> element. Traces are cut to the played duration.

  --player <hls|shaka>   player to drive
  --policies <list>      comma-separated: ${KNOWN.join(', ')} (default: all; 'default' = the player's own ABR)
  --traces <dir|file>    trace file or folder (time_s Mbps, Mahimahi, Sabre JSON), sorted by name;
                         several, comma-separated, play in the order given
  --duration <s>         seconds of content to play (default: the whole stream)
  --repeat <n>           sessions per (policy, trace); the per-trace figures are medians (default 1)
  --rtt <ms>             round-trip time added per request (default: the trace's, else 40)
  --buffer <s>           forward buffer for every player and policy (default 30)
  --min-switch-up <ms>   abrkit policies: no switch up within this long of the last switch
                         (the adapters' minSwitchUpIntervalMs; default off)
  --switch-penalty <x>   robustmpc, robustmpc+learned: QoE_lin units RobustMPC's plan is charged per
                         rung change (the adapters' switchPenalty; default 0)
  --src <url|dir|file>   your own HLS or DASH stream: a manifest URL (played through a local proxy
                         over the same shaped link), a manifest file, or a folder holding one
                         (served locally). hls.js plays HLS; shaka plays HLS or DASH
  --stream <name>        generated test stream: ${Object.keys(TEST_STREAMS).join(', ')} (default: default)
  --media <dir>          a generated stream's folder (with its stream.json) instead
  --format <f>           hls | dash | hls-aes (the AES-128 copy, when the stream has one);
                         default: hls for hls.js, dash for shaka
  --live ll-hls          play the generated stream live as LL-HLS: 1 s parts, blocking playlist
                         reloads, preload hints, published in real time (12 s out at the start)
                         over the same shaped link; adds latency behind the live edge (mean, p95,
                         share within 0.5 s of the target) to the table and JSON
  --live ll-dash         shaka only: the same 1 s parts as low-latency DASH (dynamic MPD with
                         availabilityTimeOffset, ServiceDescription, UTCTiming), the segment in
                         production sent with chunked transfer encoding as its parts come out;
                         shaka plays it in low-latency mode; the same latency figures
  --target-latency <s>   the live latency target (default 3)
  --resync-above <s>     abrkit policies, live: jump back to the target when more than this
                         over it, within the buffer (the adapters' live.resyncAboveS; default never)
  --json <file>          also write {summary, perTrace, sessions} as JSON (the shape of 'abrkit eval')`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      player: { type: 'string' },
      policies: { type: 'string' },
      traces: { type: 'string' },
      duration: { type: 'string' },
      repeat: { type: 'string' },
      rtt: { type: 'string' },
      buffer: { type: 'string' },
      'min-switch-up': { type: 'string' },
      'switch-penalty': { type: 'string' },
      media: { type: 'string' },
      stream: { type: 'string' },
      src: { type: 'string' },
      format: { type: 'string' },
      json: { type: 'string' },
      live: { type: 'string' },
      'target-latency': { type: 'string' },
      'resync-above': { type: 'string' },
    },
    HELP,
  );
  const player = requireOption(values.player, 'player', HELP);
  if (player !== 'hls' && player !== 'shaka') throw new UsageError(`--player must be hls or shaka, got '${player}'`);
  const policies = (values.policies ?? KNOWN.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of policies) if (!KNOWN.includes(name)) throw new UsageError(`unknown policy '${name}' (known: ${KNOWN.join(', ')})`);
  const positive = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!(n > 0)) throw new UsageError(`--${name} must be a positive number, got '${value}'`);
    return n;
  };
  const durationOption = positive(values.duration, 'duration');
  const repeat = Math.round(positive(values.repeat, 'repeat') ?? 1);
  const rttMs = positive(values.rtt, 'rtt');
  const bufferGoalS = positive(values.buffer, 'buffer');
  const minSwitchUpIntervalMs = positive(values['min-switch-up'], 'min-switch-up');
  const switchPenalty = numberOption(values['switch-penalty'], 'switch-penalty', 0);
  if (switchPenalty < 0) throw new UsageError(`--switch-penalty must be >= 0, got '${values['switch-penalty']}'`);
  const format = values.format;
  if (format !== undefined && format !== 'hls' && format !== 'dash' && format !== 'hls-aes') throw new UsageError(`--format must be hls, dash or hls-aes, got '${format}'`);
  if (format === 'dash' && player === 'hls') throw new UsageError('hls.js plays HLS only: --format hls or hls-aes');
  if ([values.media, values.stream, values.src].filter((v) => v !== undefined).length > 1) throw new UsageError('--src, --media and --stream each name the stream: give one');
  const live = values.live;
  if (live !== undefined && live !== 'll-hls' && live !== 'll-dash') throw new UsageError(`--live must be ll-hls or ll-dash, got '${live}'`);
  if (live === 'll-dash' && player === 'hls') throw new UsageError('--live ll-dash is DASH, which hls.js does not play: use --player shaka (or --live ll-hls for hls.js)');
  if (live !== undefined && (values.src !== undefined || format !== undefined)) throw new UsageError(`--live plays the generated stream as ${live === 'll-dash' ? 'LL-DASH' : 'LL-HLS'}: no --src or --format`);
  const targetLatencyS = positive(values['target-latency'], 'target-latency');
  if (targetLatencyS !== undefined && values.live === undefined) throw new UsageError('--target-latency needs --live');
  const resyncAboveS = positive(values['resync-above'], 'resync-above');
  if (resyncAboveS !== undefined && values.live === undefined) throw new UsageError('--resync-above needs --live');
  const traces = requireOption(values.traces, 'traces', HELP)
    .split(',')
    .filter((path) => path !== '')
    .flatMap((path) => loadTraces(path));
  const streamName = values.stream ?? 'default';
  if (!TEST_STREAMS[streamName]) throw new UsageError(`unknown --stream '${streamName}' (known: ${Object.keys(TEST_STREAMS).join(', ')})`);
  let mediaDir: string | PlayableSource;
  if (values.src !== undefined) {
    const source = await openSource(values.src);
    if (source.kind === 'dash' && player === 'hls') throw new UsageError(`${values.src} is DASH; hls.js plays HLS only (use --player shaka)`);
    if (format !== undefined && format !== source.kind) throw new UsageError(`${values.src} is ${source.kind}: --format ${format} does not apply`);
    console.error(`browser-eval: ${source.kind} from ${source.store.description}: ${source.inspected.video.length} video variants, ${source.stream.durationS} s of ${source.stream.segmentDurationS} s segments${source.inspected.warnings.length ? `; ${source.inspected.warnings.join('; ')}` : ''}`);
    mediaDir = source;
  } else {
    mediaDir = values.media ?? ensureTestStream(streamName, (line) => console.error(`browser-eval: ${line}`)).dir;
  }
  const result = await browserEval({ player, policies, traces, durationS: durationOption, repeat, rttMs, bufferGoalS, minSwitchUpIntervalMs, switchPenalty, mediaDir, ...(format ? { format } : {}), ...(live ? { live: { mode: live, targetLatencyS, resyncAboveS } } : {}) });
  console.log(`\n${player}, ${traces.length} traces x ${repeat}, QoE_lin\n`);
  console.log(formatBrowserSummary(result));
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}
