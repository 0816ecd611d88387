/**
 * The DQN policy an app plays: the learned network (policy.ts) behind a fail-safe. Until the model
 * is loaded, and for good once it fails (load error, non-finite output, thrown error, too slow),
 * decisions come from the fallback (RobustMPC), and every failure is reported with a typed error.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import type { DqnModel, DqnModelFile } from './model.js';
import type { RegressorState } from './regressor.js';
import type { DqnCorePolicy } from './policy.js';
import { AbrkitError, asAbrkitError, invalidOptions } from '../core/errors.js';
import { createRobustMpcPolicy } from '../policies/robustmpc.js';
import { warmUp } from '../core/warm-up.js';
import { decodeModel, DqnEnvelopeMissingError } from './model.js';
import { createDqnCorePolicy } from './policy.js';


/** Why the DQN handed a decision to its fallback. */
export type DqnFailureKind = 'model-load' | 'model-error' | 'non-finite-output' | 'over-budget';

/** Reported through `onError` whenever the DQN falls back. `code` is `policy-failed`; `kind` says why. */
export class DqnFallbackError extends AbrkitError {
  readonly kind: DqnFailureKind;
  constructor(kind: DqnFailureKind, message: string, options?: { cause?: unknown }) {
    super('policy-failed', `dqn (${kind}): ${message}`, options);
    this.name = 'DqnFallbackError';
    this.kind = kind;
  }
}

export interface DqnPolicyOptions {
  /** A model already in hand (a file object, its JSON text, or a decoded model): ready at once. */
  readonly model?: DqnModelFile | DqnModel | string;
  /** Loads the model; default: the weights shipped in the package, imported lazily. */
  readonly loadModel?: () => Promise<unknown>;
  /** Called with a DqnFallbackError each time the policy falls back (and why). */
  readonly onError?: (error: DqnFallbackError) => void;
  /** Budget per decision, ms. The model is dropped after `overBudgetLimit` decisions in a row over it. */
  readonly timeBudgetMs: number;
  readonly overBudgetLimit: number;
  /** Clock for the budget, ms; default `performance.now`. */
  readonly timer?: () => number;
  /** Used before the model is ready and after it fails; default RobustMPC (QoE_lin). */
  readonly fallback?: AbrPolicy;
  /** Persisted regressor state to start from. */
  readonly regressorState?: RegressorState;
  /** Keep the regressor's online adaptation across sessions (`reset`). */
  readonly keepAdaptation: boolean;
  /**
   * Deviate from the fallback policy's choice only when the network's best rung beats it by more
   * than this in Q (scaled reward units); negative disables the check (the network alone decides).
   */
  readonly deviationMargin: number;
  /**
   * Hand decisions whose inputs leave the model's training envelope to the fallback, with the
   * reason `{ kind: 'dqn', fallback: 'out-of-distribution' }` (default true; off only to measure the guard).
   */
  readonly envelopeGuard: boolean;
  /**
   * Synthetic decisions run on a throwaway copy of the network once the model is loaded, before
   * `ready` resolves, a few per task, so that the first real decisions do not pay for the JIT's
   * first compilations (cold, a decision takes milliseconds; warm, tens of µs). The network takes
   * over from the fallback only once they have run (status `warming` until then). 0 = none: it
   * decides as soon as the model is decoded.
   */
  readonly warmUpDecisions: number;
  /** Runs the warm-up's next step in a later task; default `setTimeout(fn, 0)`. */
  readonly schedule?: (step: () => void) => void;
  /**
   * After the warm-up, the network also shadows this many real decisions before it takes over: the
   * fallback decides them, and the network runs on the same context in a later task (its regressor
   * catches up on the session's samples there, and the JIT sees playback's own objects). In Chromium
   * the first real decision after the synthetic warm-up still took 1-4 ms (hls.js, 10 sessions).
   * Only with a warm-up (`warmUpDecisions` > 0).
   */
  readonly shadowDecisions: number;
}

