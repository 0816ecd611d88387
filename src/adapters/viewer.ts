/**
 * The `viewer` adapter option: watches the page (visibility, the element's paused state, input for
 * idle) and what the session has seen (watch time, pauses, seeks, hides), runs the portable
 * viewer-aware rule (src/policies/viewer-buffer.ts) and hands its buffer goal to the adapter, which
 * sets it on the player (hls.js `maxBufferLength`, shaka `streaming.bufferingGoal`). The player's own
 * goal is taken when the rule first lowers it and given back the moment the viewer returns.
 */
import type { Clock } from '../core/clock.js';
import { invalidOptions } from '../core/errors.js';
import { createHeadroomHold, createViewerBufferRule, type ViewerBufferDecision, type ViewerBufferOptions, type ViewerBufferRule, type ViewerState } from '../policies/viewer-buffer.js';

export interface ViewerOptions extends Partial<ViewerBufferOptions> {
  /** No input (pointer, key, touch, wheel) for this long while playing counts as idle, ms; 0 (default): never idle. */
  readonly idleTimeoutMs?: number;
  /** Called whenever the goal or its reason changes (attach telemetry or a test here). */
  readonly onChange?: (change: ViewerChange) => void;
}

export interface ViewerChange extends ViewerBufferDecision {
  readonly viewer: ViewerState;
  /** The player's own goal the rule is applied to, s. */
  readonly baseGoalS: number;
  /**
   * Set on the change that brought the viewer back from a hidden page whose segments were held at
   * the lowest rung (`hiddenLowestRung` with `replaceOnReturn`): the adapter dropped what was buffered
   * beyond this many seconds ahead of the playhead, to fetch it again at the policy's rung.
   */
  readonly replacedBeyondS?: number;
}

/** The part of `document` the watcher reads. */
export interface ViewerDocument {
  readonly visibilityState: string;
  addEventListener(type: string, fn: () => void, options?: { passive?: boolean }): void;
  removeEventListener(type: string, fn: () => void): void;
}

/** The part of the media element the watcher reads. */
export interface ViewerMedia {
  readonly paused: boolean;
  readonly ended: boolean;
  readonly played?: { readonly length: number; start(i: number): number; end(i: number): number };
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

/** What the adapter does with the rule's answer (src/adapters/viewer-targets.ts has both players'). */
export interface ViewerTarget {
  /** The player's own goal, s: as configured, or as it was before `lower` when lowered. */
  baseGoalS(): number;
  /** Set the player's goal below its own, s. */
  lower(goalS: number): void;
  /** Give the player its own goal back (a no-op when not lowered). */
  restore(): void;
  segmentDurationS(): number;
  /**
   * Drop what is buffered beyond `marginS` ahead of the playhead and fetch it again at the policy's
   * rung, if that rung is above the one it was fetched at (hls.js: a forward `BUFFER_FLUSHING`;
   * shaka: a switch with `clearBuffer` and `safeMargin`). Returns whether anything was dropped.
   */
  replaceAhead(marginS: number): boolean;
  /**
   * The core's predicted throughput over the top rung's bitrate (the rule's `minHeadroom` gate);
   * undefined before the first prediction.
   */
  headroom(): number | undefined;
}

const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'wheel'] as const;
const MEDIA_EVENTS = ['play', 'pause', 'seeking', 'playing', 'ended'] as const;

/** Validates `viewer` as the adapters take it: `true` for the rule's defaults, or its options. */
export function resolveViewerOptions(viewer: boolean | ViewerOptions | undefined): ViewerOptions | null {
  if (viewer === undefined || viewer === false) return null;
  if (viewer === true) return {};
  if (typeof viewer !== 'object' || viewer === null) throw invalidOptions('adapter', 'viewer must be a boolean or an options object');
  const idle = viewer.idleTimeoutMs ?? 0;
  if (!(idle >= 0 && Number.isFinite(idle))) throw invalidOptions('viewer', `idleTimeoutMs must be a number of ms >= 0, got ${idle}`);
  return viewer;
}

