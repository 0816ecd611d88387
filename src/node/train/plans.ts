/**
 * Plans (the rung of every chunk) of demonstrators on a trace: online policies and the offline
 * optimum.
 */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import { createThroughputRegressor } from '../../learned/regressor.js';
import { playEpisode } from './episode.js';
import { planOptimal } from '../../sim/optimal.js';
import { createQoeModel } from '../../qoe/models.js';
import { createPensieveEnv, PENSIEVE_CONSTANTS } from '../../sim/pensieve-env.js';
import { createRobustMpcPolicy } from '../../policies/robustmpc.js';
import { createBolaPolicy } from '../../policies/bola.js';
import { createRatePolicy } from '../../policies/rate.js';
import type { AbrPolicy } from '../../core/policy.js';

export type Demonstrator = 'robustmpc' | 'best-online' | 'optimal';

/** The demonstration plan of one trace. */
export function demonstrationPlan(demonstrator: Demonstrator, trace: Trace, video: SimVideo): number[] {
  switch (demonstrator) {
    case 'robustmpc':
      return robustMpcPlan(trace, video);
    case 'best-online':
      return bestOnlinePlan(trace, video);
    case 'optimal':
      return optimalPlan(trace, video);
  }
}

/** The rungs an online policy chooses on a trace (chunk 0 included) and its mean QoE_lin over chunks 1.. */
export function onlinePlan(trace: Trace, video: SimVideo, policy: AbrPolicy): { plan: number[]; qoe: number } {
  policy.reset?.();
  const plan = [Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1)];
  const steps = playEpisode(trace, video, createThroughputRegressor(), (features, context) => {
    const rung = policy.decide(context).rungIndex;
    plan.push(rung);
    return rung - features.minRungIndex;
  });
  let total = 0;
  for (const step of steps) total += step.reward;
  return { plan, qoe: total / steps.length };
}

/** The rungs RobustMPC (QoE_lin, no quirks) chooses on a trace, chunk 0 included: a demonstration. */
export function robustMpcPlan(trace: Trace, video: SimVideo): number[] {
  return onlinePlan(trace, video, createRobustMpcPolicy({ qoe: 'lin' })).plan;
}

/**
 * The session of whichever online policy (RobustMPC, BOLA, rate) scored best on this trace. Each
 * demonstration only ever used the past; choosing which one to learn from uses the outcome
 * (filtered imitation), so the agent sees RobustMPC where planning paid and BOLA where the buffer did.
 */
export function bestOnlinePlan(trace: Trace, video: SimVideo): number[] {
  const candidates = [createRobustMpcPolicy({ qoe: 'lin' }), createBolaPolicy(), createRatePolicy()].map((p) => onlinePlan(trace, video, p));
  let best = candidates[0];
  for (const c of candidates) if (c.qoe > best.qoe) best = c;
  return best.plan;
}

/** The offline optimum's plan for each trace (Pensieve mode, QoE_lin): demonstrations for the trainer. */
export function optimalPlan(trace: Trace, video: SimVideo): number[] {
  const env = createPensieveEnv(trace, video);
  const firstRungIndex = Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1);
  return [...planOptimal(env, { qoe: createQoeModel('lin', video), skipFirst: 1, firstRungIndex, startupPenaltyPerS: 0 }).plan];
}
