/**
 * Player-parity rules, portable (the adapters feed them what the page measures): cap to the
 * player's size, ban rungs that drop frames, and switch hysteresis around any policy.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { Decision } from '../core/decision.js';
import type { Ladder } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

/** What the page says about the video element's size. */
export interface PlayerSize {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly devicePixelRatio: number;
}

/**
 * The highest rung worth fetching for a player of this size: the smallest rendition that covers the
 * element in device pixels (`size x min(devicePixelRatio, maxDevicePixelRatio)`), or the top rung if
 * none does. Renditions without dimensions are never capped (hls.js `capLevelToPlayerSize` with
 * `maxDevicePixelRatio`, shaka `restrictToElementSize`, do the same job for their own ABR).
 */
export function maxRungForPlayerSize(ladder: Ladder, size: PlayerSize, maxDevicePixelRatio = Infinity): number {
  const top = ladder.renditions.length - 1;
  const ratio = Math.max(1, Math.min(size.devicePixelRatio || 1, maxDevicePixelRatio));
  const needW = size.widthPx * ratio;
  const needH = size.heightPx * ratio;
  if (!(needW > 0 && needH > 0)) return top;
  for (let rung = 0; rung <= top; rung++) {
    const r = ladder.renditions[rung]!;
    if (!r.width || !r.height) return top;
    if (r.width >= needW && r.height >= needH) return rung;
  }
  return top;
}

export interface DroppedFramesOptions {
  /** A rung is banned when more than this share of its frames were dropped (15-20% in the issue). */
  readonly maxDroppedRatio: number;
  /** Frames a rung must have played before its ratio is judged (about 10 s at 30 fps). */
  readonly minFrames: number;
  /** How long a ban lasts, ms; then the rung is tried again. */
  readonly banMs: number;
}

export const DROPPED_FRAMES_DEFAULTS: DroppedFramesOptions = Object.freeze({ maxDroppedRatio: 0.15, minFrames: 300, banMs: 60_000 });

export interface DroppedFramesRule {
  /** Frames played (and dropped) at `rungIndex` since the last report. */
  report(rungIndex: number, totalFrames: number, droppedFrames: number, nowMs: number): void;
  /** Highest rung allowed now (`Infinity` when nothing is banned). */
  maxRungIndex(nowMs: number): number;
  reset(): void;
}

/**
 * Bans a rung (and every rung above it) that dropped more than `maxDroppedRatio` of at least
 * `minFrames` frames, for `banMs`. Counts restart for a rung once it has been judged.
 */
export function createDroppedFramesRule(options: Partial<DroppedFramesOptions> = {}): DroppedFramesRule {
  const o = { ...DROPPED_FRAMES_DEFAULTS, ...options };
  if (!(o.maxDroppedRatio > 0 && o.maxDroppedRatio < 1) || !(o.minFrames >= 1) || !(o.banMs > 0)) {
    throw invalidOptions('dropped frames', 'maxDroppedRatio must be in (0, 1), minFrames >= 1 and banMs > 0');
  }
  const counts = new Map<number, { total: number; dropped: number }>();
  let bannedFrom = Infinity;
  let bannedUntilMs = -Infinity;
  return {
    report(rungIndex, totalFrames, droppedFrames, nowMs) {
      if (!(totalFrames > 0) || !(droppedFrames >= 0)) return;
      const c = counts.get(rungIndex) ?? { total: 0, dropped: 0 };
      c.total += totalFrames;
      c.dropped += Math.min(droppedFrames, totalFrames);
      counts.set(rungIndex, c);
      if (c.total < o.minFrames) return;
      if (c.dropped / c.total > o.maxDroppedRatio) {
        bannedFrom = nowMs < bannedUntilMs ? Math.min(bannedFrom, rungIndex) : rungIndex;
        bannedUntilMs = nowMs + o.banMs;
      }
      counts.delete(rungIndex);
    },
    maxRungIndex(nowMs) {
      if (nowMs >= bannedUntilMs) return Infinity;
      return Math.max(0, bannedFrom - 1);
    },
    reset() {
      counts.clear();
      bannedFrom = Infinity;
      bannedUntilMs = -Infinity;
    },
  };
}

