/**
 * Real-playback comparison: the players' own ABR against abrkit's policies, in headless Chromium over
 * the shaped loopback link, on the first N traces (sorted by name) of a trace folder, each session
 * repeated; per-trace figures are medians over the repeats, then means/medians over traces.
 * Also reports the main-thread cost of abrkit's decisions (all decisions of all sessions).
 *
 *   npx tsx bench/browser-compare.ts [--traces DIR] [--count 5] [--repeat 3] [--duration 40]
 *                                    [--players hls,shaka] [--policies default,robustmpc] [--json FILE]
 * Needs scripts/setup-media.sh to have run. Takes about (players x policies x count x repeat) x (duration + 8) s.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { traceMeanMbps, cutTrace } from 'abrkit/sim';
import { loadTraces, browserEval, formatBrowserSummary, percentile, type BrowserEvalResult, DEFAULT_MEDIA_DIR } from 'abrkit/node';

const { values } = parseArgs({
  options: {
    traces: { type: 'string', default: '../shared/traces/validation/puffer-2021' },
    count: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    duration: { type: 'string', default: '40' },
    players: { type: 'string', default: 'hls,shaka' },
    policies: { type: 'string', default: 'default,robustmpc' },
    json: { type: 'string' },
  },
});
const count = Number(values.count);
const repeat = Number(values.repeat);
const durationS = Number(values.duration);
const traces = loadTraces(values.traces!).slice(0, count);
const policies = values.policies!.split(',');
for (const t of traces) console.log(`trace ${t.name}: mean ${traceMeanMbps(cutTrace(t, durationS + 60)).toFixed(2)} Mbps over the first ${durationS + 60} s`);

const results: Record<string, BrowserEvalResult & { decisionMs: number[] }> = {};
for (const player of values.players!.split(',') as ('hls' | 'shaka')[]) {
  const decisionMs: number[] = [];
  const byPolicy = new Map<string, { all: number[]; first: number[]; later: number[] }>();
  const result = await browserEval({
    player,
    policies,
    traces,
    durationS,
    repeat,
    mediaDir: DEFAULT_MEDIA_DIR,
    onSession: (s) => {
      decisionMs.push(...s.decisionMs);
      if (!byPolicy.has(s.policy)) byPolicy.set(s.policy, { all: [], first: [], later: [] });
      const split = byPolicy.get(s.policy)!;
      split.all.push(...s.decisionMs);
      split.first.push(...s.decisionMs.slice(0, 3));
      split.later.push(...s.decisionMs.slice(3));
    },
  });
  results[player] = { ...result, decisionMs };
  console.log(`\n## ${player}: ${traces.length} traces x ${repeat} repeats, ${durationS} s of content, QoE_lin\n`);
  console.log(formatBrowserSummary(result));
  const base = result.summary.find((s) => s.policy === 'default');
  for (const s of result.summary) {
    if (!base || s.policy === 'default') continue;
    const gain = (s.qoe - base.qoe) / Math.abs(base.qoe);
    const stallRatio = base.rebufferS > 0 ? s.rebufferS / base.rebufferS : s.rebufferS === 0 ? 0 : Infinity;
    console.log(`${player} ${s.policy} vs default: QoE ${s.qoe.toFixed(3)} vs ${base.qoe.toFixed(3)} (${(gain * 100).toFixed(1)}%), rebuffer ${s.rebufferS.toFixed(2)} s vs ${base.rebufferS.toFixed(2)} s (ratio ${stallRatio.toFixed(2)})`);
  }
  if (decisionMs.length) {
    const line = (ms: number[]) =>
      ms.length ? `n=${ms.length}, median ${percentile(ms, 0.5).toFixed(3)} ms, p99 ${percentile(ms, 0.99).toFixed(3)} ms, max ${Math.max(...ms).toFixed(3)} ms` : 'n=0';
    console.log(`${player} decision cost on the main thread: ${line(decisionMs)}`);
    // Where the slow ones are: a session's first decisions run in colder code than the rest.
    for (const [policy, split] of byPolicy) {
      if (split.all.length === 0) continue;
      console.log(`  ${policy}: all ${line(split.all)}; first 3 per session ${line(split.first)}; later ${line(split.later)}`);
    }
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
