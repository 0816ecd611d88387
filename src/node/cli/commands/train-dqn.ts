/** `abrkit train dqn --method dqn`: the Double DQN trainer, with checkpoints and resume. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraces, loadVideo } from '../../io.js';
import { choiceOption, intOption, numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { createProgressBar } from '../progress.js';
import { createDqnTrainer, type TrainerCheckpoint } from '../../train/dqn-trainer.js';
import { demonstrationPlan } from '../../train/plans.js';
import { type Demonstration } from '../../train/data.js';
import { encodeModel } from '../../../learned/model.js';
import { withMeasuredEnvelope } from '../../train/envelope.js';
import { HELP, heldIn, telemetryTraces } from './train-common.js';
import { STORE_ARGS, storeTelemetryText } from '../store-source.js';
import { tracesFromTelemetry } from '../../../sim/telemetry-traces.js';

/** `train dqn` (the Double DQN method): see HELP in train-common.ts. */
export async function trainDqn(rest: string[]): Promise<void> {
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
      ...STORE_ARGS,
    },
    HELP,
  );
  choiceOption(values.method, 'method', ['dqn', 'rollout'] as const, 'dqn');
  const fromStore = await storeTelemetryText(values);
  const traceSets = (values.telemetry === undefined && !fromStore ? requireOption(values.traces, 'traces', HELP) : (values.traces ?? ''))
    .split(',')
    .filter(Boolean)
    .map((dir) => loadTraces(dir));
  if (values.telemetry !== undefined) traceSets.push(telemetryTraces(values.telemetry));
  if (fromStore) {
    const traces = tracesFromTelemetry(fromStore.text, fromStore.name).map((s) => s.trace);
    if (traces.length === 0) throw new UsageError(`--clickhouse: no session with downloads in ${fromStore.name} for that query`);
    traceSets.push(traces);
  }
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
  // The training envelope every written model carries (the DQN trainer plays Pensieve's mode, with random ladders).
  const envelopeRun = { traces: traceSets.flat(), video, modes: ['pensieve'] as const, syntheticPerTrace: 1, seed };
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
      const model = withMeasuredEnvelope(trainer.model(), envelopeRun);
      writeJson('best.f32.json', encodeModel(model, 'f32', { ...meta(), ...where }));
      writeJson('best.f16.json', encodeModel(model, 'f16', { ...meta(), ...where }));
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
  const finalModel = withMeasuredEnvelope(trainer.model(), envelopeRun);
  writeJson('final.f32.json', encodeModel(finalModel, 'f32', meta()));
  writeJson('final.f16.json', encodeModel(finalModel, 'f16', meta()));
  console.log(`done in ${((Date.now() - startedMs) / 60000).toFixed(1)} min; best held-in score ${best.toFixed(3)}; wrote ${out}`);
}
