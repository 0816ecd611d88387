import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraces, loadVideo } from '../node-io.js';
import { choiceOption, intOption, numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { createProgressBar } from '../progress.js';
import {
  createDqnTrainer,
  createRolloutTrainer,
  demonstrationPlan,
  type Demonstration,
  type RolloutCheckpoint,
  type RolloutResume,
  type RolloutTrainOptions,
  type TrainerCheckpoint,
} from '../../dqn/train.js';
import { decodeRolloutDecisions, encodeRolloutDecisions } from '../../dqn/decision-file.js';
import { encodeModel } from '../../dqn/model.js';
import { EPISODE_MODES, type EpisodeMode } from '../../dqn/episode.js';
import type { Trace } from '../../sim/trace.js';
import type { DownloadSample } from '../../core/sample.js';
import type { ThroughputEstimator } from '../../core/estimator.js';
import { sampleThroughputBps } from '../../core/sample.js';
import { tracesFromTelemetry, samplesFromTelemetry } from '../../telemetry/traces.js';
import { createThroughputRegressor, fitRegressor, type RegressorState } from '../../dqn/regressor.js';
import { DEFAULT_DQN_MODEL } from '../../dqn/model/default-model.js';

const HELP = `usage: abrkit train dqn --traces <dir>[,<dir>...] --video <path> --out <dir> [options]
       abrkit train regression --telemetry <export.ndjson>[,...] --out <file> [--refit]

train regression: adapts the throughput regressor to real sessions. Starts from the regressor
shipped with the DQN model and runs its online update (recursive least squares) over every completed
download in the exports, or with --refit fits it afresh on them; writes the state as JSON (pass it to
createThroughputRegressor({ initial }) or createDqnPolicy) and prints its error before and after.

train dqn:
  --telemetry <files>    NDJSON telemetry exports (browser exports or collector files): each session's
                         downloads become a trace (as in 'abrkit telemetry to-traces'), trained on as one
                         more trace set beside --traces (which may then be omitted)
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
                         --rounds/--epochs may extend it). Writes round<r>-epoch<e>.f32.json after every
                         epoch, best.* by the greedy score on all the training traces in every mode,
                         checkpoint.json and decisions-round<r>.bin (to resume from), and final.*

Demonstration plans for the training traces are computed once and cached in <out>/demos.json.`;

/** `<out>/checkpoint.json` of a rollout run: the trainer's state, where the CLI's loop stood, and the decisions file beside it. */
interface RolloutRunCheckpoint {
  readonly trainer: RolloutCheckpoint;
  /** Epochs finished in the last round collected (0: just collected). */
  readonly epoch: number;
  readonly best: number;
  readonly decisionsFile: string;
}

/** `--modes pensieve,realistic`: the simulators the rollout trainer plays each session in. */
function modesOption(text: string): EpisodeMode[] {
  const modes = text.split(',').filter(Boolean);
  for (const mode of modes) {
    if (!(EPISODE_MODES as readonly string[]).includes(mode)) throw new UsageError(`--modes: '${mode}' is not one of ${EPISODE_MODES.join(', ')}`);
  }
  return modes as EpisodeMode[];
}

/** Traces the greedy policy is scored on during training: every k-th trace of each set (training data, not validation). */
function heldIn(set: readonly Trace[], count: number): Trace[] {
  const step = Math.max(1, Math.floor(set.length / count));
  return set.filter((_, i) => i % step === 0).slice(0, count);
}

/** Traces rebuilt from telemetry exports, one per session. */
function telemetryTraces(files: string): Trace[] {
  const traces = files
    .split(',')
    .filter(Boolean)
    .flatMap((file) => tracesFromTelemetry(readFileSync(file, 'utf8'), file).map((s) => s.trace));
  if (traces.length === 0) throw new UsageError(`--telemetry: no session with downloads in ${files}`);
  return traces;
}

export async function run(args: string[]): Promise<void> {
  const [what, ...rest] = args;
  if (what === 'regression') return trainRegression(rest);
  if (what !== 'dqn') throw new UsageError(`expected 'train dqn' or 'train regression'\n\n${HELP}`);
  if (rest.includes('--method=rollout') || rest.some((a, i) => a === '--method' && rest[i + 1] === 'rollout')) return trainRollout(rest);
  const { values } = parseCommandArgs(
    rest,
    {
      traces: { type: 'string' },
      video: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      episodes: { type: 'string' },
      'eval-every': { type: 'string' },
      'eval-every-updates': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean' },
      demos: { type: 'string' },
      'pretrain-updates': { type: 'string' },
      'prefill-episodes': { type: 'string' },
      'learning-rate': { type: 'string' },
      telemetry: { type: 'string' },
      method: { type: 'string' },
    },
    HELP,
  );
  choiceOption(values.method, 'method', ['dqn', 'rollout'] as const, 'dqn');
  const traceSets = (values.telemetry === undefined ? requireOption(values.traces, 'traces', HELP) : (values.traces ?? ''))
    .split(',')
    .filter(Boolean)
    .map((dir) => loadTraces(dir));
  if (values.telemetry !== undefined) traceSets.push(telemetryTraces(values.telemetry));
  const video = loadVideo(requireOption(values.video, 'video', HELP));
  const out = requireOption(values.out, 'out', HELP);
  const seed = intOption(values.seed, 'seed', 1);
  const evalEvery = intOption(values['eval-every'], 'eval-every', 250);
  const evalEveryUpdates = intOption(values['eval-every-updates'], 'eval-every-updates', 2000);
  const checkpointEvery = intOption(values['checkpoint-every'], 'checkpoint-every', 250);
  mkdirSync(out, { recursive: true });
  const checkpointPath = join(out, 'checkpoint.json');
  let resume: TrainerCheckpoint | undefined;
  if (values.resume) {
    if (!existsSync(checkpointPath)) throw new UsageError(`--resume: ${checkpointPath} does not exist`);
    resume = JSON.parse(readFileSync(checkpointPath, 'utf8')) as TrainerCheckpoint;
  }
  const episodes = values.episodes === undefined ? undefined : intOption(values.episodes, 'episodes', 6000);
  const startedMs = Date.now();
  const writeJson = (name: string, value: unknown) => {
    const path = join(out, name);
    writeFileSync(`${path}.tmp`, JSON.stringify(value));
    renameSync(`${path}.tmp`, path);
  };
  const demonstrations: Demonstration[] = [];
  const demonstrator = choiceOption(values.demos, 'demos', ['robustmpc', 'best-online', 'optimal', 'none'] as const, 'best-online');
  if (demonstrator !== 'none') {
    const demoPath = join(out, 'demos.json');
    const cached: Record<string, number[]> = existsSync(demoPath) ? (JSON.parse(readFileSync(demoPath, 'utf8')) as Record<string, number[]>) : {};
    const all = traceSets.flatMap((set, i) => set.map((trace) => ({ key: `${demonstrator}/${i}/${trace.name}/${video.name}`, trace })));
    const demoProgress = createProgressBar(`${demonstrator} plans of the training traces`);
    all.forEach(({ key, trace }, i) => {
      cached[key] ??= demonstrationPlan(demonstrator, trace, video);
      demonstrations.push({ trace, video, plan: cached[key] });
      demoProgress.update(i + 1, all.length);
    });
    writeJson('demos.json', cached);
  }
  const trainer = createDqnTrainer(
    { traceSets, video, demonstrations },
    {
      seed,
      ...(episodes === undefined ? {} : { episodes }),
      ...(demonstrator === 'none' ? { syntheticDemos: 0 } : { demonstrator }),
      ...(values['pretrain-updates'] === undefined ? {} : { pretrainUpdates: intOption(values['pretrain-updates'], 'pretrain-updates', 8000) }),
      ...(values['prefill-episodes'] === undefined ? {} : { prefillEpisodes: intOption(values['prefill-episodes'], 'prefill-episodes', 1000) }),
      ...(values['learning-rate'] === undefined ? {} : { learningRate: numberOption(values['learning-rate'], 'learning-rate', 2.5e-4) }),
    },
    resume,
  );
  const total = trainer.options.episodes;
  const evalSets = traceSets.map((set) => heldIn(set, 30));
  const bestPath = join(out, 'best.json');
  let best = existsSync(bestPath) && resume ? (JSON.parse(readFileSync(bestPath, 'utf8')) as { score: number }).score : -Infinity;
  const progress = createProgressBar(`train dqn (seed ${seed})`);
  let rewardSum = 0;
  let rewardCount = 0;
  const meta = () => ({ seed, episodes: trainer.episode, traces: values.traces, video: video.name, options: trainer.options });
  console.log(`training on ${traceSets.map((s) => s.length).join(' + ')} traces, video ${video.name}; ${total} episodes from ${trainer.episode}`);
  const evaluateAndSave = (label: string) => {
    // Score: mean over sets of the greedy policy's mean QoE on held-in training traces.
    const perSet = evalSets.map((set) => {
      const scores = trainer.evaluateGreedy(set, video);
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    });
    const score = perSet.reduce((a, b) => a + b, 0) / perSet.length;
    const line = `${label}: train reward ${rewardCount ? (rewardSum / rewardCount).toFixed(3) : '-'}, greedy ${perSet.map((s) => s.toFixed(3)).join(' / ')}, ${((Date.now() - startedMs) / 1000).toFixed(0)} s`;
    process.stderr.write(`\n${line}\n`);
    rewardSum = 0;
    rewardCount = 0;
    if (score > best) {
      best = score;
      const where = { score, perSet, episode: trainer.episode, pretrained: trainer.pretrained };
      writeJson('best.f32.json', encodeModel(trainer.model(), 'f32', { ...meta(), ...where }));
      writeJson('best.f16.json', encodeModel(trainer.model(), 'f16', { ...meta(), ...where }));
      writeJson('best.json', where);
    }
  };
  const pretrainTotal = trainer.options.pretrainUpdates;
  while (trainer.pretrained < pretrainTotal) {
    trainer.pretrain(evalEveryUpdates);
    evaluateAndSave(`pre-training update ${trainer.pretrained}/${pretrainTotal}`);
    writeJson('checkpoint.json', trainer.checkpoint());
  }
  while (trainer.episode < total) {
    const chunk = Math.min(evalEvery - (trainer.episode % evalEvery), total - trainer.episode);
    trainer.train(chunk, (report) => {
      rewardSum += report.meanReward;
      rewardCount++;
      progress.update(report.episode, total, `eps ${report.epsilon.toFixed(2)} loss ${report.loss.toFixed(3)}`);
    });
    evaluateAndSave(`episode ${trainer.episode}`);
    if (trainer.episode % checkpointEvery === 0 || trainer.episode >= total) writeJson('checkpoint.json', trainer.checkpoint());
  }
  writeJson('final.f32.json', encodeModel(trainer.model(), 'f32', meta()));
  writeJson('final.f16.json', encodeModel(trainer.model(), 'f16', meta()));
  console.log(`done in ${((Date.now() - startedMs) / 60000).toFixed(1)} min; best held-in score ${best.toFixed(3)}; wrote ${out}`);
}

/** `train dqn --method rollout`: see HELP. Writes round<r>-epoch<e> models, best.*.json (best held-in score) and final.*.json. */
async function trainRollout(args: string[]): Promise<void> {
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
  // tfjs is loaded only for this backend (it is Node-only and heavy; nothing else imports it).
  const trainer =
    runBackend === 'tfjs'
      ? await (await import('../../dqn/tfjs-network.js')).createTfjsRolloutTrainer({ traceSets, video }, rolloutOptions, 'tfjs', resume)
      : createRolloutTrainer({ traceSets, video }, rolloutOptions, undefined, resume);
  // Every training trace in every mode trained in: a greedy pass over all of them costs seconds,
  // and 30 are too few to rank epochs.
  const evalSets = trainer.options.modes.flatMap((mode) => traceSets.map((set) => ({ set, mode })));
  const runSeed = trainer.options.seed;
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
      writeJson(`round${round}-epoch${e}.f32.json`, encodeModel(trainer.model(), 'f32', meta(where)));
      if (score > best) {
        best = score;
        writeJson('best.f32.json', encodeModel(trainer.model(), 'f32', meta(where)));
        writeJson('best.f16.json', encodeModel(trainer.model(), 'f16', meta(where)));
        writeJson('best.json', where);
      }
      await checkpoint(e);
    }
  }
  writeJson('final.f32.json', encodeModel(trainer.model(), 'f32', meta({ rounds, epochs })));
  writeJson('final.f16.json', encodeModel(trainer.model(), 'f16', meta({ rounds, epochs })));
  trainer.dispose();
  console.log(`done in ${((Date.now() - startedMs) / 60000).toFixed(1)} min (${runBackend}); best held-in score ${best.toFixed(3)}; wrote ${out}`);
}

