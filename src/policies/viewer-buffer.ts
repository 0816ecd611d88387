/**
 * The viewer-aware buffering rule: how much to buffer, and whether to hold the lowest rung, from
 * what the viewer is doing (visible, paused, idle) and how likely they are to still be watching.
 * Portable: the simulator and both adapters inject the state, so the same code decides everywhere.
 */
import { invalidOptions } from '../core/errors.js';
import { DEFAULT_ENGAGEMENT_MODEL, exitProbability, likelyWatchHorizonS, type EngagementFeatures, type EngagementModel } from './engagement.js';

/** What the page (or the simulated viewer) says about the viewer right now. */
export interface ViewerState extends EngagementFeatures {
  /** The page is visible (`document.visibilityState === 'visible'`). */
  readonly visible: boolean;
  /** The viewer paused playback. */
  readonly paused: boolean;
  /** No input for the idle timeout while playing (optional; always false where not tracked). */
  readonly idle: boolean;
}

export interface ViewerBufferOptions {
  /** Buffer goal while the page is hidden, s. */
  readonly hiddenGoalS: number;
  /** Hold the lowest allowed rung while hidden (saves more; the first seconds after return play it). */
  readonly hiddenLowestRung: boolean;
  /**
   * With `hiddenLowestRung`: when the page is visible again, drop the lowest-rung segments buffered
   * while hidden beyond `replaceMarginS` ahead of the playhead, and fetch them again at the policy's
   * rung (hls.js `nextLevel`, shaka's switch with `clearBuffer`). The dropped bytes are wasted; they were cheap.
   */
  readonly replaceOnReturn: boolean;
  readonly replaceMarginS: number;
  /** Buffer goal while paused, s: enough to resume without a stall; the buffer does not drain meanwhile. */
  readonly pausedGoalS: number;
  /** Buffer goal while idle, s. */
  readonly idleGoalS: number;
  /** Cap the goal while watching at what will likely be watched; `null` turns the engagement cap off. */
  readonly engagement: EngagementModel | null;
  /** The engagement cap buffers up to the horizon the session survives with this probability. */
  readonly minSurvival: number;
  /** The engagement cap never takes the goal below this while visible and playing, s. */
  readonly floorS: number;
  /**
   * Lower nothing unless the link has room to refill: the predicted throughput must be at least this
   * many times the bitrate of the highest rung the player may pick (`headroom` in the input). Below it,
   * or with no prediction yet, the player keeps its own goal and rungs. 0 turns the gate off.
   */
  readonly minHeadroom: number;
}

/**
 * Defaults for `viewer: true`. The simulator (`abrkit eval --viewers default`, 5 viewers a trace,
 * Envivio) says every lowered goal costs QoE where the link has no room to refill: ungated, these
 * goals lost 21-30% of QoE per watched segment on Puffer validation and 2-4% on synthetic LTE and
 * congested Wi-Fi. Gated at twice the top rung (`minHeadroom: 2`, the headroom held while away) they
 * cost at most 1.0% on all three (saving 0.0%, 2.4-3.7% and 0.7-1.2% of bytes). The adapters still leave the rule off unless asked.
 */
export const VIEWER_BUFFER_DEFAULTS: ViewerBufferOptions = Object.freeze({
  hiddenGoalS: 12,
  hiddenLowestRung: false,
  replaceOnReturn: true,
  replaceMarginS: 12,
  pausedGoalS: 16,
  idleGoalS: 16,
  engagement: DEFAULT_ENGAGEMENT_MODEL,
  minSurvival: 0.7,
  floorS: 16,
  minHeadroom: 2,
});

export type ViewerBufferReason =
  | { readonly kind: 'hidden' }
  | { readonly kind: 'paused' }
  | { readonly kind: 'idle' }
  /** The engagement cap: the session survives `horizonS` with `minSurvival`; `exitProbability` over the base goal. */
  | { readonly kind: 'engagement'; readonly horizonS: number; readonly exitProbability: number }
  /** The link has less than `minHeadroom` (or no prediction yet): nothing is lowered. */
  | { readonly kind: 'link-bound'; readonly headroom: number | null }
  | { readonly kind: 'watching' };

export interface ViewerBufferDecision {
  /** Stop fetching while a further segment would take the buffer past this, s. Never above the base goal. */
  readonly bufferGoalS: number;
  /** Hold the lowest allowed rung. */
  readonly lowestRung: boolean;
  readonly reason: ViewerBufferReason;
}

