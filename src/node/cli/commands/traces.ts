/** `abrkit traces synth`: write seeded synthetic traces. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { choiceOption, intOption, numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { SYNTH_PROFILES, synthesizeTrace, type SynthProfileName } from '../../../sim/synth.js';
import { formatTimeMbpsTrace } from '../../../sim/trace-parsers.js';

const PROFILES = [...Object.keys(SYNTH_PROFILES), 'step'] as SynthProfileName[];

const HELP = `usage: abrkit traces synth --out <dir> [--count N] [--seed S] [--profile P] [--duration S]

  --out <dir>        folder to write traces to (created if missing)
  --count <n>        number of traces (default 10)
  --seed <s>         seed of the first trace; trace i uses seed + i (default 1)
  --profile <p>      ${PROFILES.join(', ')} (default markov)
  --duration <s>     seconds per trace (default 320)

Traces are written as time_s<TAB>Mbps, one sample per second; the same options always give the same files.`;

export async function run(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'synth') throw new UsageError(`expected 'traces synth'\n\n${HELP}`);
  const { values } = parseCommandArgs(
    rest,
    { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' }, profile: { type: 'string' }, duration: { type: 'string' } },
    HELP,
  );
  const out = requireOption(values.out, 'out', HELP);
  const count = intOption(values.count, 'count', 10);
  const seed = intOption(values.seed, 'seed', 1);
  const profile = choiceOption(values.profile, 'profile', PROFILES, 'markov');
  const durationS = numberOption(values.duration, 'duration', 320);
  if (count < 1) throw new UsageError('--count must be at least 1');
  mkdirSync(out, { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `${profile}-${String(seed + i).padStart(4, '0')}`;
    const trace = synthesizeTrace({ profile, seed: seed + i, durationS, name });
    writeFileSync(join(out, name), formatTimeMbpsTrace(trace));
  }
  console.log(`wrote ${count} ${profile} traces to ${out}`);
}
