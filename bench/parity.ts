/**
 * Parity with Pensieve's own code: runs abrkit's Pensieve-compatible simulator on the shared trace
 * sets and compares with the per-trace reference figures in ../shared/reference.
 *
 *   npm run check:parity            (reads ../shared; prints a comparison; exits 1 if a criterion fails)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinPolicySpec, evaluate, mean, type TraceResult } from 'abrkit/sim';
import { loadTraces, loadVideo } from 'abrkit/node';

const shared = resolve(process.env.ABRKIT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
if (!existsSync(join(shared, 'reference'))) {
  console.log(`parity: ${shared}/reference not found; nothing to compare (this check needs ../shared).`);
  process.exit(0);
}

const SETS = [
  { set: 'fcc-hsdpa', traces: 'traces/train/fcc-hsdpa' },
  { set: 'puffer-2021', traces: 'traces/validation/puffer-2021' },
];
/** Our policy name -> Pensieve reference algorithm. */
const REFERENCE_NAME: Record<string, string> = { bba: 'bb', rate: 'rb', bola: 'bola', 'robustmpc+quirks': 'mpc', robustmpc: 'mpc' };

function readReference(set: string): Map<string, Map<string, number>> {
  const [header, ...rows] = readFileSync(join(shared, 'reference', `per_trace_${set}.csv`), 'utf8').trim().split('\n');
  const cols = header.split(',');
  const at = (name: string) => cols.indexOf(name);
  const byAlgorithm = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const f = row.split(',');
    const algorithm = f[at('algorithm')];
    if (!byAlgorithm.has(algorithm)) byAlgorithm.set(algorithm, new Map());
    byAlgorithm.get(algorithm)!.set(f[at('trace')], Number(f[at('qoe_mean_excl_first')]));
  }
  return byAlgorithm;
}

const video = loadVideo(join(shared, 'video', 'envivio'));
const failures: string[] = [];
const pct = (a: number, b: number) => (100 * (a - b)) / Math.abs(b);

for (const { set, traces: dir } of SETS) {
  const traces = loadTraces(join(shared, dir));
  const reference = readReference(set);
  const started = performance.now();
  const base = evaluate(video, traces, {
    mode: 'pensieve',
    qoe: 'lin',
    policies: (['rate', 'bba', 'bola', 'robustmpc'] as const).map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
    optimal: true,
  });
  const quirky = evaluate(video, traces, {
    mode: 'pensieve',
    qoe: 'lin',
    policies: [{ ...builtinPolicySpec('robustmpc', { qoe: 'lin', pensieveQuirks: true }), name: 'robustmpc+quirks' }],
    optimal: false,
  });
  const rows: TraceResult[] = [...base.perTrace, ...quirky.perTrace];
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\n## ${set}: ${traces.length} traces, Envivio, pensieve mode, QoE_lin mean per chunk over chunks 1..47 (${seconds} s)\n`);
  console.log('| policy | abrkit | Pensieve reference | diff | per-trace within 1% |');
  console.log('|---|---|---|---|---|');
  const byPolicy = (policy: string) => rows.filter((r) => r.policy === policy);
  for (const policy of ['bba', 'rate', 'bola', 'robustmpc', 'robustmpc+quirks']) {
    const ours = byPolicy(policy);
    const ref = reference.get(REFERENCE_NAME[policy])!;
    const ourMean = mean(ours.map((r) => r.qoe));
    const refMean = mean(ours.map((r) => ref.get(r.trace)!));
    const within = ours.filter((r) => Math.abs(r.qoe - ref.get(r.trace)!) <= 0.01 * Math.abs(ref.get(r.trace)!)).length;
    console.log(`| ${policy} | ${ourMean.toFixed(4)} | ${refMean.toFixed(4)} | ${pct(ourMean, refMean).toFixed(2)}% | ${within}/${ours.length} |`);
    if (policy === 'bba') {
      if (Math.abs(pct(ourMean, refMean)) > 0.5) failures.push(`${set}: bba set mean off by more than 0.5%`);
      if (within < 0.95 * ours.length) failures.push(`${set}: bba within 1% on fewer than 95% of traces`);
    }
    if (policy === 'robustmpc+quirks' && Math.abs(pct(ourMean, refMean)) > 2) failures.push(`${set}: robustmpc (quirks) set mean off by more than 2%`);
  }
  const optimal = new Map(byPolicy('optimal').map((r) => [r.trace, r.qoe]));
  const optimalMean = mean([...optimal.values()]);
  const dpReplay = reference.get('dpreplay')!;
  const dpMean = mean(traces.map((t) => dpReplay.get(t.name)!));
  let beaten = 0;
  let worst = { gap: 0, policy: '', trace: '' };
  for (const r of rows) {
    if (r.policy === 'optimal') continue;
    const gap = r.qoe - optimal.get(r.trace)!;
    if (gap > 1e-9) {
      beaten++;
      if (gap > worst.gap) worst = { gap, policy: r.policy, trace: r.trace };
    }
  }
  const belowDp = traces.filter((t) => optimal.get(t.name)! < dpReplay.get(t.name)! - 1e-9).length;
  console.log(`| optimal | ${optimalMean.toFixed(4)} | ${dpMean.toFixed(4)} (offline plan replayed) | ${pct(optimalMean, dpMean).toFixed(2)}% | below dp replay on ${belowDp} traces |`);
  console.log(`\noptimal >= every other policy on every trace: ${beaten === 0 ? 'yes' : `NO, ${beaten} (policy, trace) pairs beat it; worst ${worst.policy} on ${worst.trace} by ${worst.gap.toFixed(4)}`}`);
  if (beaten > 0) failures.push(`${set}: optimal beaten on ${beaten} (policy, trace) pairs`);
  if (optimalMean < dpMean) failures.push(`${set}: optimal mean below the offline plan replayed`);
}

// The optimum must also bound every online policy in abrkit's realistic mode (where they may abandon).
for (const { set, traces: dir } of SETS) {
  const traces = loadTraces(join(shared, dir));
  const result = evaluate(video, traces, {
    mode: 'realistic',
    qoe: 'lin',
    policies: (['rate', 'bba', 'bola', 'robustmpc'] as const).map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
    optimal: true,
  });
  const optimal = new Map(result.perTrace.filter((r) => r.policy === 'optimal').map((r) => [r.trace, r.qoe]));
  const beaten = result.perTrace.filter((r) => r.policy !== 'optimal' && r.qoe > optimal.get(r.trace)! + 1e-9).length;
  console.log(`\n${set}, realistic mode: optimal ${mean([...optimal.values()]).toFixed(4)}; >= every other policy on every trace: ${beaten === 0 ? 'yes' : `NO (${beaten} pairs)`}`);
  if (beaten > 0) failures.push(`${set}: realistic optimal beaten on ${beaten} (policy, trace) pairs`);
}

console.log(failures.length === 0 ? '\nparity: all criteria met' : `\nparity: FAILED\n- ${failures.join('\n- ')}`);
process.exit(failures.length === 0 ? 0 : 1);