/** The player's own goal (hls.js `maxBufferLength`, shaka `bufferingGoal`) and the segment length. */
export interface ViewerBufferInput {
  readonly viewer: ViewerState;
  readonly baseGoalS: number;
  readonly segmentDurationS: number;
  /**
   * Predicted throughput over the bitrate of the highest rung the player may pick (2: the link carries
   * twice the top rung); absent before the first prediction.
   */
  readonly headroom?: number;
}

export interface ViewerBufferRule {
  (input: ViewerBufferInput): ViewerBufferDecision;
  /** The validated options (the adapters and the simulator read `replaceOnReturn` from here). */
  readonly options: ViewerBufferOptions;
}

export function validateViewerBufferOptions(given: Partial<ViewerBufferOptions>): ViewerBufferOptions {
  const o = { ...VIEWER_BUFFER_DEFAULTS, ...given };
  for (const key of ['hiddenGoalS', 'pausedGoalS', 'idleGoalS', 'floorS', 'replaceMarginS'] as const) {
    if (!(o[key] > 0) || !Number.isFinite(o[key])) throw invalidOptions('viewer', `${key} must be a positive number of seconds, got ${o[key]}`);
  }
  if (!(o.minHeadroom >= 0) || !Number.isFinite(o.minHeadroom)) throw invalidOptions('viewer', `minHeadroom must be a finite number >= 0, got ${o.minHeadroom}`);
  if (!(o.minSurvival > 0 && o.minSurvival < 1)) throw invalidOptions('viewer', `minSurvival must be in (0, 1), got ${o.minSurvival}`);
  if (typeof o.hiddenLowestRung !== 'boolean' || typeof o.replaceOnReturn !== 'boolean') throw invalidOptions('viewer', 'hiddenLowestRung and replaceOnReturn must be booleans');
  return o;
}

/**
 * The rule. Hidden, paused or idle: a small goal (never above the base), so little is fetched that
 * nobody may see; visible and playing: the base goal, capped by the engagement model at the horizon
 * the session will likely survive, never below `floorS`. Stateless: the moment the viewer is back
 * (visible, or play pressed) the goal is restored, so the player refills before quality could suffer.
 * Every goal is at least one segment plus one second, so the player always has the next segment to fetch.
 */
export function createViewerBufferRule(options: Partial<ViewerBufferOptions> = {}): ViewerBufferRule {
  const o = validateViewerBufferOptions(options);
  const rule = ({ viewer, baseGoalS, segmentDurationS, headroom }: ViewerBufferInput): ViewerBufferDecision => {
    if (o.minHeadroom > 0 && !(headroom !== undefined && headroom >= o.minHeadroom)) {
      return { bufferGoalS: baseGoalS, lowestRung: false, reason: { kind: 'link-bound', headroom: headroom ?? null } };
    }
    const atLeast = Math.min(baseGoalS, segmentDurationS + 1);
    const goal = (s: number) => Math.max(atLeast, Math.min(baseGoalS, s));
    if (!viewer.visible) return { bufferGoalS: goal(o.hiddenGoalS), lowestRung: o.hiddenLowestRung, reason: { kind: 'hidden' } };
    if (viewer.paused) return { bufferGoalS: goal(o.pausedGoalS), lowestRung: false, reason: { kind: 'paused' } };
    if (viewer.idle) return { bufferGoalS: goal(o.idleGoalS), lowestRung: false, reason: { kind: 'idle' } };
    if (o.engagement === null) return { bufferGoalS: baseGoalS, lowestRung: false, reason: { kind: 'watching' } };
    const horizonS = likelyWatchHorizonS(o.engagement, viewer, o.minSurvival);
    if (horizonS >= baseGoalS) return { bufferGoalS: baseGoalS, lowestRung: false, reason: { kind: 'watching' } };
    return {
      bufferGoalS: goal(Math.max(o.floorS, horizonS)),
      lowestRung: false,
      reason: { kind: 'engagement', horizonS, exitProbability: exitProbability(o.engagement, viewer, baseGoalS) },
    };
  };
  return Object.assign(rule, { options: o });
}

/**
 * The headroom the `minHeadroom` gate reads, held while the viewer is away: measured while watching,
 * and while hidden, paused or idle the last value measured while watching. Away, the player fetches
 * small lowest-rung segments (or none), whose samples read low on a fast link (the round trip weighs
 * more), and an ungated flip back to the full goal and rung mid-absence would undo the saving.
 */
export function createHeadroomHold(): (viewer: ViewerState, measured: number | undefined) => number | undefined {
  let watchingValue: number | undefined;
  return (viewer, measured) => {
    const watching = viewer.visible && !viewer.paused && !viewer.idle;
    if (watching || watchingValue === undefined) watchingValue = measured;
    return watchingValue;
  };
}
