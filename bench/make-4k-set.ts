/**
 * An out-of-training benchmark for the learned policy (#13): a 6-rung 4K ladder (1.2-27 Mbit/s,
 * 4 s segments, VBR sizes, seeded) as abrkit ladder JSON, and a trace set scaled to it: each trace
 * of `--traces` multiplied so its mean lands log-uniformly between 0.8 Mbit/s (below the lowest rung)
 * and 40 Mbit/s (above the top one). Reads the traces at run time; writes only to `--out`.
 *
 *   npx tsx bench/make-4k-set.ts --traces ../shared/traces/validation/puffer-2021 --out /tmp/abrkit-4k
 *   abrkit eval --mode realistic --video /tmp/abrkit-4k/ladder.json --traces /tmp/abrkit-4k/traces --policies robustmpc,dqn,optimal
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTraces } from 'abrkit/node';
import { traceMeanMbps } from '../src/sim/trace.js';
import { SeededRandom } from '../src/node/train/random.js';

const { values } = parseArgs({ options: { traces: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } } });
if (!values.traces || !values.out) {
  console.error('usage: tsx bench/make-4k-set.ts --traces <dir> --out <dir> [--seed n]');
  process.exit(2);
}
const random = new SeededRandom(Number(values.seed ?? 7));
/** A 4K ladder in the shape of published per-title ladders: roughly 1.7-2x between rungs. */
const BITRATES_KBPS = [1200, 2500, 5000, 8500, 16000, 27000];
const SEGMENT_S = 4;
const SEGMENTS = 49;
const sizes: number[][] = [];
for (let s = 0; s < SEGMENTS; s++) {
  const complexity = Math.exp((random.next() - 0.5) * 0.6);
  sizes.push(BITRATES_KBPS.map((kbps) => Math.round(((kbps * 1000 * SEGMENT_S) / 8) * complexity * Math.exp((random.next() - 0.5) * 0.1))));
}
mkdirSync(join(values.out, 'traces'), { recursive: true });
writeFileSync(
  join(values.out, 'ladder.json'),
  JSON.stringify({ format: 'abrkit-ladder', version: 1, segmentDurationS: SEGMENT_S, renditions: BITRATES_KBPS.map((kbps, i) => ({ id: `r${i}`, bitrateBps: kbps * 1000 })), segmentSizesBytes: sizes }),
);
const traces = loadTraces(values.traces);
for (const trace of traces) {
  const targetMbps = 0.8 * (40 / 0.8) ** random.next();
  const factor = targetMbps / traceMeanMbps(trace);
  const lines = Array.from(trace.timesS, (t, k) => `${t.toFixed(4)}\t${(trace.mbps[k] * factor).toFixed(4)}`);
  writeFileSync(join(values.out, 'traces', trace.name.replace(/[^\w.-]/g, '_')), lines.join('\n') + '\n');
}
console.log(`wrote ${values.out}/ladder.json (${BITRATES_KBPS.length} rungs ${BITRATES_KBPS[0]}-${BITRATES_KBPS.at(-1)} kbit/s) and ${traces.length} traces scaled to means 0.8-40 Mbit/s`);
