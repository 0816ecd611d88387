/**
 * What the `abrkit train` commands share: the help text and the options that read training inputs.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { EPISODE_MODES, type EpisodeMode } from '../../train/episode.js';
import type { Trace } from '../../../sim/trace.js';
import { tracesFromTelemetry } from '../../../sim/telemetry-traces.js';

export const HELP = `usage: abrkit train dqn --traces <dir>[,<dir>...] --video <path> --out <dir> [options]
       abrkit train regression --telemetry <export.ndjson>[,...] --out <file> [--refit]
       abrkit train engagement --telemetry <export.ndjson>[,...] | --synthetic <viewers> --out <file> (see train engagement --help)

train regression: adapts the throughput regressor to real sessions. Starts from the regressor
shipped with the DQN model and runs its online update (recursive least squares) over every completed
download in the exports, or with --refit fits it afresh on them; writes the state as JSON (pass it to
createThroughputRegressor({ initial }) or createDqnPolicy) and prints its error before and after.

train dqn:
  --telemetry <files>    NDJSON telemetry exports (browser exports or collector files): each session's
                         downloads become a trace (as in 'abrkit telemetry to-traces'), trained on as one
                         more trace set beside --traces (which may then be omitted)
  --clickhouse <url>     also (or instead) train on the sessions in the collector's ClickHouse, with
                         --database (default abrkit), --exp, --arm, --from/--to YYYY-MM-DD (also for train regression)
  --traces <dirs>        training trace folders, comma-separated (episodes pick a folder uniformly, then a trace)
  --video <path>         training video (Pensieve video_size_N folder or JSON ladder)
  --out <dir>            writes checkpoint.json (resumable, every --checkpoint-every episodes),
                         best.f32.json / best.f16.json (best greedy score on held-in traces) and final.*.json
  --seed <n>             seed (default 1): same seed, data and options give the same model
  --episodes <n>         total episodes (default 6000)
  --eval-every <n>       episodes between greedy evaluations (default 250)
  --eval-every-updates <n> pre-training updates between greedy evaluations (default 2000)
  --checkpoint-every <n> episodes between checkpoints (default 250)
  --demos <who>          demonstrations to learn from as well (DQfD): robustmpc, best-online (default;
                         per trace, the best of robustmpc/bola/rate), optimal (the clairvoyant offline
                         optimum), or none (pure DQN)
  --pretrain-updates <n> gradient updates on demonstrations + prefilled replay before playing (default 8000)
  --prefill-episodes <n> noisy-RobustMPC episodes put in the replay before pre-training (default 1000)
  --learning-rate <x>    Adam step size (default 2.5e-4)
  --resume               continue from <out>/checkpoint.json (replay memory is refilled, not restored)
  --method <m>           dqn (default: the options above) or rollout: approximate policy iteration over
                         RobustMPC. Every allowed rung of every decision is scored by playing it and then
                         RobustMPC to the end of the video on the true trace, and the network regresses
                         these returns; round 0 visits RobustMPC's states, later rounds the network's
                         (DAgger), all rounds' decisions kept. Options: --rounds <n> (default 2),
                         --epochs <n> per round (default 20), --learning-rate (default 1e-3), --seed,
                         --explore <x> (share of random allowed actions while collecting, default 0.2),
                         --synthetic-per-episode <n> (random-ladder sessions per training trace, default 1),
                         --average-decay <x> (Polyak average of the weights, the model played and saved;
                         default 0 = off), --learned-rollouts-from <round> (rollouts follow the previous
                         round's network from this round on; default: always RobustMPC), --keep-rounds <n>
                         (train on the latest n rounds' decisions only; default all), --backend <b>
                         (who computes the gradient steps: native, our typed-array MLP, or tfjs,
                         TensorFlow.js on its cpu backend, which also fits the regressor; default
                         native; both start from the same seeded weights and ship the same format),
                         --modes <m,...> (simulators each session is played in: pensieve, realistic or
                         both; default pensieve), --resume (continue <out>'s run from the last epoch
                         it finished, exactly as if it had not stopped, with the run's own options;
                         --rounds/--epochs may extend it), --init <model.json> (start from a model's
                         weights, native backend; a version 1 file is accepted as a warm start). Writes round<r>-epoch<e>.f32.json after every
                         epoch, best.* by the greedy score on all the training traces in every mode,
                         checkpoint.json and decisions-round<r>.bin (to resume from), and final.*

Demonstration plans for the training traces are computed once and cached in <out>/demos.json.`;

/** `--modes pensieve,realistic`: the simulators the rollout trainer plays each session in. */
export function modesOption(text: string): EpisodeMode[] {
  const modes = text.split(',').filter(Boolean);
  for (const mode of modes) {
    if (!(EPISODE_MODES as readonly string[]).includes(mode)) throw new UsageError(`--modes: '${mode}' is not one of ${EPISODE_MODES.join(', ')}`);
  }
  return modes as EpisodeMode[];
}

/** Traces the greedy policy is scored on during training: every k-th trace of each set (training data, not validation). */
export function heldIn(set: readonly Trace[], count: number): Trace[] {
  const step = Math.max(1, Math.floor(set.length / count));
  return set.filter((_, i) => i % step === 0).slice(0, count);
}

/** Traces rebuilt from telemetry exports, one per session. */
export function telemetryTraces(files: string): Trace[] {
  const traces = files
    .split(',')
    .filter(Boolean)
    .flatMap((file) => tracesFromTelemetry(readFileSync(file, 'utf8'), file).map((s) => s.trace));
  if (traces.length === 0) throw new UsageError(`--telemetry: no session with downloads in ${files}`);
  return traces;
}

