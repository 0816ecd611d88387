/**
 * Decision cost in real playback, from `abrkit browser-eval --json` files: per player and policy, every
 * session's decisions pooled (n, median, p99, max, how many over 1 ms, at which decision index and
 * what made them: the reason's kind, from runs that recorded it),
 * and per-session stall time and switches, the medians over repeats then the mean over traces.
 *
 *   npx tsx bench/decision-cost-from-json.ts run-hls.json run-shaka.json
 */
import { readFileSync } from 'node:fs';

interface Session {
  readonly player: string;
  readonly policy: string;
  readonly trace: string;
  readonly qoe: number;
  readonly rebufferS: number;
  readonly stalls: number;
  readonly switches: number;
  readonly decisionMs?: readonly number[];
  readonly decisionKinds?: readonly string[];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npx tsx bench/decision-cost-from-json.ts <browser-eval.json> ...');
  process.exit(2);
}
const sessions: Session[] = files.flatMap((file) => (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Session[] }).sessions);
const quantile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

const groups = new Map<string, Session[]>();
for (const s of sessions) {
  const key = `${s.player} ${s.policy}`;
  groups.set(key, [...(groups.get(key) ?? []), s]);
}
console.log('| player policy | sessions | decisions | p50 ms | p99 ms | max ms | over 1 ms (decision index: ms) | QoE | rebuffer s | switches |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [key, group] of groups) {
  const all = group.flatMap((s) => s.decisionMs ?? []).sort((a, b) => a - b);
  const slow = group.flatMap((s) => (s.decisionMs ?? []).flatMap((ms, i) => (ms > 1 ? [`${i}${s.decisionKinds?.[i] ? ` ${s.decisionKinds[i]}` : ''}: ${ms.toFixed(2)}`] : [])));
  const traces = [...new Set(group.map((s) => s.trace))];
  const perTrace = (pick: (s: Session) => number) => traces.map((t) => median(group.filter((s) => s.trace === t).map(pick)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cost = all.length ? `${all.length} | ${quantile(all, 0.5).toFixed(3)} | ${quantile(all, 0.99).toFixed(3)} | ${all.at(-1)!.toFixed(2)} | ${slow.length} (${slow.join(', ')})` : '0 | - | - | - | -';
  console.log(`| ${key} | ${group.length} | ${cost} | ${mean(perTrace((s) => s.qoe)).toFixed(3)} | ${mean(perTrace((s) => s.rebufferS)).toFixed(2)} | ${mean(perTrace((s) => s.switches)).toFixed(1)} |`);
}

// By what made the decision (runs that recorded `decisionKinds`): which paths are the slow ones.
const byKind = new Map<string, number[]>();
for (const s of sessions) {
  (s.decisionMs ?? []).forEach((ms, i) => {
    const kind = s.decisionKinds?.[i];
    if (kind === undefined) return;
    const key = `${s.player} ${s.policy} | ${kind}`;
    byKind.set(key, [...(byKind.get(key) ?? []), ms]);
  });
}
if (byKind.size > 0) {
  console.log('\n| player policy | decided by | decisions | p50 ms | p99 ms | max ms | over 1 ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [key, values] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`| ${key} | ${sorted.length} | ${quantile(sorted, 0.5).toFixed(3)} | ${quantile(sorted, 0.99).toFixed(3)} | ${sorted.at(-1)!.toFixed(2)} | ${sorted.filter((ms) => ms > 1).length} |`);
  }
}
