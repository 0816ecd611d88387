/**
 * Per-arm QoE figures with bootstrap 95% confidence intervals, and each arm's difference against
 * control. Sessions are the unit of randomisation, so they are what the bootstrap resamples: ratio
 * metrics (rebuffer %, stalls per hour, ...) are pooled over an arm's sessions (total stall time over
 * total time, as Puffer reports them) and recomputed on each resample. Seeded: the same data and
 * seed give the same intervals.
 */
import { createPrng } from '../../sim/prng.js';
import type { SessionQoe } from './sessions.js';

export const METRICS = [
  { id: 'startupMedianMs', label: 'startup median', unit: 'ms', digits: 0 },
  { id: 'startupP90Ms', label: 'startup p90', unit: 'ms', digits: 0 },
  { id: 'rebufferPct', label: 'rebuffer', unit: '%', digits: 3 },
  { id: 'stallsPerHour', label: 'stalls per hour', unit: '/h', digits: 2 },
  { id: 'exitsBeforeStartPct', label: 'exits before start', unit: '%', digits: 2 },
  { id: 'meanBitrateKbps', label: 'mean bitrate', unit: 'kbps', digits: 0 },
  { id: 'switchesPerMin', label: 'switches per minute', unit: '/min', digits: 3 },
  { id: 'qoeLinPerChunk', label: 'QoE_lin per chunk', unit: '', digits: 4 },
  { id: 'mbPerWatchedMin', label: 'MB per watched minute', unit: 'MB/min', digits: 3 },
] as const;
export type MetricId = (typeof METRICS)[number]['id'];
export type ArmFigures = Record<MetricId, number>;

export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface ArmReport {
  readonly arm: string;
  readonly sessions: number;
  readonly figures: Readonly<Record<MetricId, Interval>>;
  /** This arm minus control (absent for control itself); `significant`: the 95% interval excludes 0. */
  readonly vsControl?: Readonly<Record<MetricId, Interval & { readonly significant: boolean }>>;
}

export interface ReportOptions {
  /** The arm the others are compared with; default `control` when there is one, else the first by name. */
  readonly control?: string;
  /** Bootstrap resamples (default 1000). */
  readonly resamples?: number;
  readonly seed?: number;
}

export const REPORT_DEFAULTS = Object.freeze({ resamples: 1000, seed: 1 });

/** Quantile with linear interpolation between order statistics (numpy's default, R type 7). NaN for no values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** The arm's figures from sessions given by index (a resample, or all of them). */
export function armFigures(sessions: readonly SessionQoe[], indices?: ArrayLike<number>): ArmFigures {
  const n = indices ? indices.length : sessions.length;
  let watchMs = 0;
  let stallMs = 0;
  let stalls = 0;
  let exits = 0;
  let chunks = 0;
  let brSum = 0;
  let switches = 0;
  let qoe = 0;
  let bytes = 0;
  const startups: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = sessions[indices ? indices[k]! : k]!;
    watchMs += s.watchMs;
    stallMs += s.stallMs;
    stalls += s.stalls;
    if (!s.started) exits++;
    else if (s.startupMs !== null) startups.push(s.startupMs);
    chunks += s.chunks;
    brSum += s.bitrateSumKbps;
    switches += s.switches;
    qoe += s.qoeLinSum;
    bytes += s.bytes;
  }
  const sortedStartups = Float64Array.from(startups).sort();
  const watchMin = watchMs / 60_000;
  return {
    startupMedianMs: quantile(sortedStartups, 0.5),
    startupP90Ms: quantile(sortedStartups, 0.9),
    rebufferPct: watchMs + stallMs > 0 ? (100 * stallMs) / (watchMs + stallMs) : Number.NaN,
    stallsPerHour: watchMs > 0 ? stalls / (watchMs / 3_600_000) : Number.NaN,
    exitsBeforeStartPct: n > 0 ? (100 * exits) / n : Number.NaN,
    meanBitrateKbps: chunks > 0 ? brSum / chunks : Number.NaN,
    switchesPerMin: watchMin > 0 ? switches / watchMin : Number.NaN,
    qoeLinPerChunk: chunks > 0 ? qoe / chunks : Number.NaN,
    mbPerWatchedMin: watchMin > 0 ? bytes / 1e6 / watchMin : Number.NaN,
  };
}

