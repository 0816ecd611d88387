/**
 * What both player adapters share: options and defaults, named policies, the controller and
 * abandonment rule they drive, and the policy's warm-up.
 */
import type { LiveState } from '../core/live.js';
import type { AbrPolicy } from '../core/policy.js';
import type { ThroughputEstimator } from '../core/estimator.js';
import type { Clock } from '../core/clock.js';
import type { Ladder } from '../core/ladder.js';
import type { AbandonOptions, AbandonRule } from '../core/abandon.js';
import { AbrController, type ControllerEvent } from '../core/controller.js';
import { createAbandonRule } from '../core/abandon.js';
import { warmUp, type WarmUpTarget } from '../core/warm-up.js';
import { invalidOptions } from '../core/errors.js';
import { withStallGuard, type StallGuardOptions } from '../policies/stall-guard.js';
import { withSwitchHysteresis, type DroppedFramesOptions } from '../policies/parity.js';
import type { CapToPlayerSizeOptions } from './player-limits.js';
import { resolveViewerOptions, type ViewerOptions } from './viewer.js';
import { resolveCmcdEventOptions, resolveCmcdOptions, type CmcdOptions } from './cmcd.js';
import type { CodecChoice, CodecFamily } from './codecs.js';
import { resyncToTarget, type LiveResync, type ResyncMedia } from './live-resync.js';
import { createLazyLearnedPolicy, isLearnedPolicyName, type LearnedModule, type LearnedPolicyName } from './learned-policy.js';
import type { AbrkitError } from '../core/errors.js';
import { createNamedEstimator, createNamedPolicy as createSharedNamedPolicy, POLICY_NAMES, type EstimatorName, type PolicyName } from '../policies/named.js';

export const ADAPTER_POLICY_NAMES = POLICY_NAMES;
/** `rate`, `bba`, `bola`, `robustmpc`, optionally `+harmonic|+ewma|+regression` (e.g. `robustmpc+regression`). */
export type AdapterPolicyName = PolicyName | `${PolicyName}+${EstimatorName}`;

/** A download the adapter gave up on for a lower rung (emergency switch-down). */
export interface AbandonEvent {
  readonly fromRungIndex: number;
  readonly toRungIndex: number;
  readonly bytesLoaded: number;
  readonly elapsedMs: number;
  readonly bufferS: number;
}

/**
 * A main-media download the adapter measured, in the shape `abrkit/telemetry`'s `recordSegment`
 * takes, so `onSegment: (s) => telemetry.recordSegment(s)` logs every download.
 */
export interface SegmentDownload {
  /** As requested; telemetry strips the query string. */
  readonly url: string;
  readonly bytes: number;
  /** Request time on the adapter's clock, ms. */
  readonly startMs: number;
  readonly ttfbMs: number;
  /** Request to last byte, ms. */
  readonly durationMs: number;
  readonly rungIndex?: number;
  readonly bitrateBps?: number;
  readonly segmentIndex?: number;
  readonly mediaDurationMs?: number;
}

