/**
 * `abrkit eval`: evaluate policies over traces in the simulator (the embedded default when given
 * nothing).
 */
import { writeFileSync } from 'node:fs';
import { loadTraces, loadVideo } from '../../io.js';
import { loadManifestVideo } from '../../manifest-video.js';
import { CODEC_FAMILY_EFFICIENCY } from '../../manifest/codecs.js';
import type { CodecFamily } from '../../manifest/types.js';
import type { SimVideo } from '../../../sim/ladder-parsers.js';
import { choiceOption, intOption, numberOption, parseCommandArgs, UsageError } from '../args.js';
import { createSyntheticVideo } from '../../../sim/synthetic-video.js';
import { DEFAULT_TRACE_SET, defaultTraceSet } from '../../../sim/synth.js';
import { createProgressBar } from '../progress.js';
import { formatSummary } from '../../table.js';
import { BUILTIN_POLICY_NAMES, ESTIMATOR_NAMES, OPTIMAL_POLICY_NAME, builtinPolicySpec, evaluate, type PolicySpec } from '../../../sim/evaluate.js';
import { createDqnPolicy, createThroughputRegressor } from '../../../dqn.js';
import { DEFAULT_DQN_MODEL } from '../../../learned/model/default-model.js';
import { createRobustMpcPolicy } from '../../../policies/robustmpc.js';
import { withStallGuard } from '../../../policies/stall-guard.js';
import { createNamedEstimator } from '../../../policies/named.js';
import { withPredictionErrors } from '../../../estimators/prediction-errors.js';
import type { QoeName as Qoe } from '../../../qoe/models.js';
import type { AbrPolicy } from '../../../core/policy.js';
import type { DecisionReason } from '../../../core/decision.js';
import { runViewerEval, VIEWERS_HELP } from './eval-viewers.js';

/**
 * The learned policies, registered here rather than in the simulator so that the core and sim
 * bundles never carry the weights. `dqn`'s estimator only feeds its RobustMPC fallback; it plays
 * behind the stall guard, as `robustmpc+learned` does and as the adapters play it. A
 * simulation has no playback to protect, so `dqn` has no time budget here: its figures must not
 * depend on how busy the machine is (the budget's fallback is tested, and measured in Chromium).
 */
/** Decisions `dqn` made in this process, and how many of them it handed to RobustMPC as out of its training distribution. */
const dqnDecisions = { total: 0, outOfDistribution: 0 };

/** Counts the decisions whose reason is the DQN's out-of-distribution fallback (possibly under a guard's reason). */
function countingFallbacks(policy: AbrPolicy): AbrPolicy {
  return {
    ...policy,
    name: policy.name,
    decide(context) {
      const decision = policy.decide(context);
      dqnDecisions.total++;
      if (isOutOfDistribution(decision.reason)) dqnDecisions.outOfDistribution++;
      return decision;
    },
    reset: () => policy.reset?.(),
  };
}

function isOutOfDistribution(reason: DecisionReason): boolean {
  if (reason.kind === 'dqn') return reason.fallback === 'out-of-distribution';
  if (reason.kind === 'stall-guard' || reason.kind === 'hysteresis') return isOutOfDistribution(reason.proposed.reason);
  return false;
}

const LEARNED_POLICIES: Record<string, (qoe: Qoe, switchPenalty: number) => PolicySpec> = {
  dqn: () => ({
    name: 'dqn',
    createPolicy: () =>
      // Behind the stall guard, as in playback (the adapters' `policy: 'dqn'`).
      countingFallbacks(withStallGuard(createDqnPolicy({ model: DEFAULT_DQN_MODEL, warmUpDecisions: 0, timeBudgetMs: Infinity, onError: (error) => console.error(`dqn: ${error.message}`) }))),
    createEstimator: () => withPredictionErrors(createNamedEstimator('harmonic'), { windowSize: 5 }),
  }),
  'robustmpc+learned': (qoe, switchPenalty) => ({
    name: 'robustmpc+learned',
    createPolicy: () => withStallGuard(createRobustMpcPolicy({ qoe, switchPenalty })),
    createEstimator: () => createThroughputRegressor({ initial: DEFAULT_DQN_MODEL.regressor }),
  }),
};
import type { QoeName } from '../../../qoe/models.js';
import { evaluateLive, type LiveEvaluationResult } from '../../../sim/live-eval.js';
import { LIVE_SIM_DEFAULTS } from '../../../sim/live-session.js';
import { AbrkitError } from '../../../core/errors.js';
import { markdownTable } from '../../table.js';

