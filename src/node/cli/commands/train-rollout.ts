/**
 * `abrkit train dqn --method rollout`: the shipped recipe (approximate policy iteration),
 * resumable.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraces, loadVideo } from '../../io.js';
import { choiceOption, intOption, numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { createProgressBar } from '../progress.js';
import { createRolloutTrainer, type RolloutCheckpoint, type RolloutResume } from '../../train/rollout-trainer.js';
import { type RolloutTrainOptions } from '../../train/rollout-options.js';
import { decodeRolloutDecisions, encodeRolloutDecisions } from '../../train/decision-file.js';
import { decodeModel, encodeModel, MODEL_FILE_VERSION } from '../../../learned/model.js';
import type { QNetwork } from '../../../learned/network.js';
import { withMeasuredEnvelope } from '../../train/envelope.js';
import { HELP, modesOption } from './train-common.js';

/** `<out>/checkpoint.json` of a rollout run: the trainer's state, where the CLI's loop stood, and the decisions file beside it. */
interface RolloutRunCheckpoint {
  readonly trainer: RolloutCheckpoint;
  /** Epochs finished in the last round collected (0: just collected). */
  readonly epoch: number;
  readonly best: number;
  readonly decisionsFile: string;
}

/**
 * `--init <model.json>`: the weights of a model file to start from. A version 1 file (absolute
 * Mbit/s features) is accepted here only, as a warm start: three of its inputs now mean something else.
 */
function warmStart(path: string): QNetwork {
  const file = JSON.parse(readFileSync(path, 'utf8')) as { version?: number };
  if (file.version === 1) process.stderr.write(`--init: ${path} is a version 1 model; its weights are only a starting point for the version 2 features\n`);
  return decodeModel({ ...file, version: MODEL_FILE_VERSION }).network;
}