/** Options shared by the hls.js and shaka-player adapters. */
export interface AdapterOptions {
  /**
   * A built-in policy by name, a learned one (`dqn`, `robustmpc+learned`: abrkit/dqn is imported
   * lazily, RobustMPC behind the stall guard decides until it has loaded or if it fails), or any `AbrPolicy`.
   */
  readonly policy?: AdapterPolicyName | LearnedPolicyName | AbrPolicy;
  /** A learned policy by name failed to load, or fell back (default: `console.warn`). */
  readonly onPolicyError?: (error: AbrkitError) => void;
  /** Default: a 5-sample harmonic mean (with prediction errors for RobustMPC), as in the simulator. */
  readonly estimator?: ThroughputEstimator;
  /** Forwarded to the core controller: decisions, rejected samples, policy failures (attach telemetry here). */
  readonly onEvent?: (event: ControllerEvent) => void;
  /** Called for every completed main-media download (not init segments): attach telemetry here. */
  readonly onSegment?: (download: SegmentDownload) => void;
  /** Called when a download in flight is abandoned for a lower rung. */
  readonly onAbandon?: (event: AbandonEvent) => void;
  /** Default: a `performance.now()` clock (the same timeline as the players' request stats). */
  readonly clock?: Clock;
  /** Emergency abandonment: options for the core rule, or `false` to never abandon. */
  readonly abandon?: Partial<AbandonOptions> | false;
  /**
   * Synthetic decisions a throwaway instance of a named policy runs at start-up, a few per task, so
   * that the JIT has compiled it before playback's first decisions (see `src/core/warm-up.ts`).
   * 0 turns it off; policies passed as objects are never warmed up (there is no copy to warm).
   */
  readonly warmUpDecisions?: number;
  /**
   * Put the policy behind `withStallGuard`: no choice that would stall, and no step up that would leave
   * less than 6 s of buffer, were the next segment to take 1.5 times as long as at the slowest of the
   * last 5 downloads' throughputs. `true` for its defaults, or its options. Off by default, so a named
   * policy behaves as in the simulator.
   */
  readonly stallGuard?: boolean | Partial<StallGuardOptions>;
  /**
   * When the ladder offers several video codecs: the families in order of preference. Default: by
   * quality per bit (av1, vp9, hevc, avc), after what the device decodes smoothly and power-efficiently.
   */
  readonly codecPreference?: readonly CodecFamily[];
  /** Called once per session when the ladder had several codecs, with the family chosen and why. */
  readonly onCodecChoice?: (choice: CodecChoice) => void;
  /**
   * Never fetch a rendition larger than the video element in device pixels (the smallest one that
   * covers `clientWidth x clientHeight x devicePixelRatio`). Default: what the player is configured
   * to do, which is off in both (hls.js `capLevelToPlayerSize` with its `maxDevicePixelRatio`, shaka
   * `abr.restrictToElementSize` with `abr.ignoreDevicePixelRatio`).
   */
  readonly capToPlayerSize?: boolean | CapToPlayerSizeOptions;
  /**
   * Ban a rung, and those above it, for a while when it drops too many frames
   * (`video.getVideoPlaybackQuality()`). Default: as the player is configured: on in shaka
   * (`abr.droppedFrames`, with its `droppedFramesThreshold` 15% and `droppedFramesBanDuration` 30 s),
   * off in hls.js (`capLevelOnFPSDrop`, with its `fpsDroppedMonitoringThreshold`).
   */
  readonly droppedFrames?: boolean | Partial<DroppedFramesOptions>;
  /**
   * No switch up within this many ms of the last switch (switches down always go through); 0 or
   * unset: off. In the simulator an 8 s interval cut RobustMPC's switches by a third and cost QoE
   * (notes/viewer.md), so it is off by default.
   */
  readonly minSwitchUpIntervalMs?: number;
  /**
   * `robustmpc` and `robustmpc+learned` (and the RobustMPC that stands in while a learned policy
   * loads): a cost per rung change in RobustMPC's plan, in QoE_lin units (Mbit/s of one chunk), so it
   * climbs in fewer, larger steps (`RobustMpcOptions.switchPenalty`). Default 0.
   */
  readonly switchPenalty?: number;
  /**
   * A download faster than this (or one the player says came from its cache) never raises the
   * estimate: it is kept only when slower than the current estimate. Default: 10 ms (the core's
   * cache-hit filter, dash.js's threshold), or shaka's `abr.cacheLoadThreshold` when that is larger.
   */
  readonly cacheHitMaxDurationMs?: number;
  /**
   * Viewer-aware buffering: a lower buffer goal while the page is hidden, the video paused, or the
   * viewer idle (`idleTimeoutMs`), and optionally the engagement cap while watching
   * (src/policies/viewer-buffer.ts); the player's own goal comes back the moment the viewer does.
   * `true` for the rule's defaults (hidden 12 s, paused 16 s, engagement cap), or its options. Off by
   * default: in the simulator every lowered goal cost some QoE on slow links (README, Viewer-aware buffering).
   * shaka needs `player` (the goal is set with `player.configure`).
   */
  readonly viewer?: boolean | ViewerOptions;
  /**
   * CMCD v2 request keys (`br`, `bl`, `mtp`, `rtp`, `nor`, `ot`, `su`, `bg`, `v`, and `sid`/`cid` when
   * given) on every media request, in query mode, from abrkit's own state (`mtp` is abrkit's
   * estimate). `true` for the defaults. Off by default; leave the player's own `cmcd` config off with
   * it. shaka needs `player` (a request filter on its networking engine). `events: { url, token?,
   * intervalS? }` adds event mode (play states, bitrate changes, backgrounding, errors, a time
   * interval) POSTed to a collector; `requests: false` with it sends events only.
   */
  readonly cmcd?: boolean | CmcdOptions;
  /**
   * A live stream and its latency target: the controller treats the session as live from the first
   * decision (hls.js makes it before any media playlist is loaded), passes the measured latency
   * behind the live edge to the policy, and applies a decision's `playbackRate` to the video element
   * (a policy without one leaves the rate alone). With the `live` policy, leave the player's own
   * catch-up off (hls.js `maxLiveSyncPlaybackRate: 1`, its default; shaka `streaming.liveSync.enabled: false`).
   */
  readonly live?: LiveOptions;
}