export interface SwitchHysteresisOptions {
  /** No switch up sooner than this after the last switch (of the kind `holdAfter` names), ms. */
  readonly minSwitchIntervalMs: number;
  /**
   * Which switches start the hold: `down` (default) holds a switch up only after a switch down, which
   * damps up-down-up oscillation and leaves the start-up ramp free; `any` holds after every switch,
   * ramp steps included (in hls.js playback on Puffer traces it kept sessions on the lowest rungs).
   */
  readonly holdAfter: 'down' | 'any';
  /** A switch up must be to a rung at least this much faster than the held one, as a bitrate ratio. */
  readonly minUpRatio: number;
}

export const SWITCH_HYSTERESIS_DEFAULTS: SwitchHysteresisOptions = Object.freeze({ minSwitchIntervalMs: 8_000, minUpRatio: 1, holdAfter: 'down' as const });

/**
 * Switch hysteresis around a policy: a switch up is held back until `minSwitchIntervalMs` has passed
 * since the last switch down (`holdAfter: 'down'`) or any switch (`'any'`), and must clear `minUpRatio`; a switch down always goes through, since
 * holding a rung the link cannot carry stalls. The held decision keeps the policy's reason under
 * `kind: 'hysteresis'` so it stays explainable.
 */
export function withSwitchHysteresis(policy: AbrPolicy, options: Partial<SwitchHysteresisOptions> = {}): AbrPolicy {
  const o = { ...SWITCH_HYSTERESIS_DEFAULTS, ...options };
  if (!(o.minSwitchIntervalMs >= 0) || !(o.minUpRatio >= 1)) throw invalidOptions('switch hysteresis', 'minSwitchIntervalMs must be >= 0 and minUpRatio >= 1');
  if (o.holdAfter !== 'down' && o.holdAfter !== 'any') throw invalidOptions('switch hysteresis', `holdAfter must be 'down' or 'any', got ${String(o.holdAfter)}`);
  const starts = (from: number, to: number): boolean => o.holdAfter === 'any' || to < from;
  let lastSwitchMs = -Infinity;
  /** The rung the player had delivered at the previous decision. */
  let lastDelivered: number | null = null;
  /** The rung abrkit last decided to switch to (players ask again and again before it is delivered). */
  let lastDecided: number | null = null;
  return {
    name: `${policy.name}+hysteresis`,
    decide(context) {
      const proposed = policy.decide(context);
      const held = context.lastRungIndex;
      if (held !== lastDelivered) {
        // Our own switch arriving was counted when decided; any other rung is the player's switch
        // (an abandonment, a forced level) and counts now.
        const expected = lastDecided ?? lastDelivered;
        if (expected !== null && held !== null && held !== expected && starts(expected, held)) lastSwitchMs = context.nowMs;
        lastDelivered = held;
        lastDecided = null;
      }
      // A switch counts from the decision that makes it, once: asking again for the same rung before
      // it is delivered (hls.js reads nextAutoLevel many times a fragment) is not another switch.
      const switching = (decision: Decision): Decision => {
        if (held !== null && decision.rungIndex !== held && decision.rungIndex !== lastDecided && starts(held, decision.rungIndex)) lastSwitchMs = context.nowMs;
        if (held !== null) lastDecided = decision.rungIndex;
        return decision;
      };
      // The same switch up asked for again before delivery: already let through.
      if (held === null || proposed.rungIndex <= held || proposed.rungIndex === lastDecided) return switching(proposed);
      const rs = context.ladder.renditions;
      const tooSoon = context.nowMs - lastSwitchMs < o.minSwitchIntervalMs;
      const tooSmall = rs[proposed.rungIndex]!.bitrateBps < rs[held]!.bitrateBps * o.minUpRatio;
      if (!tooSoon && !tooSmall) return switching(proposed);
      const rung = Math.min(Math.max(held, context.minRungIndex), context.maxRungIndex);
      const holding: Decision = { rungIndex: rung, reason: { kind: 'hysteresis', proposed, sinceSwitchMs: context.nowMs - lastSwitchMs } };
      return proposed.playbackRate === undefined ? holding : { ...holding, playbackRate: proposed.playbackRate };
    },
    reset() {
      lastSwitchMs = -Infinity;
      lastDelivered = null;
      lastDecided = null;
      policy.reset?.();
    },
  };
}
