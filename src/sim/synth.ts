/**
 * Seeded synthetic traces: Markov-modulated links (3G, LTE drive, congested Wi-Fi) and a step
 * profile.
 */
import type { Trace } from './trace.js';
import { createPrng, gaussian } from './prng.js';
import { invalidOptions } from '../core/errors.js';

/**
 * A Markov-modulated link: the bandwidth level moves between states (mostly to a neighbour), and
 * each sample is the level's mean times log-normal noise. `step` is deterministic instead.
 */
export interface SynthProfile {
  readonly description: string;
  /** Mean bandwidth of each state, Mbit/s. */
  readonly levelsMbps: readonly number[];
  /** Chance per second of leaving the current state (to a neighbour). */
  readonly switchPerS: number;
  /** Chance per second of jumping to any state (handovers, cross traffic). */
  readonly jumpPerS: number;
  /** Standard deviation of ln(bandwidth) around the level. */
  readonly noiseSigma: number;
}

export const SYNTH_PROFILES = Object.freeze({
  markov: {
    description: 'generic Markov-modulated link, 0.4-7 Mbit/s',
    levelsMbps: [0.4, 0.9, 1.6, 2.8, 4.5, 7],
    switchPerS: 0.08,
    jumpPerS: 0.01,
    noiseSigma: 0.2,
  },
  '3g': {
    description: '3G/HSDPA on the move: 0.2-2.5 Mbit/s, noisy',
    levelsMbps: [0.2, 0.5, 0.9, 1.5, 2.5],
    switchPerS: 0.12,
    jumpPerS: 0.02,
    noiseSigma: 0.35,
  },
  'lte-drive': {
    description: 'LTE while driving: 1-25 Mbit/s with deep fades',
    levelsMbps: [0.6, 2, 5, 10, 18, 25],
    switchPerS: 0.15,
    jumpPerS: 0.03,
    noiseSigma: 0.3,
  },
  'congested-wifi': {
    description: 'Wi-Fi with cross traffic: mostly 6-10 Mbit/s, sudden drops to ~1',
    levelsMbps: [0.8, 1.5, 6, 8, 10],
    switchPerS: 0.05,
    jumpPerS: 0.06,
    noiseSigma: 0.25,
  },
} satisfies Record<string, SynthProfile>);

export type SynthProfileName = keyof typeof SYNTH_PROFILES | 'step';

export interface SynthOptions {
  readonly profile: SynthProfileName;
  readonly seed: number;
  readonly durationS: number;
  readonly sampleIntervalS?: number;
  /** `step` profile: the two levels and how long each lasts. */
  readonly step?: { readonly highMbps: number; readonly lowMbps: number; readonly periodS: number };
  readonly name?: string;
}

export const STEP_DEFAULTS = Object.freeze({ highMbps: 5, lowMbps: 0.6, periodS: 20 });

/** A seeded synthetic trace: the same options always give the same trace. */
export function synthesizeTrace(options: SynthOptions): Trace {
  const { profile, seed, durationS } = options;
  const intervalS = options.sampleIntervalS ?? 1;
  if (!(durationS > 0) || !(intervalS > 0)) throw invalidOptions('synth', 'durationS and sampleIntervalS must be positive');
  const samples = Math.ceil(durationS / intervalS) + 1;
  const timesS = new Float64Array(samples);
  const mbps = new Float64Array(samples);
  for (let k = 0; k < samples; k++) timesS[k] = Math.round(k * intervalS * 1e6) / 1e6;

  if (profile === 'step') {
    const { highMbps, lowMbps, periodS } = { ...STEP_DEFAULTS, ...options.step };
    if (!(highMbps > 0) || !(lowMbps > 0) || !(periodS > 0)) throw invalidOptions('synth', 'step levels and period must be positive');
    for (let k = 0; k < samples; k++) {
      // Sample k covers (t[k-1], t[k]]: its level is that of the period the interval starts in.
      const startS = Math.max(0, timesS[k] - intervalS);
      mbps[k] = Math.floor(startS / periodS) % 2 === 0 ? highMbps : lowMbps;
    }
  } else {
    const p: SynthProfile | undefined = SYNTH_PROFILES[profile];
    if (!p) throw invalidOptions('synth', `unknown profile '${String(profile)}' (expected ${Object.keys(SYNTH_PROFILES).join(', ')}, step)`);
    const random = createPrng(seed);
    let state = Math.floor(random() * p.levelsMbps.length);
    for (let k = 0; k < samples; k++) {
      const r = random();
      if (r < p.jumpPerS * intervalS) {
        state = Math.floor(random() * p.levelsMbps.length);
      } else if (r < (p.jumpPerS + p.switchPerS) * intervalS) {
        state = Math.min(p.levelsMbps.length - 1, Math.max(0, state + (random() < 0.5 ? -1 : 1)));
      }
      mbps[k] = Math.round(p.levelsMbps[state] * Math.exp(p.noiseSigma * gaussian(random)) * 1e4) / 1e4;
    }
  }
  return { name: options.name ?? `${profile}-${seed}`, timesS, mbps, shiftedByS: 0 };
}

/** The embedded default evaluation set: every built-in profile, four seeds each, 320 s per trace. */
export const DEFAULT_TRACE_SET = Object.freeze({
  description: '4 seeds x (markov, 3g, lte-drive, congested-wifi), 320 s each',
  profiles: ['markov', '3g', 'lte-drive', 'congested-wifi'] as const,
  seeds: [1, 2, 3, 4],
  durationS: 320,
});

export function defaultTraceSet(): Trace[] {
  return DEFAULT_TRACE_SET.profiles.flatMap((profile) =>
    DEFAULT_TRACE_SET.seeds.map((seed) => synthesizeTrace({ profile, seed, durationS: DEFAULT_TRACE_SET.durationS, name: `${profile}-${seed}` })),
  );
}