export interface LiveOptions {
  /** Seconds behind the live edge the viewer should be (issue #15's default: 3). */
  readonly targetLatencyS: number;
  /**
   * More than this many seconds over the target (after a long stall, say), jump the playhead ahead
   * to the target within what is buffered (src/adapters/live-resync.ts), instead of leaving the rate
   * catch-up minutes of work. Default `Infinity` (never), as in the players: in the simulator, on
   * Puffer's training traces, a 3 s threshold raised the time at the target from 52% to 65% and cost
   * 58% more stall time (README, Simulator, Live mode).
   */
  readonly resyncAboveS?: number;
  /** Called after each such jump. */
  readonly onResync?: (resync: LiveResync) => void;
}

/** Off by default, as in hls.js (`liveMaxLatencyDuration`) and dash.js (`liveCatchup.maxDrift`): a jump trades the stall cushion a high latency gives for latency (README, Live). */
export const LIVE_DEFAULTS = Object.freeze({ resyncAboveS: Number.POSITIVE_INFINITY });

/** The live options checked: a positive, finite target, a positive resync threshold. */
export function resolveLiveOptions(live: LiveOptions | undefined): LiveOptions | null {
  if (live === undefined) return null;
  if (!(live.targetLatencyS > 0 && Number.isFinite(live.targetLatencyS))) throw invalidOptions('adapter', `live.targetLatencyS must be a positive number of seconds, got ${live.targetLatencyS}`);
  if (live.resyncAboveS !== undefined && !(live.resyncAboveS > 0)) throw invalidOptions('adapter', `live.resyncAboveS must be a positive number of seconds (or Infinity), got ${live.resyncAboveS}`);
  return live;
}

/**
 * Before a live decision: the jump back to the target when the latency is too far over it
 * (`LiveOptions.resyncAboveS`). Returns the state the decision should see: the latency less the
 * media skipped (the players cache their latency figure until the next timeupdate; the buffer ahead
 * they compute from the element, which has already moved).
 */
export function applyLiveResync(media: ResyncMedia | null, live: LiveOptions, state: LiveState): LiveState {
  const resync = resyncToTarget(media, state.latencyS, live.targetLatencyS, live.resyncAboveS ?? LIVE_DEFAULTS.resyncAboveS);
  if (!resync) return state;
  live.onResync?.(resync);
  return { ...state, latencyS: state.latencyS - resync.jumpS };
}

/** Sets the element's rate to a decision's, when it asks for one that differs (0.001 apart: no churn of ratechange events). */
export function applyPlaybackRate(media: { playbackRate: number } | null, rate: number | undefined): void {
  if (media === null || rate === undefined || Math.abs(media.playbackRate - rate) < 0.001) return;
  media.playbackRate = rate;
}

export const ADAPTER_DEFAULTS = Object.freeze({ policy: 'bola' as AdapterPolicyName, warmUpDecisions: 200, switchPenalty: 0 });

/** Warm-up decisions per task: each task stays around a millisecond even before the JIT has run. */
const WARM_UP_PER_TASK = 10;

/**
 * Warms up a throwaway policy (and estimator) on the page's timers, as the adapters do for a named
 * policy; resolves at once where there are no timers. For callers that hand the adapter a policy
 * object (which it cannot copy) but can build a copy themselves.
 */
export function startWarmUp(target: WarmUpTarget, decisions: number = ADAPTER_DEFAULTS.warmUpDecisions): Promise<void> {
  const setTimer = (globalThis as { setTimeout?: (fn: () => void, ms: number) => unknown }).setTimeout;
  if (!setTimer) return Promise.resolve();
  return warmUp(target, { decisions, perTask: WARM_UP_PER_TASK, schedule: (step) => void setTimer(step, 0) });
}

