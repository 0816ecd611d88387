/**
 * The harness's test page (bundled with esbuild at run time). Plays one stream with hls.js or
 * shaka-player, with the player's own ABR (`policy=default`) or abrkit's, and measures from the
 * <video> element: startup, stalls (waiting -> playing), the rung of every segment that reached the
 * buffer (last one wins per position, so a segment replaced after an abort counts once), and the
 * time each abrkit decision took on the main thread.
 */
import Hls from 'hls.js';
import shaka from 'shaka-player';
import { createAbrController } from '../../hls.js';
import { createAbrManager } from '../../shaka.js';
import type { AbrPolicy } from '../../core/policy.js';
import type { ThroughputEstimator } from '../../core/estimator.js';
import { createDqnPolicy, loadLearnedEstimator } from '../../dqn.js';
import { createNamedPolicy, startWarmUp, type AdapterOptions, type AdapterPolicyName } from '../../adapters/setup.js';
import { withStallGuard } from '../../policies/stall-guard.js';
import type { PageConfig, PageResult, PageSegment } from '../protocol.js';

declare global {
  interface Window {
    __abrkitResult?: PageResult;
  }
}

const config = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}') as PageConfig;
const video = document.querySelector('video')!;
const t0Ms = performance.now();
const result: PageResult = {
  done: false,
  ended: false,
  startupMs: null,
  stalls: [],
  segments: [],
  decisionMs: [],
  liveDecisions: 0,
  abandons: 0,
  fallbacks: 0,
  errors: [],
  playerErrors: [],
  finalTimeS: 0,
};
window.__abrkitResult = result;
const segments = new Map<number, PageSegment>();
let stallStartMs: number | null = null;
let stallAtS = 0;

window.addEventListener('error', (event) => result.errors.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => result.errors.push(`unhandled rejection: ${String(event.reason)}`));

video.addEventListener('playing', () => {
  const now = performance.now();
  if (result.startupMs === null) result.startupMs = now - t0Ms;
  if (stallStartMs !== null) {
    result.stalls.push({ atS: stallAtS, durationMs: now - stallStartMs });
    stallStartMs = null;
  }
});
video.addEventListener('waiting', () => {
  if (result.startupMs === null || stallStartMs !== null || video.ended) return;
  stallStartMs = performance.now();
  stallAtS = video.currentTime;
});
video.addEventListener('ended', () => finish(true));
video.addEventListener('timeupdate', () => {
  if (config.maxS && video.currentTime >= config.maxS) finish(false);
});

function finish(ended: boolean): void {
  if (result.done) return;
  if (stallStartMs !== null) result.stalls.push({ atS: stallAtS, durationMs: performance.now() - stallStartMs });
  stallStartMs = null;
  result.ended = ended;
  result.finalTimeS = video.currentTime;
  result.segments = [...segments.values()].sort((a, b) => a.index - b.index);
  result.done = true;
  video.pause();
}

function timedPolicy(inner: AbrPolicy): AbrPolicy {
  return {
    name: inner.name,
    decide(context) {
      const start = performance.now();
      if (context.isLive && context.segmentsRemaining === null) result.liveDecisions++;
      try {
        return inner.decide(context);
      } finally {
        result.decisionMs.push(performance.now() - start);
      }
    },
    reset: () => inner.reset?.(),
  };
}