export const DQN_POLICY_DEFAULTS = Object.freeze({ timeBudgetMs: 5, overBudgetLimit: 3, keepAdaptation: false, deviationMargin: -1, envelopeGuard: true, warmUpDecisions: 400, shadowDecisions: 2 });

/** Warm-up decisions run per task. */
const WARM_UP_PER_TASK = 10;

/** `warming`: the model is decoded, its warm-up or shadow decisions still to run; the fallback decides. */
export type DqnStatus = 'loading' | 'warming' | 'ready' | 'failed';

export interface DqnPolicy extends AbrPolicy {
  /**
   * Resolves when the model is loaded and warmed up (true) or has failed to load (false). Never
   * rejects. The network decides from then on, or, with `shadowDecisions`, once it has shadowed
   * that many real decisions (`status()` says `ready` from then).
   */
  readonly ready: Promise<boolean>;
  status(): DqnStatus;
  /** The regressor's adapted state (null until the model is loaded), to persist between sessions. */
  regressorState(): RegressorState | null;
}

function isDecoded(model: unknown): model is DqnModel {
  return typeof model === 'object' && model !== null && 'network' in model && 'regressor' in model;
}

/**
 * The DQN policy. Until its model is loaded, and for good once it fails (load error, non-finite
 * output, thrown error, or too slow), decisions come from the fallback (RobustMPC) and the failure
 * is reported once through `onError`. Playback never waits on the model.
 */
