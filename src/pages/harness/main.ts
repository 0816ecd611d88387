/**
 * The harness's test page (built into dist/pages/harness by `npm run build`). Plays one stream with hls.js or
 * shaka-player, with the player's own ABR (`policy=default`) or abrkit's, and measures from the
 * <video> element: startup, stalls (waiting -> playing), the rung of every segment that reached the
 * buffer (last one wins per position, so a segment replaced after an abort counts once), and the
 * time each abrkit decision took on the main thread.
 */
import type { AbrPolicy } from '../../core/policy.js';
import type { ThroughputEstimator } from '../../core/estimator.js';
import type { Decision, DecisionReason } from '../../core/decision.js';
import { createAdapterPolicy, type AdapterOptions } from '../../adapters/setup.js';
import type { PageConfig, PageResult, PageSegment } from '../protocol.js';
import { bufferAheadS, startPlayerSession, watchStalls } from '../player-session.js';
import { emulateHiddenWindow } from './visibility.js';

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
  decisionKinds: [],
  liveDecisions: 0,
  liveResyncsS: [],
  abandons: 0,
  fallbacks: 0,
  sampleUrls: [],
  codecChoice: null,
  errors: [],
  playerErrors: [],
  finalTimeS: 0,
  hiddenMs: null,
  bufferSamples: [],
  viewerChanges: [],
  segmentTimes: [],
  liveSamples: [],
};
window.__abrkitResult = result;
const segments = new Map<number, PageSegment>();
let stallStartMs: number | null = null;
let stallAtS = 0;

window.addEventListener('error', (event) => result.errors.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => result.errors.push(`unhandled rejection: ${String(event.reason)}`));

watchStalls(video, {
  onStartup: () => {
    result.startupMs = performance.now() - t0Ms;
  },
  onStallStart: (atS) => {
    stallStartMs = performance.now();
    stallAtS = atS;
  },
  onStallEnd: () => {
    if (stallStartMs !== null) result.stalls.push({ atS: stallAtS, durationMs: performance.now() - stallStartMs });
    stallStartMs = null;
  },
});
video.addEventListener('ended', () => finish(true));
if (config.hide) {
  emulateHiddenWindow(video, config.hide, {
    onHidden: () => (result.hiddenMs = { startMs: performance.now() - t0Ms, endMs: null }),
    onVisible: () => result.hiddenMs && (result.hiddenMs.endMs = performance.now() - t0Ms),
  });
}
if (config.hide || config.viewer) {
  const timer = setInterval(() => {
    if (result.done) return clearInterval(timer);
    result.bufferSamples.push({ tMs: performance.now() - t0Ms, bufferS: bufferAheadS(video), hidden: document.visibilityState === 'hidden' });
  }, 500);
}
if (config.live) {
  const timer = setInterval(() => {
    if (result.done) return clearInterval(timer);
    if (result.startupMs !== null) result.liveSamples.push({ wallMs: Date.now(), timeS: video.currentTime, rate: video.playbackRate });
  }, 1000);
}
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

/** A decision's reason as a short label for the run's JSON (see `PageResult.decisionKinds`). */
function reasonKind(reason: DecisionReason): string {
  if (reason.kind === 'stall-guard' || reason.kind === 'hysteresis') return `${reason.kind}(${reasonKind(reason.proposed.reason)})`;
  if (reason.kind === 'dqn') return `dqn-${reason.fallback}`;
  return reason.kind;
}

function timedPolicy(inner: AbrPolicy): AbrPolicy {
  return {
    name: inner.name,
    decide(context) {
      const start = performance.now();
      if (context.isLive && context.segmentsRemaining === null) result.liveDecisions++;
      let decision: Decision | undefined;
      try {
        decision = inner.decide(context);
        return decision;
      } finally {
        result.decisionMs.push(performance.now() - start);
        result.decisionKinds.push(decision ? reasonKind(decision.reason) : 'threw');
      }
    },
    reset: () => inner.reset?.(),
  };
}

/**
 * abrkit's policy by name, built as the adapters build it (src/adapters/setup.ts): a named policy
 * warmed up; `dqn` and `robustmpc+learned` loaded lazily behind the stall guard, RobustMPC deciding
 * until they have loaded. The page then hands the adapter a timing wrapper around it.
 */
function namedPolicy(): { policy: AbrPolicy; estimator: ThroughputEstimator } {
  const built = createAdapterPolicy({
    policy: config.policy as AdapterOptions['policy'],
    onPolicyError: (error) => result.errors.push(`${config.policy} fell back: ${error.message}`),
    ...(config.switchPenalty === undefined ? {} : { switchPenalty: config.switchPenalty }),
  });
  return { policy: built.policy, estimator: built.estimator };
}

async function adapterOptions(): Promise<AdapterOptions> {
  const { policy, estimator } = namedPolicy();
  return {
    policy: timedPolicy(policy),
    estimator,
    // Network ABR only, as before the parity rules: a frame-drop ban (on by default in the shaka adapter,
    // as in shaka) would make runs depend on how busy the machine's CPU is (headless Chromium decodes in software).
    droppedFrames: false,
    ...(config.minSwitchUpIntervalMs ? { minSwitchUpIntervalMs: config.minSwitchUpIntervalMs } : {}),
    ...(config.cmcd ? { cmcd: config.cmcd as AdapterOptions['cmcd'] } : {}),
    ...(config.live
      ? {
          live: {
            targetLatencyS: config.live.targetLatencyS,
            ...(config.live.resyncAboveS === undefined ? {} : { resyncAboveS: config.live.resyncAboveS }),
            onResync: (r) => result.liveResyncsS.push(r.jumpS),
          },
        }
      : {}),
    onAbandon: () => result.abandons++,
    onSegment: (download) => result.sampleUrls.push(new URL(download.url, location.href).pathname),
    onCodecChoice: (choice) => {
      result.codecChoice = `${choice.family}:${choice.reason}`;
    },
    onEvent: (event) => {
      if (event.type === 'error') result.fallbacks++;
    },
    ...(config.viewer
      ? {
          viewer: {
            ...(config.viewer === true ? {} : config.viewer),
            onChange: (c) =>
              result.viewerChanges.push({
                tMs: performance.now() - t0Ms,
                goalS: c.bufferGoalS,
                reason: c.reason.kind,
                lowestRung: c.lowestRung,
                ...(c.replacedBeyondS === undefined ? {} : { replacedBeyondS: c.replacedBeyondS }),
              }),
          },
        }
      : {}),
  };
}

async function start(): Promise<void> {
  await startPlayerSession({
    player: config.player,
    src: config.src,
    video,
    bufferGoalS: config.bufferGoalS,
    segmentDurationS: config.segmentDurationS,
    abrkit: config.policy === 'default' ? null : await adapterOptions(),
    lowLatency: config.live !== undefined,
    ...(config.live?.startBehindEdgeS === undefined ? {} : { liveStartBehindEdgeS: config.live.startBehindEdgeS }),
    // Last one wins per position, so a segment replaced after an abort counts once.
    onSegment: (load) => {
      segments.set(load.index, { index: load.index, rungIndex: load.rungIndex, codec: load.codec, bytes: load.bytes });
      result.segmentTimes.push({ tMs: performance.now() - t0Ms, index: load.index, rungIndex: load.rungIndex });
    },
    onPlayerError: (message, fatal) => {
      result.playerErrors.push(`${fatal ? 'fatal ' : ''}${message}`);
      if (fatal) finish(false);
    },
  });
}

start().catch((error: unknown) => {
  result.errors.push(`${config.player} setup failed: ${String(error)}`);
  finish(false);
});
