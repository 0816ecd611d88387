/**
 * An out-of-training benchmark for the learned policy (#13): a 6-rung 4K ladder (1.2-27 Mbit/s,
 * 4 s segments, VBR sizes, seeded) as abrkit ladder JSON, and a trace set scaled to it: each trace
 * of `--traces` multiplied so its mean lands log-uniformly between 0.8 Mbit/s (below the lowest rung)
 * and 40 Mbit/s (above the top one). Reads the traces at run time; writes only to `--out`.
 *
 *   npx tsx bench/make-4k-set.ts --traces ../shared/traces/validation/puffer-2021 --out /tmp/abrkit-4k
 *   abrkit eval --mode realistic --video /tmp/abrkit-4k/ladder.json --traces /tmp/abrkit-4k/traces --policies robustmpc,dqn,optimal
 *
 * Another ladder: `--kbps 145,365,730,1100,2000,3000,4500,6000,7800,10000,13000,16000 --segment-s 2 --min-mbps 0.1 --max-mbps 24`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTraces } from 'abrkit/node';
import { traceMeanMbps } from '../src/sim/trace.js';
import { SeededRandom } from '../src/node/train/random.js';

const { values } = parseArgs({
  options: { traces: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, kbps: { type: 'string' }, 'segment-s': { type: 'string' }, 'min-mbps': { type: 'string' }, 'max-mbps': { type: 'string' } },
});
if (!values.traces || !values.out) {
  console.error('usage: tsx bench/make-4k-set.ts --traces <dir> --out <dir> [--seed n] [--kbps list --segment-s s --min-mbps m --max-mbps m]');
  process.exit(2);
}
const random = new SeededRandom(Number(values.seed ?? 7));
/** A 4K ladder in the shape of published per-title ladders: roughly 1.7-2x between rungs. */
const BITRATES_KBPS = values.kbps ? values.kbps.split(',').map(Number) : [1200, 2500, 5000, 8500, 16000, 27000];
const SEGMENT_S = Number(values['segment-s'] ?? 4);
/** Trace means land log-uniformly in [MIN_MBPS, MAX_MBPS]: by default below the lowest rung to above the top. */
const MIN_MBPS = Number(values['min-mbps'] ?? 0.8);
const MAX_MBPS = Number(values['max-mbps'] ?? 40);
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
  const targetMbps = MIN_MBPS * (MAX_MBPS / MIN_MBPS) ** random.next();
  const factor = targetMbps / traceMeanMbps(trace);
  const lines = Array.from(trace.timesS, (t, k) => `${t.toFixed(4)}\t${(trace.mbps[k] * factor).toFixed(4)}`);
  writeFileSync(join(values.out, 'traces', trace.name.replace(/[^\w.-]/g, '_')), lines.join('\n') + '\n');
}
console.log(`wrote ${values.out}/ladder.json (${BITRATES_KBPS.length} rungs ${BITRATES_KBPS[0]}-${BITRATES_KBPS.at(-1)} kbit/s) and ${traces.length} traces scaled to means ${MIN_MBPS}-${MAX_MBPS} Mbit/s`);
