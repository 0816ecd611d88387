/**
 * RobustMPC's cost per switch in the realistic simulator: `robustmpc+learned` as the adapters build
 * it (behind the stall guard, on the shipped regressor) with `switchPenalty` swept. Prints QoE_lin
 * per chunk (the QoE alone: the penalty steers the plan, it is not charged here), switches, bitrate
 * and rebuffering per set.
 *
 *   npx tsx bench/switch-cost-sim.ts [--traces <dir>[,<dir>...]] [--video <path>] [--penalties 0,0.25,0.5,1,2]
 *
 * Defaults: the training sets ../shared/traces/train/{puffer-2021,fcc-hsdpa} and the first test
 * stream's ladder (.cache/media/stream-ladder.json from `npx tsx bench/stream-ladder.ts`).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createRobustMpcPolicy, withStallGuard } from 'abrkit';
import { createThroughputRegressor, loadLearnedEstimator } from 'abrkit/dqn';
import { evaluate, type PolicySpec } from 'abrkit/sim';
import { loadTraces, loadVideo } from 'abrkit/node';

const { values } = parseArgs({
  options: { traces: { type: 'string' }, video: { type: 'string' }, penalties: { type: 'string', default: '0,0.25,0.5,1,2' } },
});
const traceSets = (values.traces ?? '../shared/traces/train/puffer-2021,../shared/traces/train/fcc-hsdpa').split(',');
const videoPath = values.video ?? '.cache/media/stream-ladder.json';
for (const path of [...traceSets, videoPath]) {
  if (!existsSync(path)) {
    console.error(`switch-cost-sim: needs ${path}`);
    process.exit(1);
  }
}
const shipped = (await loadLearnedEstimator()).state();
const specs: PolicySpec[] = [];
for (const switchPenalty of values.penalties!.split(',').map(Number)) {
  specs.push({
    name: `robustmpc+learned switchPenalty ${switchPenalty}`,
    createPolicy: () => withStallGuard(createRobustMpcPolicy({ qoe: 'lin', switchPenalty })),
    createEstimator: () => createThroughputRegressor({ initial: shipped }),
  });
}
const video = loadVideo(videoPath);
console.log(`video ${videoPath}, realistic mode`);
console.log('| set | policy | QoE/chunk | median | switches | bitrate kbps | rebuffer s |');
console.log('|---|---|---|---|---|---|---|');
for (const path of traceSets) {
  const traces = loadTraces(path);
  const result = evaluate(video, traces, { mode: 'realistic', qoe: 'lin', policies: specs, optimal: false });
  for (const s of result.summary) {
    console.log(`| ${path.split('/').pop()} (${traces.length}) | ${s.policy} | ${s.qoe.toFixed(3)} | ${s.qoeMedian.toFixed(3)} | ${s.switches.toFixed(2)} | ${s.bitrateKbps.toFixed(0)} | ${s.rebufferS.toFixed(2)} |`);
  }
}