/** The live table: the live QoE and the latency figures issue #15 asks for. */
export function formatLiveSummary(result: Pick<LiveEvaluationResult, 'summary'>): string {
  const headers = ['policy', 'QoE/seg', 'median', 'bitrate kbps', 'stall s', 'stalls', 'switches', 'startup s', 'latencyS', 'latencyP95S', 'atTargetShare', 'above target s', 'rate changes', 'rate adjusted'];
  const rows = result.summary.map((s) => [
    s.policy, s.qoe.toFixed(3), s.qoeMedian.toFixed(3), (s.bitrateMbps * 1000).toFixed(0), s.stallS.toFixed(2), s.stalls.toFixed(2), s.switches.toFixed(1),
    s.startupS.toFixed(2), s.latencyS.toFixed(2), s.latencyP95S.toFixed(2), s.atTargetShare.toFixed(3), s.latencyAboveTargetS.toFixed(2), s.rateChanges.toFixed(1),
    `${(s.rateAdjustedShare * 100).toFixed(0)}%`,
  ]);
  return markdownTable(headers, rows);
}

/** The VoD evaluation's default set: every built-in but `live`, which is for live streams (`--live`). */
const VOD_DEFAULT_POLICIES = BUILTIN_POLICY_NAMES.filter((n) => n !== 'live');
const LIVE_DEFAULT_POLICIES = ['live', 'rate', 'bola', 'robustmpc'];
const HELP = `usage: abrkit eval [--video <path> | --manifest <file|url>] [--traces <dir|file>] [options]

  --video <path>       Pensieve video_size_N folder, Sabre manifest JSON, or abrkit ladder JSON
                       (default: the embedded synthetic video on Pensieve's 300-4300 kbps ladder)
  --manifest <src>     an HLS master/media playlist or DASH MPD, a file or an http(s) URL: its
                       ladder and segment sizes (byte ranges, sidx, else HEAD), audio included;
                       cached as ladder JSON, so later runs read no network
  --manifest-cache <f> the ladder JSON to keep it in (default: a file under .cache/manifests/)
  --manifest-refresh   inspect the manifest again even if it is cached
  --codec <family>     with --manifest: the codec family to keep (${CODEC_FAMILY_EFFICIENCY.filter((f) => f !== 'unknown').join(', ')}, unknown;
                       default: the one with the most rungs, a tie to the more efficient)
  --traces <dir|file>  trace file, or a folder of them (time_s Mbps, Mahimahi, Sabre JSON), sorted by name
                       (default: the embedded synthetic set, ${DEFAULT_TRACE_SET.description})
  --policies <list>    comma-separated: ${[...BUILTIN_POLICY_NAMES, OPTIMAL_POLICY_NAME].join(', ')} (default: all but live),
                       ${Object.keys(LEARNED_POLICIES).join(', ')} (learned); a built-in policy may name its
                       estimator: robustmpc+regression, rate+ewma (${ESTIMATOR_NAMES.join(', ')})
  --qoe <lin|log|hd>   QoE model (default lin)
  --mode <m>           pensieve | realistic (default realistic)
  --pensieve-quirks    RobustMPC as in Pensieve's code: next-chunk sizes, error history kept across traces
  --switch-penalty <x> robustmpc, robustmpc+learned: QoE units the plan is charged per rung change
                       (the adapters' switchPenalty; default 0)
  --bitrates <list>    nominal kbps per rung, for video_size_N folders (default: inferred)
  --chunks <n>         pensieve mode: chunks per session (default 48)
  --json <file>        also write {summary, perTrace} as JSON
  --live               the live mode: content produced in real time, the buffer bounded by the live edge,
                       0.5 s chunks over chunked transfer, 300 s sessions; reports latencyS (mean),
                       latencyP95S, atTargetShare (within 0.5 s of the target) and the live QoE
                       (default policies: live, rate, bola, robustmpc)
  --target-latency <s> with --live: the latency target (default 3)
  --part-duration <s>  with --live: media per part / CMAF chunk, dividing the segment (default 0.5;
                       the LL-HLS harness publishes 1 s parts)
  --resync-above <s>   with --live: jump back to the target when more than this over it, within
                       the buffer (the adapters' live.resyncAboveS; default never)
${VIEWERS_HELP}`;