export function createDqnPolicy(options: Partial<DqnPolicyOptions> = {}): DqnPolicy {
  const o = { ...DQN_POLICY_DEFAULTS, ...options };
  if (!(o.timeBudgetMs > 0)) throw invalidOptions('dqn', `timeBudgetMs must be > 0, got ${o.timeBudgetMs}`);
  if (!(Number.isInteger(o.overBudgetLimit) && o.overBudgetLimit >= 1)) throw invalidOptions('dqn', 'overBudgetLimit must be an integer >= 1');
  if (!(Number.isInteger(o.warmUpDecisions) && o.warmUpDecisions >= 0)) throw invalidOptions('dqn', 'warmUpDecisions must be an integer >= 0');
  if (!(Number.isInteger(o.shadowDecisions) && o.shadowDecisions >= 0)) throw invalidOptions('dqn', 'shadowDecisions must be an integer >= 0');
  const schedule = o.schedule ?? ((step: () => void) => void globalThis.setTimeout(step, 0));
  const fallback = o.fallback ?? createRobustMpcPolicy({ qoe: 'lin' });
  const timer = o.timer ?? (() => globalThis.performance.now());
  /** The network that decides: set once the model is decoded and warmed up (and has shadowed). */
  let core: DqnCorePolicy | null = null;
  /** Warmed up, shadowing real decisions before it takes over. */
  let shadowing: DqnCorePolicy | null = null;
  let shadowsLeft = 0;
  let status: DqnStatus = 'loading';
  let overBudget = 0;

  const fail = (error: DqnFallbackError) => {
    core = null;
    status = 'failed';
    o.onError?.(error);
  };
  /** Decodes the model and builds its network; null (and reported) when it cannot. */
  const install = (raw: unknown): { model: DqnModel; core: DqnCorePolicy } | null => {
    try {
      const model = isDecoded(raw) ? raw : decodeModel(raw);
      if (!model.envelope) throw new DqnEnvelopeMissingError();
      const built = createDqnCorePolicy(model, {
        keepAdaptation: o.keepAdaptation,
        outOfDistribution: fallback,
        envelopeGuard: o.envelopeGuard,
        ...(o.regressorState ? { regressorState: o.regressorState } : {}),
        ...(o.deviationMargin >= 0 ? { baseline: fallback, deviationMargin: o.deviationMargin } : {}),
      });
      return { model, core: built };
    } catch (error) {
      fail(new DqnFallbackError('model-load', error instanceof Error ? error.message : String(error), { cause: error }));
      return null;
    }
  };

  /** Runs the warm-up on a throwaway core (the real one's regressor state is untouched). */
  const warmUpModel = (model: DqnModel): Promise<void> =>
    warmUp(
      { policy: createDqnCorePolicy(model, { keepAdaptation: false }) },
      { decisions: o.warmUpDecisions, perTask: WARM_UP_PER_TASK, schedule },
    );
  // Cold, the first decisions took 1-4 ms in Chromium (issue #13's p99 target is 1 ms): the network
  // takes over only once the JIT has compiled it on the warm-up's decisions.
  const installAndWarm = (raw: unknown): Promise<boolean> => {
    const built = install(raw);
    if (built === null) return Promise.resolve(false);
    const takeOver = () => {
      if (status !== 'warming') return false;
      core = built.core;
      status = 'ready';
      return true;
    };
    status = 'warming';
    if (o.warmUpDecisions === 0) return Promise.resolve(takeOver());
    return warmUpModel(built.model).then(() => {
      if (status !== 'warming') return false;
      if (o.shadowDecisions === 0) return takeOver();
      shadowing = built.core;
      shadowsLeft = o.shadowDecisions;
      return true;
    });
  };

  /** Runs the shadowing network on a decision's context in a later task; the last shadow hands over. */
  const shadow = (context: DecisionContext) => {
    const network = shadowing;
    if (network === null || shadowsLeft === 0) return;
    shadowsLeft--;
    const last = shadowsLeft === 0;
    schedule(() => {
      if (status !== 'warming' || shadowing !== network) return;
      try {
        network.decide(context);
      } catch (thrown) {
        shadowing = null;
        const error = asAbrkitError(thrown, 'policy-failed', 'dqn');
        fail(new DqnFallbackError(/output (NaN|-?Infinity)/.test(error.message) ? 'non-finite-output' : 'model-error', error.message, { cause: thrown }));
        return;
      }
      if (last) {
        shadowing = null;
        core = network;
        status = 'ready';
      }
    });
  };

  let ready: Promise<boolean>;
  if (o.model !== undefined) {
    ready = installAndWarm(o.model);
  } else {
    const load = o.loadModel ?? (async () => (await import('./model/default-model.js')).DEFAULT_DQN_MODEL);
    ready = Promise.resolve()
      .then(load)
      .then(
        (raw) => installAndWarm(raw),
        (error: unknown) => {
          fail(new DqnFallbackError('model-load', error instanceof Error ? error.message : String(error), { cause: error }));
          return false;
        },
      );
  }

  return {
    name: 'dqn',
    ready,
    status: () => status,
    regressorState: () => (core ? core.regressorState() : null),
    decide(context: DecisionContext): Decision {
      const model = core;
      if (model === null) {
        const decided = fallback.decide(context);
        shadow(context);
        return decided;
      }
      const startedMs = timer();
      let decision: Decision;
      try {
        decision = model.decide(context);
      } catch (thrown) {
        const error = asAbrkitError(thrown, 'policy-failed', 'dqn');
        const kind: DqnFailureKind = /output (NaN|-?Infinity)/.test(error.message) ? 'non-finite-output' : 'model-error';
        fail(new DqnFallbackError(kind, error.message, { cause: thrown }));
        return fallback.decide(context);
      }
      const elapsedMs = timer() - startedMs;
      if (elapsedMs > o.timeBudgetMs) {
        overBudget++;
        if (overBudget >= o.overBudgetLimit) {
          fail(new DqnFallbackError('over-budget', `${overBudget} decisions in a row over ${o.timeBudgetMs} ms (last ${elapsedMs.toFixed(2)} ms)`));
        }
      } else overBudget = 0;
      return decision;
    },
    reset(): void {
      core?.reset?.();
      fallback.reset?.();
      overBudget = 0;
    },
  };
}