/** The browser's monotonic clock. Only adapters create it; the core never reads `performance`. */
export function performanceClock(): Clock {
  return { nowMs: () => performance.now() };
}

/**
 * A built-in policy and its estimator by name, from the same table the simulator and the CLI use
 * (src/policies/named.ts: 5-sample harmonic mean by default, RobustMPC with its prediction-error bound).
 */
export function createNamedPolicy(name: AdapterPolicyName, switchPenalty = 0): { policy: AbrPolicy; estimator: ThroughputEstimator } {
  return createSharedNamedPolicy(name, { qoe: 'lin', switchPenalty });
}

/** abrkit/dqn's learned parts, as a lazy chunk the base adapter bundle does not carry. */
async function loadLearnedModule(): Promise<LearnedModule> {
  const [dqn, estimator] = await Promise.all([import('../learned/dqn-policy.js'), import('../learned/learned-estimator.js')]);
  return { createDqnPolicy: dqn.createDqnPolicy, loadLearnedEstimator: () => estimator.loadLearnedEstimator() };
}

/** What an adapter needs from the core: a controller and an abandonment rule (or none). */
export interface AdapterCore {
  readonly controller: AbrController;
  readonly abandonRule: AbandonRule | null;
  readonly clock: Clock;
  /** Resolves when the policy's warm-up has run (at once when there is none). */
  readonly warmedUp: Promise<void>;
}

/**
 * Builds the core behind an adapter, from the same policy constructors and estimator the simulator's
 * built-in specs use (RobustMPC with the Pensieve quirks off). Rejects unknown names with
 * `invalid-options` before the player starts, never mid-playback.
 */
export function createAdapterCore(options: AdapterOptions, initialLadder: Ladder): AdapterCore {
  const { policy, estimator, warmedUp } = createAdapterPolicy(options);
  resolveLiveOptions(options.live);
  resolveViewerOptions(options.viewer);
  resolveCmcdEventOptions(resolveCmcdOptions(options.cmcd)?.events);
  if (options.abandon !== undefined && options.abandon !== false && typeof options.abandon !== 'object') {
    throw invalidOptions('adapter', 'abandon must be an options object or false');
  }
  const clock = options.clock ?? performanceClock();
  const controller = new AbrController({ ladder: initialLadder, policy, estimator, clock, onEvent: options.onEvent });
  const abandonRule = options.abandon === false ? null : createAbandonRule(options.abandon ?? {});
  return { controller, abandonRule, clock, warmedUp };
}

/** The policy options `createAdapterPolicy` reads. */
export type AdapterPolicyOptions = Pick<AdapterOptions, 'policy' | 'onPolicyError' | 'estimator' | 'warmUpDecisions' | 'stallGuard' | 'minSwitchUpIntervalMs' | 'switchPenalty'>;

/** The policy an adapter plays, its estimator, and its warm-up. */
export interface AdapterPolicy {
  readonly policy: AbrPolicy;
  readonly estimator: ThroughputEstimator;
  /** Resolves when the policy's warm-up has run (at once when there is none). */
  readonly warmedUp: Promise<void>;
}

/**
 * The policy and estimator an adapter plays for `options.policy`, exactly as `createAdapterCore`
 * builds them (named or learned, behind the stall guard and hysteresis when asked, warmed up): for a
 * page that wraps the policy (to time it, say) and hands the adapter the wrapper.
 */