/** `--manifest`: the video from a stream's manifest, through the manifest cache. */
async function manifestVideo(values: { manifest?: string; video?: string; bitrates?: string; 'manifest-cache'?: string; 'manifest-refresh'?: boolean; codec?: string }): Promise<SimVideo> {
  const src = values.manifest!;
  if (values.video !== undefined) throw new UsageError('--manifest and --video both name the video: give one of them');
  if (values.bitrates !== undefined) throw new UsageError('--bitrates is for video_size_N folders; a manifest has its own bitrates');
  const codec = values.codec === undefined ? undefined : choiceOption<CodecFamily>(values.codec, 'codec', CODEC_FAMILY_EFFICIENCY, 'avc');
  const startedMs = Date.now();
  const loaded = await loadManifestVideo(src, {
    ...(values['manifest-cache'] === undefined ? {} : { cacheFile: values['manifest-cache'] }),
    ...(codec === undefined ? {} : { codec }),
    refresh: values['manifest-refresh'] ?? false,
    onWarning: (warning) => console.error(`manifest: ${warning}`),
  });
  const { video, source } = loaded;
  const kbps = [...new Set([video.renditions[0]!, video.renditions[video.renditions.length - 1]!].map((r) => Math.round(r.bitrateBps / 1000)))].join('-');
  const rungs = `${video.renditions.length} ${source.codec} rung${video.renditions.length === 1 ? '' : 's'}`;
  const what = `${source.kind}, ${rungs} ${kbps} kbit/s, ${video.segmentSizesBytes.length} segments of ${video.segmentDurationS} s${source.audio ? `, audio ${source.audio} added` : ''}${source.encryption ? `, ${source.encryption} encrypted` : ''}`;
  if (loaded.fromCache) console.log(`manifest: ${src}: ${what}; read from the cache ${loaded.cacheFile} (inspected ${source.inspectedAt}; --manifest-refresh to inspect again)`);
  else console.log(`manifest: ${src}: ${what}; inspected in ${((Date.now() - startedMs) / 1000).toFixed(1)} s, cached in ${loaded.cacheFile}`);
  return video;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      video: { type: 'string' },
      manifest: { type: 'string' },
      'manifest-cache': { type: 'string' },
      'manifest-refresh': { type: 'boolean' },
      codec: { type: 'string' },
      traces: { type: 'string' },
      policies: { type: 'string' },
      qoe: { type: 'string' },
      mode: { type: 'string' },
      'pensieve-quirks': { type: 'boolean' },
      'switch-penalty': { type: 'string' },
      bitrates: { type: 'string' },
      chunks: { type: 'string' },
      json: { type: 'string' },
      viewers: { type: 'string' },
      sessions: { type: 'string' },
      seed: { type: 'string' },
      engagement: { type: 'string' },
      'viewer-options': { type: 'string' },
      live: { type: 'boolean' },
      'target-latency': { type: 'string' },
      'part-duration': { type: 'string' },
      'resync-above': { type: 'string' },
    },
    HELP,
  );
  const qoe = choiceOption<QoeName>(values.qoe, 'qoe', ['lin', 'log', 'hd'], 'lin');
  const mode = choiceOption(values.mode, 'mode', ['pensieve', 'realistic'] as const, 'realistic');
  const live = values.live ?? false;
  if (!live && (values['target-latency'] !== undefined || values['part-duration'] !== undefined || values['resync-above'] !== undefined)) throw new UsageError('--target-latency, --part-duration and --resync-above go with --live');
  const names = (values.policies ?? (live ? LIVE_DEFAULT_POLICIES : [...VOD_DEFAULT_POLICIES, OPTIMAL_POLICY_NAME]).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const pensieveQuirks = values['pensieve-quirks'] ?? false;
  const switchPenalty = numberOption(values['switch-penalty'], 'switch-penalty', 0);
  if (switchPenalty < 0) throw new UsageError(`--switch-penalty must be >= 0, got '${values['switch-penalty']}'`);
  const specs = names
    .filter((n) => n !== OPTIMAL_POLICY_NAME)
    .map((n) => {
      const learned = LEARNED_POLICIES[n];
      if (learned) return learned(qoe, switchPenalty);
      try {
        return builtinPolicySpec(n, { qoe, pensieveQuirks, switchPenalty });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    });
  const bitratesKbps = values.bitrates?.split(',').map((s) => {
    const n = Number(s);
    if (!(n > 0)) throw new UsageError(`--bitrates: '${s}' is not a positive number`);
    return n;
  });
  const video = values.manifest !== undefined ? await manifestVideo(values) : values.video === undefined ? createSyntheticVideo() : loadVideo(values.video, bitratesKbps ? { bitratesKbps } : {});
  const traces = values.traces === undefined ? defaultTraceSet() : loadTraces(values.traces);
  if (live) {
    if (names.includes(OPTIMAL_POLICY_NAME)) throw new UsageError('--live has no optimum: leave optimal out of --policies');
    if (values.viewers !== undefined || values.mode !== undefined || values.chunks !== undefined) throw new UsageError('--live cannot be combined with --viewers, --mode or --chunks');
    const targetLatencyS = values['target-latency'] === undefined ? LIVE_SIM_DEFAULTS.targetLatencyS : Number(values['target-latency']);
    if (!(targetLatencyS > 0 && Number.isFinite(targetLatencyS))) throw new UsageError(`--target-latency: '${values['target-latency']}' is not a positive number of seconds`);
    const partDurationS = values['part-duration'] === undefined ? LIVE_SIM_DEFAULTS.partDurationS : Number(values['part-duration']);
    if (!(partDurationS > 0 && Number.isFinite(partDurationS))) throw new UsageError(`--part-duration: '${values['part-duration']}' is not a positive number of seconds`);
    const resyncAboveS = values['resync-above'] === undefined ? LIVE_SIM_DEFAULTS.resyncAboveS : Number(values['resync-above']);
    if (!(resyncAboveS > 0)) throw new UsageError(`--resync-above: '${values['resync-above']}' is not a positive number of seconds`);
    const progress = createProgressBar('eval --live');
    const startedMs = Date.now();
    let result;
    try {
      result = evaluateLive(video, traces, { policies: specs, live: { targetLatencyS, partDurationS, resyncAboveS }, onProgress: (done, total, label) => progress.update(done, total, label) });
    } catch (error) {
      if (error instanceof AbrkitError && error.code === 'invalid-options') throw new UsageError(error.message);
      throw error;
    }
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    console.log(`\n${traces.length} traces, video ${video.name} (${video.renditions.length} rungs), live mode, target latency ${targetLatencyS} s, ${partDurationS} s parts, ${seconds} s\n`);
    console.log(formatLiveSummary(result));
    if (values.json) {
      writeFileSync(values.json, JSON.stringify({ summary: result.summary, perTrace: result.perTrace }, null, 2));
      console.log(`\nwrote ${values.json}`);
    }
    return;
  }
  if (values.viewers !== undefined) {
    if (mode !== 'realistic') throw new UsageError('--viewers plays the realistic mode only');
    return runViewerEval(video, traces, specs, qoe, {
      viewers: values.viewers,
      sessions: intOption(values.sessions, 'sessions', 2),
      seed: intOption(values.seed, 'seed', 1),
      ...(values.engagement === undefined ? {} : { engagement: values.engagement }),
      ...(values['viewer-options'] === undefined ? {} : { viewerOptions: values['viewer-options'] }),
      ...(values.json === undefined ? {} : { json: values.json }),
    });
  }
  const progress = createProgressBar('eval');
  const startedMs = Date.now();
  const result = evaluate(video, traces, {
    mode,
    qoe,
    policies: specs,
    optimal: names.includes(OPTIMAL_POLICY_NAME),
    ...(values.chunks === undefined ? {} : { chunkCount: intOption(values.chunks, 'chunks', 48) }),
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  console.log(`\n${traces.length} traces, video ${video.name} (${video.renditions.length} rungs), ${mode} mode, QoE_${qoe}, ${seconds} s\n`);
  console.log(formatSummary(result));
  const fallbacks = names.includes('dqn') ? { dqn: { decisions: dqnDecisions.total, outOfDistribution: dqnDecisions.outOfDistribution } } : undefined;
  if (fallbacks) {
    const { decisions, outOfDistribution } = fallbacks.dqn;
    const share = decisions === 0 ? 0 : (100 * outOfDistribution) / decisions;
    console.log(`\ndqn: ${outOfDistribution} of ${decisions} decisions (${share.toFixed(1)}%) out of its training distribution, decided by RobustMPC`);
  }
  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ summary: result.summary, perTrace: result.perTrace, ...(fallbacks ? { fallbacks } : {}) }, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}