export class ViewerWatcher {
  readonly #rule: ViewerBufferRule;
  readonly #options: ViewerOptions;
  readonly #target: ViewerTarget;
  readonly #clock: Clock;
  readonly #doc: ViewerDocument | null;
  #media: ViewerMedia | null = null;
  #loweredS: number | null = null;
  #last: ViewerBufferDecision | null = null;
  #pauses = 0;
  /** Paused counts only once playback has started: before the first `playing` the element is paused too. */
  #started = false;
  #seeks = 0;
  #hides = 0;
  #headroom = createHeadroomHold();
  #lastInputMs: number;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ViewerOptions, target: ViewerTarget, clock: Clock, doc: ViewerDocument | null = pageDocument()) {
    const { idleTimeoutMs: _idle, onChange: _onChange, ...ruleOptions } = options;
    this.#rule = createViewerBufferRule(ruleOptions);
    this.#options = options;
    this.#target = target;
    this.#clock = clock;
    this.#doc = doc;
    this.#lastInputMs = clock.nowMs();
    doc?.addEventListener('visibilitychange', this.#onVisibility);
    if (this.#idleTimeoutMs() > 0) for (const type of INPUT_EVENTS) doc?.addEventListener(type, this.#onInput, { passive: true });
  }

  /** The rule's current answer (null before the first update). */
  get decision(): ViewerBufferDecision | null {
    return this.#last;
  }

  /** The element whose paused state and watch time count (null detaches it). */
  attach(media: ViewerMedia | null): void {
    if (media === this.#media) return;
    for (const type of MEDIA_EVENTS) this.#media?.removeEventListener(type, this.#onMedia);
    this.#media = media;
    for (const type of MEDIA_EVENTS) media?.addEventListener(type, this.#onMedia);
    this.#started = media !== null && !media.paused;
    this.update();
  }

  /** Runs the rule and applies its goal; the adapters also call it at each decision (watch time grows). */
  update(): ViewerBufferDecision | null {
    const viewer = this.state();
    if (this.#media === null) return this.#last;
    const baseGoalS = this.#target.baseGoalS();
    const headroom = this.#headroom(viewer, this.#target.headroom());
    const decision = this.#rule({ viewer, baseGoalS, segmentDurationS: this.#target.segmentDurationS(), ...(headroom === undefined ? {} : { headroom }) });
    const last = this.#last;
    // Set before the target is touched: replacing asks the adapter for a decision, which calls update() again.
    this.#last = decision;
    if (decision.bufferGoalS < baseGoalS) {
      if (this.#loweredS !== decision.bufferGoalS) this.#target.lower(decision.bufferGoalS);
      this.#loweredS = decision.bufferGoalS;
    } else if (this.#loweredS !== null) {
      // The viewer is back: the player's own goal again, at once, so it refills before they look.
      this.#target.restore();
      this.#loweredS = null;
    }
    // Back from a hidden page whose segments were held at the lowest rung: the viewer would see them
    // next, so (beyond the margin the player needs to keep playing) they are fetched again.
    const { replaceOnReturn, replaceMarginS } = this.#rule.options;
    const returned = last?.reason.kind === 'hidden' && last.lowestRung && decision.reason.kind !== 'hidden';
    const replaced = returned && replaceOnReturn && this.#target.replaceAhead(replaceMarginS);
    if (!last || replaced || last.bufferGoalS !== decision.bufferGoalS || last.reason.kind !== decision.reason.kind || last.lowestRung !== decision.lowestRung) {
      this.#options.onChange?.({ ...decision, viewer, baseGoalS, ...(replaced ? { replacedBeyondS: replaceMarginS } : {}) });
    }
    return decision;
  }

  state(): ViewerState {
    const media = this.#media;
    const visible = (this.#doc?.visibilityState ?? 'visible') !== 'hidden';
    const paused = media !== null && this.#started && media.paused && !media.ended;
    const idleMs = this.#idleTimeoutMs();
    const idle = idleMs > 0 && !paused && this.#clock.nowMs() - this.#lastInputMs >= idleMs;
    return { visible, paused, idle, watchedS: playedS(media), pauses: this.#pauses, seeks: this.#seeks, hides: this.#hides };
  }

  /** Gives the player its own goal back and stops listening. */
  destroy(): void {
    this.#target.restore();
    this.#loweredS = null;
    this.attach(null);
    this.#doc?.removeEventListener('visibilitychange', this.#onVisibility);
    for (const type of INPUT_EVENTS) this.#doc?.removeEventListener(type, this.#onInput);
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
  }

  /** A new source: the session's counts start again. */
  reset(): void {
    this.#headroom = createHeadroomHold();
    this.#pauses = 0;
    this.#seeks = 0;
    this.#hides = 0;
    this.#started = false;
  }

  #idleTimeoutMs(): number {
    return this.#options.idleTimeoutMs ?? 0;
  }

  #onVisibility = (): void => {
    if (this.#doc?.visibilityState === 'hidden') this.#hides++;
    this.update();
  };

  #onMedia = (event?: unknown): void => {
    const type = (event as { type?: string } | undefined)?.type;
    if (type === 'pause' && !this.#media?.ended) this.#pauses++;
    if (type === 'seeking') this.#seeks++;
    if (type === 'playing') this.#started = true;
    this.update();
  };

  #onInput = (): void => {
    const wasIdle = this.#last?.reason.kind === 'idle';
    this.#lastInputMs = this.#clock.nowMs();
    if (wasIdle) this.update();
    // One timer per quiet spell: it fires when the spell would turn into idleness.
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      this.update();
    }, this.#idleTimeoutMs());
  };
}

/** Seconds of the element's timeline played so far (its `played` ranges). */
function playedS(media: ViewerMedia | null): number {
  const played = media?.played;
  if (!played) return 0;
  let s = 0;
  for (let i = 0; i < played.length; i++) s += played.end(i) - played.start(i);
  return s;
}

function pageDocument(): ViewerDocument | null {
  return (globalThis as { document?: ViewerDocument }).document ?? null;
}