/** Resampled figures of one arm: `resamples` rows, sessions drawn with replacement. */
function bootstrap(sessions: readonly SessionQoe[], resamples: number, random: () => number): ArmFigures[] {
  const n = sessions.length;
  const indices = new Uint32Array(n);
  const rows: ArmFigures[] = [];
  for (let b = 0; b < resamples; b++) {
    for (let k = 0; k < n; k++) indices[k] = Math.floor(random() * n);
    rows.push(armFigures(sessions, indices));
  }
  return rows;
}

function percentileInterval(value: number, draws: number[]): Interval {
  const finite = Float64Array.from(draws.filter(Number.isFinite)).sort();
  return { value, low: quantile(finite, 0.025), high: quantile(finite, 0.975) };
}

/** Per-arm figures with 95% percentile-bootstrap intervals, and differences against control. */
export function reportArms(sessions: readonly SessionQoe[], options: ReportOptions = {}): ArmReport[] {
  const resamples = options.resamples ?? REPORT_DEFAULTS.resamples;
  const random = createPrng(options.seed ?? REPORT_DEFAULTS.seed);
  const byArm = new Map<string, SessionQoe[]>();
  for (const s of sessions) {
    let list = byArm.get(s.arm);
    if (!list) byArm.set(s.arm, (list = []));
    list.push(s);
  }
  // Sessions in a fixed order (by id), so the same sessions give the same intervals whatever order the store returned them in.
  for (const list of byArm.values()) list.sort((a, b) => (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
  const arms = [...byArm.keys()].sort();
  const control = options.control ?? (byArm.has('control') ? 'control' : arms[0]);
  if (control !== undefined && !byArm.has(control)) throw new Error(`no sessions in the control arm '${control}' (arms: ${arms.join(', ') || 'none'})`);
  // Control first; each arm's resamples drawn from its own stream, in a fixed order.
  const ordered = control === undefined ? arms : [control, ...arms.filter((a) => a !== control)];
  const draws = new Map(ordered.map((arm) => [arm, bootstrap(byArm.get(arm)!, resamples, random)]));
  const point = new Map(ordered.map((arm) => [arm, armFigures(byArm.get(arm)!)]));
  return ordered.map((arm) => {
    const figures = Object.fromEntries(METRICS.map((m) => [m.id, percentileInterval(point.get(arm)![m.id], draws.get(arm)!.map((d) => d[m.id]))])) as Record<MetricId, Interval>;
    if (arm === control) return { arm, sessions: byArm.get(arm)!.length, figures };
    const vsControl = Object.fromEntries(
      METRICS.map((m) => {
        const mine = draws.get(arm)!;
        const theirs = draws.get(control!)!;
        const interval = percentileInterval(point.get(arm)![m.id] - point.get(control!)![m.id], mine.map((d, b) => d[m.id] - theirs[b]![m.id]));
        return [m.id, { ...interval, significant: interval.low > 0 || interval.high < 0 }];
      }),
    ) as Record<MetricId, Interval & { significant: boolean }>;
    return { arm, sessions: byArm.get(arm)!.length, figures, vsControl };
  });
}

/** The report as a text table: one row per metric, per arm its value [95% CI] and Δ vs control. */
export function formatArmReport(reports: readonly ArmReport[]): string {
  const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.arm || '(no arm)'}: ${r.sessions} sessions${r.vsControl ? '' : ' (control)'}`);
    for (const m of METRICS) {
      const f = r.figures[m.id];
      let line = `  ${(m.label + (m.unit ? ` (${m.unit})` : '')).padEnd(30)} ${fmt(f.value, m.digits).padStart(10)} [${fmt(f.low, m.digits)}, ${fmt(f.high, m.digits)}]`;
      const d = r.vsControl?.[m.id];
      if (d) line = `${line.padEnd(64)} Δ ${d.value >= 0 ? '+' : ''}${fmt(d.value, m.digits)} [${fmt(d.low, m.digits)}, ${fmt(d.high, m.digits)}]${d.significant ? ' *' : ''}`;
      lines.push(line);
    }
  }
  lines.push('', '95% percentile-bootstrap intervals over sessions; * the interval of the difference excludes 0.');
  return lines.join('\n');
}
