/**
 * Switch hysteresis in the realistic simulator: a policy alone, with its switch ups held for
 * `--interval-ms` after any switch (`holdAfter: 'any'`), and held only after a switch down
 * (`'down'`, the default). Prints QoE_lin per chunk, switches and bitrate per set.
 *
 *   npx tsx bench/hysteresis-sim.ts [--traces <dir>] [--video <path>] [--policy robustmpc+learned] [--interval-ms 8000]
 *
 * Defaults: ../shared/traces/validation/puffer-2021 and the first test stream's ladder
 * (.cache/media/stream-ladder.json from `npx tsx bench/stream-ladder.ts`, else ../shared/video/envivio).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createRobustMpcPolicy, withStallGuard, withSwitchHysteresis } from 'abrkit';
import { createThroughputRegressor, loadLearnedEstimator } from 'abrkit/dqn';
import { builtinPolicySpec, evaluate, type PolicySpec } from 'abrkit/sim';
import { loadTraces, loadVideo } from 'abrkit/node';

const { values } = parseArgs({
  options: { traces: { type: 'string' }, video: { type: 'string' }, policy: { type: 'string', default: 'robustmpc+learned' }, 'interval-ms': { type: 'string', default: '8000' } },
});
const tracesPath = values.traces ?? '../shared/traces/validation/puffer-2021';
const videoPath = values.video ?? (existsSync('.cache/media/stream-ladder.json') ? '.cache/media/stream-ladder.json' : '../shared/video/envivio');
if (!existsSync(tracesPath) || !existsSync(videoPath)) {
  console.error(`hysteresis-sim: needs ${tracesPath} and ${videoPath}`);
  process.exit(1);
}
const intervalMs = Number(values['interval-ms']);
// robustmpc+learned as `abrkit eval` builds it: RobustMPC behind the stall guard, on the shipped regressor.
const shipped = (await loadLearnedEstimator()).state();
const base: PolicySpec =
  values.policy === 'robustmpc+learned'
    ? { name: 'robustmpc+learned', createPolicy: () => withStallGuard(createRobustMpcPolicy({ qoe: 'lin' })), createEstimator: () => createThroughputRegressor({ initial: shipped }) }
    : builtinPolicySpec(values.policy!, { qoe: 'lin', pensieveQuirks: false });
const held = (holdAfter: 'any' | 'down'): PolicySpec => ({
  name: `${base.name} hold-after-${holdAfter}`,
  createPolicy: () => withSwitchHysteresis(base.createPolicy(), { minSwitchIntervalMs: intervalMs, holdAfter }),
  createEstimator: () => base.createEstimator(),
});
const traces = loadTraces(tracesPath);
const video = loadVideo(videoPath);
const result = evaluate(video, traces, { mode: 'realistic', qoe: 'lin', policies: [base, held('any'), held('down')], optimal: false });
console.log(`${traces.length} traces (${tracesPath}), video ${videoPath}, realistic mode, ${intervalMs} ms hold`);
console.log('| policy | QoE/chunk | median | switches | bitrate kbps | rebuffer s |');
console.log('|---|---|---|---|---|---|');
for (const s of result.summary) console.log(`| ${s.policy} | ${s.qoe.toFixed(3)} | ${s.qoeMedian.toFixed(3)} | ${s.switches.toFixed(2)} | ${s.bitrateKbps.toFixed(0)} | ${s.rebufferS.toFixed(2)} |`);