/** abrkit's policy by name; `dqn` starts at once on its fallback while the model loads, as in an app. */
// The page hands the adapter a timing wrapper, which the adapter cannot copy to warm up: the page
// warms a copy of the named policy itself, as the adapter would.
async function namedPolicy(): Promise<{ policy: AbrPolicy; estimator: ThroughputEstimator }> {
  if (config.policy === 'robustmpc+learned') {
    // RobustMPC planning on the learned regressor (abrkit/dqn), fresh per session, behind the stall guard.
    const estimator = await loadLearnedEstimator();
    void startWarmUp({ policy: withStallGuard(createNamedPolicy('robustmpc').policy), estimator: await loadLearnedEstimator() });
    return { policy: withStallGuard(createNamedPolicy('robustmpc').policy), estimator };
  }
  if (config.policy !== 'dqn') {
    void startWarmUp(createNamedPolicy(config.policy as AdapterPolicyName));
    return createNamedPolicy(config.policy as AdapterPolicyName);
  }
  const policy = createDqnPolicy({ onError: (error) => result.errors.push(`dqn fell back: ${error.message}`) });
  return { policy, estimator: createNamedPolicy('robustmpc').estimator };
}

async function adapterOptions(): Promise<AdapterOptions> {
  const { policy, estimator } = await namedPolicy();
  return {
    policy: timedPolicy(policy),
    estimator,
    onAbandon: () => result.abandons++,
    onEvent: (event) => {
      if (event.type === 'error') result.fallbacks++;
    },
  };
}

function record(index: number, rungIndex: number, bytes: number): void {
  segments.set(index, { index, rungIndex, bytes });
}

async function startHls(): Promise<void> {
  const useAbrkit = config.policy !== 'default';
  const hls = new Hls({
    ...(useAbrkit ? { abrController: createAbrController(await adapterOptions()) } : {}),
    maxBufferLength: config.bufferGoalS,
    maxMaxBufferLength: config.bufferGoalS,
  });
  const rungOfLevel = (level: number): number => {
    const bitrates = hls.levels.map((l) => l.bitrate).sort((a, b) => a - b);
    return bitrates.indexOf(hls.levels[level]!.bitrate);
  };
  hls.on(Hls.Events.FRAG_BUFFERED, (_event, data) => {
    const frag = data.frag;
    if (String(frag.type) !== 'main' || frag.sn === 'initSegment') return;
    record(Math.round(frag.start / config.segmentDurationS), rungOfLevel(frag.level), frag.stats.loaded);
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    result.playerErrors.push(`${data.fatal ? 'fatal ' : ''}${data.details}`);
    if (data.fatal) finish(false);
  });
  hls.loadSource(config.src);
  hls.attachMedia(video);
  void video.play().catch(() => undefined);
}

async function startShaka(): Promise<void> {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  await player.attach(video);
  player.configure({ streaming: { bufferingGoal: config.bufferGoalS, rebufferingGoal: 2 } });
  if (config.policy !== 'default') {
    const options = await adapterOptions();
    player.configure({ abrFactory: () => createAbrManager({ ...options, player }) });
  }
  const videoBandwidths: number[] = [];
  player.getNetworkingEngine()!.registerResponseFilter((type, response, context) => {
    const stream = context?.stream;
    const segment = context?.segment;
    // RequestType.SEGMENT = 1, AdvancedRequestType.MEDIA_SEGMENT = 1 (shaka 5).
    if (type !== 1 || context?.type !== 1 || !stream || stream.type !== 'video' || !segment) return;
    if (videoBandwidths.length === 0) {
      const all = player.getVariantTracks().map((t) => t.videoBandwidth ?? 0);
      videoBandwidths.push(...[...new Set(all)].sort((a, b) => a - b));
    }
    const rung = videoBandwidths.indexOf(stream.bandwidth ?? -1);
    record(Math.round(segment.getStartTime() / config.segmentDurationS), rung, response.data.byteLength);
  });
  player.addEventListener('error', (event) => {
    const detail = (event as unknown as { detail?: { code?: number; severity?: number } }).detail;
    result.playerErrors.push(`shaka error ${detail?.code ?? '?'} severity ${detail?.severity ?? '?'}`);
    if (detail?.severity === 2) finish(false);
  });
  await player.load(config.src);
  void video.play().catch(() => undefined);
}

(config.player === 'hls' ? startHls() : startShaka()).catch((error: unknown) => {
  result.errors.push(`${config.player} setup failed: ${String(error)}`);
  finish(false);
});
