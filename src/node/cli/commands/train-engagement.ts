/**
 * `abrkit train engagement`: fit the engagement model (the chance a session ends soon) on telemetry
 * sessions, or on simulated viewers (`--synthetic`, how the shipped default was made).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { intOption, numberOption, parseCommandArgs, requireOption, UsageError } from '../args.js';
import { engagementRows, engagementSessionsFromTelemetry, engagementSessionsFromViewers, type EngagementSession } from '../../../sim/engagement-data.js';
import { engagementLogLoss, fitEngagementModel } from '../../train/engagement-fit.js';
import { DEFAULT_ENGAGEMENT_MODEL } from '../../../policies/engagement.js';
import { loadViewerModel } from './viewer-models.js';

export const ENGAGEMENT_HELP = `usage: abrkit train engagement --telemetry <export.ndjson>[,...] --out <file> [--interval S]
       abrkit train engagement --synthetic <default|model.json> --out <file> [--sessions N] [--seed S] [--video-s S]

Fits P(the session ends within the next interval) = sigmoid(b + w . [ln(1 + watched s), pauses, seeks, hides])
by logistic regression over every interval of watch time of every session (a session that played to
its end is censored: it never counts as an exit). Writes an abrkit-engagement JSON model: pass it to
the adapters' viewer option ({ engagement }) or to 'abrkit eval --viewers <m> --engagement <file>'.

  --telemetry <files>  NDJSON exports or collector files (playback events: play, pause, seek, visibility, ended)
  --synthetic <model>  simulated viewers instead: 'default' or a viewer model JSON (see 'abrkit eval --help')
  --sessions <n>       --synthetic: sessions (default 4000)
  --seed <n>           --synthetic: seed (default 7)
  --video-s <s>        --synthetic: video length, s (default 192: Envivio's 48 x 4 s)
  --interval <s>       interval of watch time, s (default 4)
  --out <file>         where to write the model`;

export async function trainEngagement(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    { telemetry: { type: 'string' }, synthetic: { type: 'string' }, sessions: { type: 'string' }, seed: { type: 'string' }, 'video-s': { type: 'string' }, interval: { type: 'string' }, out: { type: 'string' } },
    ENGAGEMENT_HELP,
  );
  const out = requireOption(values.out, 'out', ENGAGEMENT_HELP);
  const intervalS = numberOption(values.interval, 'interval', DEFAULT_ENGAGEMENT_MODEL.intervalS);
  if (!(intervalS > 0)) throw new UsageError('--interval must be > 0');
  let sessions: EngagementSession[];
  let source: string;
  if (values.telemetry !== undefined) {
    if (values.synthetic !== undefined) throw new UsageError('give --telemetry or --synthetic, not both');
    const files = values.telemetry.split(',').filter(Boolean);
    sessions = files.flatMap((file) => engagementSessionsFromTelemetry(readFileSync(file, 'utf8'), file));
    source = files.join(',');
  } else if (values.synthetic !== undefined) {
    const model = loadViewerModel(values.synthetic);
    const seed = intOption(values.seed, 'seed', 7);
    const count = intOption(values.sessions, 'sessions', 4000);
    if (count < 1) throw new UsageError('--sessions must be >= 1');
    sessions = engagementSessionsFromViewers(model, seed, count, numberOption(values['video-s'], 'video-s', 192));
    source = `simulated viewers '${model.name}', seed ${seed}`;
  } else {
    throw new UsageError(`--telemetry or --synthetic is required\n\n${ENGAGEMENT_HELP}`);
  }
  if (sessions.length === 0) throw new UsageError('no session with a play event to learn from');
  const rows = engagementRows(sessions, intervalS);
  let model;
  try {
    model = fitEngagementModel(rows, { intervalS, source, sessions: sessions.length });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const path = `${out}.tmp`;
  writeFileSync(path, `${JSON.stringify(model, null, 2)}\n`);
  renameSync(path, out);
  const exits = sessions.filter((s) => !s.ended).length;
  console.log(`${sessions.length} sessions (${exits} left before the end), ${rows.length} intervals of ${intervalS} s from ${source}`);
  console.log(`  log-loss per interval: shipped default ${engagementLogLoss(rows, DEFAULT_ENGAGEMENT_MODEL).toFixed(4)}, new model ${engagementLogLoss(rows, model).toFixed(4)} (in-sample)`);
  console.log(`  bias ${model.bias}, weights ${JSON.stringify(model.weights)}`);
  console.log(`wrote ${out}`);
}
