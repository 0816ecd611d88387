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
   * first compilations (cold, a decision takes milliseconds; warm, tens of µs). 0 = none.
   */
  readonly warmUpDecisions: number;
  /** Runs the warm-up's next step in a later task; default `setTimeout(fn, 0)`. */
  readonly schedule?: (step: () => void) => void;
}

export const DQN_POLICY_DEFAULTS = Object.freeze({ timeBudgetMs: 5, overBudgetLimit: 3, keepAdaptation: false, deviationMargin: -1, envelopeGuard: true, warmUpDecisions: 400 });

/** Warm-up decisions run per task. */
const WARM_UP_PER_TASK = 10;

export type DqnStatus = 'loading' | 'ready' | 'failed';

export interface DqnPolicy extends AbrPolicy {
  /** Resolves when the model is ready (true) or has failed to load (false). Never rejects. */
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
  const fallback = o.fallback ?? createRobustMpcPolicy({ qoe: 'lin' });
  const timer = o.timer ?? (() => globalThis.performance.now());
  let core: DqnCorePolicy | null = null;
  let status: DqnStatus = 'loading';
  let overBudget = 0;

  const fail = (error: DqnFallbackError) => {
    core = null;
    status = 'failed';
    o.onError?.(error);
  };
  let installed: DqnModel | null = null;
  const install = (raw: unknown) => {
    try {
      const model = isDecoded(raw) ? raw : decodeModel(raw);
      if (!model.envelope) throw new DqnEnvelopeMissingError();
      installed = model;
      core = createDqnCorePolicy(model, {
        keepAdaptation: o.keepAdaptation,
        outOfDistribution: fallback,
        envelopeGuard: o.envelopeGuard,
        ...(o.regressorState ? { regressorState: o.regressorState } : {}),
        ...(o.deviationMargin >= 0 ? { baseline: fallback, deviationMargin: o.deviationMargin } : {}),
      });
      status = 'ready';
    } catch (error) {
      fail(new DqnFallbackError('model-load', error instanceof Error ? error.message : String(error), { cause: error }));
    }
  };

  /** Runs the warm-up on a throwaway core (the real one's regressor state is untouched). */
  const warmUpModel = (model: DqnModel): Promise<void> =>
    warmUp(
      { policy: createDqnCorePolicy(model, { keepAdaptation: false }) },
      { decisions: o.warmUpDecisions, perTask: WARM_UP_PER_TASK, schedule: o.schedule ?? ((step) => void globalThis.setTimeout(step, 0)) },
    );
  const installAndWarm = (raw: unknown): Promise<boolean> => {
    installed = null;
    install(raw);
    if (status !== 'ready' || installed === null) return Promise.resolve(false);
    return warmUpModel(installed).then(() => (status as DqnStatus) === 'ready');
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
      if (model === null) return fallback.decide(context);
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