async function trainRegression(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { telemetry: { type: 'string' }, out: { type: 'string' }, refit: { type: 'boolean' } }, HELP);
  const files = requireOption(values.telemetry, 'telemetry', HELP).split(',').filter(Boolean);
  const out = requireOption(values.out, 'out', HELP);
  const sessions = files.flatMap((file) => samplesFromTelemetry(readFileSync(file, 'utf8'), file)).filter((s) => s.length > 1);
  const downloads = sessions.reduce((n, s) => n + s.length, 0);
  if (sessions.length === 0) throw new UsageError(`--telemetry: no session with two or more completed downloads in ${files.join(', ')}`);
  const shipped = DEFAULT_DQN_MODEL.regressor;
  let state: RegressorState;
  if (values.refit) {
    state = fitRegressor(sessions);
  } else {
    const regressor = createThroughputRegressor(shipped ? { initial: shipped } : {});
    for (const session of sessions) {
      regressor.reset();
      for (const sample of session) regressor.addSample(sample);
    }
    state = regressor.state();
  }
  const before = predictionErrors(sessions, () => createThroughputRegressor(shipped ? { initial: shipped } : {}));
  const after = predictionErrors(sessions, () => createThroughputRegressor({ initial: state }));
  const path = `${out}.tmp`;
  writeFileSync(path, JSON.stringify(state));
  renameSync(path, out);
  console.log(`${sessions.length} sessions, ${downloads} downloads from ${files.length} file(s); ${values.refit ? 'refitted' : 'adapted from the shipped regressor'}`);
  console.log(`  shipped regressor: MAPE ${(before.mape * 100).toFixed(1)}%, over-predicts ${(before.over * 100).toFixed(1)}% (${before.n} predictions)`);
  console.log(`  new regressor:     MAPE ${(after.mape * 100).toFixed(1)}%, over-predicts ${(after.over * 100).toFixed(1)}% (in-sample: these sessions trained it)`);
  console.log(`wrote ${out}`);
}

/** One-step-ahead error of a fresh regressor per session, replayed over the sessions' downloads. */
function predictionErrors(sessions: readonly DownloadSample[][], create: () => ThroughputEstimator): { mape: number; over: number; n: number } {
  let n = 0;
  let absError = 0;
  let over = 0;
  for (const session of sessions) {
    const estimator = create();
    for (const sample of session) {
      const prediction = estimator.predict();
      const actualBps = sampleThroughputBps(sample);
      if (prediction !== null && actualBps > 0) {
        n++;
        absError += Math.abs(prediction.throughputBps - actualBps) / actualBps;
        if (prediction.throughputBps > actualBps) over++;
      }
      estimator.addSample(sample);
    }
  }
  return { mape: n ? absError / n : NaN, over: n ? over / n : NaN, n };
}