/** `train dqn --method rollout`: see HELP. Writes round<r>-epoch<e> models, best.*.json (best held-in score) and final.*.json. */
export async function trainRollout(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      method: { type: 'string' },
      traces: { type: 'string' },
      video: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      rounds: { type: 'string' },
      epochs: { type: 'string' },
      explore: { type: 'string' },
      'learning-rate': { type: 'string' },
      'synthetic-per-episode': { type: 'string' },
      'average-decay': { type: 'string' },
      'learned-rollouts-from': { type: 'string' },
      'keep-rounds': { type: 'string' },
      backend: { type: 'string' },
      modes: { type: 'string' },
      resume: { type: 'boolean' },
      init: { type: 'string' },
    },
    HELP,
  );
  const backend = choiceOption(values.backend, 'backend', ['native', 'tfjs'] as const, 'native');
  const traceSets = requireOption(values.traces, 'traces', HELP)
    .split(',')
    .filter(Boolean)
    .map((dir) => loadTraces(dir));
  const video = loadVideo(requireOption(values.video, 'video', HELP));
  const out = requireOption(values.out, 'out', HELP);
  const seed = intOption(values.seed, 'seed', 1);
  const rounds = intOption(values.rounds, 'rounds', 2);
  const epochs = intOption(values.epochs, 'epochs', 20);
  mkdirSync(out, { recursive: true });
  const startedMs = Date.now();
  const writeFile = (name: string, value: string | Uint8Array) => {
    const path = join(out, name);
    writeFileSync(`${path}.tmp`, value);
    renameSync(`${path}.tmp`, path);
  };
  const writeJson = (name: string, value: unknown) => writeFile(name, JSON.stringify(value));
  const rolloutOptions: Partial<RolloutTrainOptions> = {
    seed,
    ...(values.explore === undefined ? {} : { explore: numberOption(values.explore, 'explore', 0.2) }),
    ...(values['learning-rate'] === undefined ? {} : { learningRate: numberOption(values['learning-rate'], 'learning-rate', 1e-3) }),
    ...(values['learned-rollouts-from'] === undefined ? {} : { learnedRolloutsFrom: intOption(values['learned-rollouts-from'], 'learned-rollouts-from', 0) }),
    ...(values['keep-rounds'] === undefined ? {} : { keepRounds: intOption(values['keep-rounds'], 'keep-rounds', 1) }),
    ...(values['average-decay'] === undefined ? {} : { averageDecay: numberOption(values['average-decay'], 'average-decay', 0) }),
    ...(values['synthetic-per-episode'] === undefined ? {} : { syntheticPerEpisode: intOption(values['synthetic-per-episode'], 'synthetic-per-episode', 1) }),
    ...(values.modes === undefined ? {} : { modes: modesOption(values.modes) }),
  };
  // --resume: the run's own options, weights, optimiser, random state and decisions, from the last epoch it finished.
  const checkpointPath = join(out, 'checkpoint.json');
  let saved: RolloutRunCheckpoint | undefined;
  let resume: RolloutResume | undefined;
  if (values.resume) {
    if (!existsSync(checkpointPath)) throw new UsageError(`--resume: ${checkpointPath} does not exist`);
    saved = JSON.parse(readFileSync(checkpointPath, 'utf8')) as RolloutRunCheckpoint;
    if (saved.trainer?.format !== 'abrkit-rollout-checkpoint') throw new UsageError(`--resume: ${checkpointPath} is not a --method rollout checkpoint`);
    resume = { checkpoint: saved.trainer, decisions: decodeRolloutDecisions(readFileSync(join(out, saved.decisionsFile))) };
  }
  const runBackend = resume ? resume.checkpoint.options.backend : backend;
  const init = values.init === undefined || resume ? undefined : warmStart(values.init);
  if (init && runBackend !== 'native') throw new UsageError('--init: only with --backend native');
  // tfjs is loaded only for this backend (it is Node-only and heavy; nothing else imports it).
  const trainer =
    runBackend === 'tfjs'
      ? await (await import('../../train/tfjs/tfjs-network.js')).createTfjsRolloutTrainer({ traceSets, video }, rolloutOptions, 'tfjs', resume)
      : createRolloutTrainer({ traceSets, video }, rolloutOptions, undefined, resume, init);
  // Every training trace in every mode trained in: a greedy pass over all of them costs seconds,
  // and 30 are too few to rank epochs.
  const evalSets = trainer.options.modes.flatMap((mode) => traceSets.map((set) => ({ set, mode })));
  const runSeed = trainer.options.seed;
  // The training envelope every written model carries: its greedy policy over the training distribution.
  const envelopeRun = { traces: traceSets.flat(), video, modes: trainer.options.modes, syntheticPerTrace: trainer.options.syntheticPerEpisode, seed: runSeed };
  const meta = (extra: Record<string, unknown>) => ({ seed: runSeed, method: 'rollout', traces: values.traces, video: video.name, options: trainer.options, ...extra });
  let best = saved?.best ?? -Infinity;
  let decisionsFile = saved?.decisionsFile ?? '';
  const elapsed = () => `${((Date.now() - startedMs) / 1000).toFixed(0)} s`;
  const checkpoint = async (epoch: number) => {
    const run: RolloutRunCheckpoint = { trainer: await trainer.checkpoint(), epoch, best, decisionsFile };
    writeJson('checkpoint.json', run);
  };
  // Where the run stopped: after `epoch` epochs of the last round it collected.
  let firstRound = 0;
  let firstEpoch = 1;
  if (saved) {
    firstRound = trainer.rounds - 1;
    firstEpoch = saved.epoch + 1;
    process.stderr.write(`resuming ${out}: round ${firstRound}, epoch ${saved.epoch} done, ${trainer.size} decisions\n`);
  }
  for (let round = firstRound; round < rounds; round++) {
    if (round >= trainer.rounds) {
      const progress = createProgressBar(`round ${round}: rollouts`);
      trainer.collect((done, total) => progress.update(done, total));
      process.stderr.write(`\nround ${round}: ${trainer.size} decisions, ${elapsed()}\n`);
      const previous = decisionsFile;
      decisionsFile = `decisions-round${round}.bin`;
      writeFile(decisionsFile, encodeRolloutDecisions(trainer.decisions()));
      await checkpoint(0);
      if (previous && previous !== decisionsFile) rmSync(join(out, previous), { force: true });
    }
    for (let e = round === firstRound ? firstEpoch : 1; e <= epochs; e++) {
      const loss = trainer.epoch();
      const perSet = evalSets.map(({ set, mode }) => {
        const scores = trainer.evaluateGreedy(set, video, mode);
        return scores.reduce((a, b) => a + b, 0) / scores.length;
      });
      const score = perSet.reduce((a, b) => a + b, 0) / perSet.length;
      process.stderr.write(`round ${round} epoch ${e}: loss ${loss.toFixed(4)}, greedy ${perSet.map((s) => s.toFixed(3)).join(' / ')}, ${elapsed()}\n`);
      const where = { round, epoch: e, score, perSet };
      const model = withMeasuredEnvelope(trainer.model(), envelopeRun);
      writeJson(`round${round}-epoch${e}.f32.json`, encodeModel(model, 'f32', meta(where)));
      if (score > best) {
        best = score;
        writeJson('best.f32.json', encodeModel(model, 'f32', meta(where)));
        writeJson('best.f16.json', encodeModel(model, 'f16', meta(where)));
        writeJson('best.json', where);
      }
      await checkpoint(e);
    }
  }
  const finalModel = withMeasuredEnvelope(trainer.model(), envelopeRun);
  writeJson('final.f32.json', encodeModel(finalModel, 'f32', meta({ rounds, epochs })));
  writeJson('final.f16.json', encodeModel(finalModel, 'f16', meta({ rounds, epochs })));
  trainer.dispose();
  console.log(`done in ${((Date.now() - startedMs) / 60000).toFixed(1)} min (${runBackend}); best held-in score ${best.toFixed(3)}; wrote ${out}`);
}