export function createAdapterPolicy(options: AdapterPolicyOptions): AdapterPolicy {
  const policyOption = options.policy ?? ADAPTER_DEFAULTS.policy;
  const guardOption = options.stallGuard;
  if (guardOption !== undefined && typeof guardOption !== 'boolean' && (typeof guardOption !== 'object' || guardOption === null)) {
    throw invalidOptions('adapter', 'stallGuard must be a boolean or an options object');
  }
  const intervalMs = options.minSwitchUpIntervalMs ?? 0;
  const switchPenalty = options.switchPenalty ?? ADAPTER_DEFAULTS.switchPenalty;
  if (!(switchPenalty >= 0 && Number.isFinite(switchPenalty))) throw invalidOptions('adapter', `switchPenalty must be a finite number >= 0, got ${switchPenalty}`);
  if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) throw invalidOptions('adapter', `minSwitchUpIntervalMs must be a number of ms >= 0, got ${intervalMs}`);
  const decisions = options.warmUpDecisions ?? ADAPTER_DEFAULTS.warmUpDecisions;
  if (!(Number.isInteger(decisions) && decisions >= 0)) throw invalidOptions('adapter', `warmUpDecisions must be an integer >= 0, got ${decisions}`);
  // Hysteresis outside the stall guard: it only ever holds a rung the guarded policy moved up from.
  const guard =
    guardOption || intervalMs > 0
      ? (p: AbrPolicy) => {
          const guarded = guardOption ? withStallGuard(p, guardOption === true ? {} : guardOption) : p;
          return intervalMs > 0 ? withSwitchHysteresis(guarded, { minSwitchIntervalMs: intervalMs }) : guarded;
        }
      : null;
  let policy: AbrPolicy;
  let estimator = options.estimator;
  let warmedUp = Promise.resolve();
  if (typeof policyOption === 'string' && isLearnedPolicyName(policyOption)) {
    const lazy = createLazyLearnedPolicy(policyOption, { load: loadLearnedModule, switchPenalty, onError: options.onPolicyError ?? ((error) => console.warn(`abrkit: ${error.message}`)) });
    policy = lazy.policy;
    estimator ??= lazy.estimator;
    // What decides until the learned parts load: RobustMPC behind the stall guard (the DQN warms its own network).
    if (decisions > 0) {
      const copy = createNamedPolicy('robustmpc', switchPenalty);
      warmedUp = startWarmUp({ policy: withStallGuard(copy.policy), ...(options.estimator ? {} : { estimator: copy.estimator }) }, decisions);
    }
  } else if (typeof policyOption === 'string') {
    const named = createNamedPolicy(policyOption, switchPenalty);
    policy = named.policy;
    estimator ??= named.estimator;
    if (decisions > 0) {
      // The estimator too when it is the named one (a caller's estimator is live state, not to be fed fakes).
      const copy = createNamedPolicy(policyOption, switchPenalty);
      warmedUp = startWarmUp({ policy: guard ? guard(copy.policy) : copy.policy, ...(options.estimator ? {} : { estimator: copy.estimator }) }, decisions);
    }
  } else if (policyOption && typeof policyOption.decide === 'function') {
    policy = policyOption;
    estimator ??= createNamedEstimator('harmonic');
  } else {
    throw invalidOptions('adapter', 'policy must be a policy name or an object with decide(context)');
  }
  if (guard) policy = guard(policy);
  return { policy, estimator, warmedUp };
}

/**
 * Maps a player's renditions (in the player's order) to a core ladder sorted by bitrate, and back.
 * `rungOf[playerIndex]` is the rung; `playerIndexOf[rung]` the player's index.
 */
export interface LadderMapping {
  readonly ladder: Ladder;
  readonly rungOf: readonly number[];
  readonly playerIndexOf: readonly number[];
}

export interface PlayerRendition {
  readonly bitrateBps: number;
  readonly width?: number;
  readonly height?: number;
  readonly codecs?: string;
  readonly id: string;
}

/** `include` leaves renditions out of the ladder (another codec): their `rungOf` is a hole. */
export function mapLadder(renditions: readonly PlayerRendition[], segmentDurationS: number, include: (playerIndex: number) => boolean = () => true): LadderMapping {
  const order = renditions.map((_, i) => i).filter(include).sort((a, b) => renditions[a]!.bitrateBps - renditions[b]!.bitrateBps || a - b);
  const rungOf: number[] = new Array<number>(renditions.length);
  order.forEach((playerIndex, rung) => {
    rungOf[playerIndex] = rung;
  });
  const ladder: Ladder = {
    renditions: order.map((i) => {
      const r = renditions[i]!;
      return {
        id: r.id,
        bitrateBps: r.bitrateBps,
        ...(r.width ? { width: r.width } : {}),
        ...(r.height ? { height: r.height } : {}),
        ...(r.codecs ? { codecs: r.codecs } : {}),
      };
    }),
    segmentDurationS,
  };
  return { ladder, rungOf, playerIndexOf: order };
}

/** Lowest and highest rung among the allowed player indices; `null` when none is allowed. */
export function rungBounds(mapping: LadderMapping, allowed: (playerIndex: number) => boolean): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  mapping.rungOf.forEach((rung, playerIndex) => {
    if (!allowed(playerIndex)) return;
    min = Math.min(min, rung);
    max = Math.max(max, rung);
  });
  return min === Infinity ? null : { min, max };
}
