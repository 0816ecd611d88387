/** `abrkit eval --viewers <model>`: the evaluation with simulated viewers, aware and unaware. */
import { writeFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { markdownTable } from '../../table.js';
import { createProgressBar } from '../progress.js';
import { evaluateViewers } from '../../../sim/viewer-eval.js';
import type { PolicySpec } from '../../../sim/evaluate.js';
import type { SimVideo } from '../../../sim/ladder-parsers.js';
import type { Trace } from '../../../sim/trace.js';
import type { QoeName } from '../../../qoe/models.js';
import type { ViewerBufferOptions } from '../../../policies/viewer-buffer.js';
import { loadEngagementModel, loadViewerModel } from './viewer-models.js';

export const VIEWERS_HELP = `  --viewers <model>    play each trace with simulated viewers ('default', or a JSON file overriding its
                       fields: exitShape, exitScaleS, pausesPerMin, pauseMedianS, pauseSigma, hidesPerMin,
                       hideMedianS, hideSigma), each policy with and without viewer awareness; reports
                       bytes downloaded, bytes never played, QoE over the watched segments and the saving
  --sessions <n>       --viewers: viewers per trace (default 2)
  --seed <n>           --viewers: seed of the viewers (default 1)
  --engagement <file>  --viewers: the engagement model (default: the shipped one; 'abrkit train engagement')
  --viewer-options <json>  --viewers: the viewer rule's options, e.g. '{"hiddenGoalS":12,"hiddenLowestRung":true}'`;

export interface ViewerEvalArgs {
  readonly viewers: string;
  readonly sessions: number;
  readonly seed: number;
  readonly engagement?: string;
  readonly viewerOptions?: string;
  readonly json?: string;
}

export function runViewerEval(video: SimVideo, traces: readonly Trace[], specs: readonly PolicySpec[], qoe: QoeName, args: ViewerEvalArgs): void {
  if (specs.length === 0) throw new UsageError('--viewers needs at least one online policy (the optimum does not apply)');
  if (args.sessions < 1) throw new UsageError('--sessions must be >= 1');
  const model = loadViewerModel(args.viewers);
  let rule: Partial<ViewerBufferOptions> = {};
  if (args.viewerOptions !== undefined) {
    try {
      rule = JSON.parse(args.viewerOptions) as Partial<ViewerBufferOptions>;
    } catch {
      throw new UsageError(`--viewer-options: not JSON: ${args.viewerOptions}`);
    }
    if (typeof rule !== 'object' || rule === null) throw new UsageError('--viewer-options must be a JSON object');
  }
  if (args.engagement !== undefined) rule = { ...rule, engagement: loadEngagementModel(args.engagement) };
  const progress = createProgressBar('eval');
  const startedMs = Date.now();
  const result = evaluateViewers(video, traces, {
    qoe,
    policies: specs,
    model,
    sessionsPerTrace: args.sessions,
    seed: args.seed,
    rule,
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  console.log(`\n${traces.length} traces x ${args.sessions} viewers ('${model.name}', seed ${args.seed}), video ${video.name}, realistic mode, QoE_${qoe}, ${seconds} s\n`);
  const rows = result.summary.map((s) => {
    const saving = result.savings.find((v) => v.policy === s.policy)!;
    return [
      s.policy,
      s.aware ? 'aware' : 'unaware',
      s.downloadedMB.toFixed(1),
      `${(s.wastedShare * 100).toFixed(1)}%`,
      s.aware ? `${(saving.bytesSaved * 100).toFixed(1)}%` : '-',
      s.qoeWatched.toFixed(4),
      s.aware ? `${(saving.qoeChange * 100).toFixed(2)}%` : '-',
      s.bitrateKbps.toFixed(0),
      s.rebufferS.toFixed(2),
      s.switches.toFixed(2),
      s.watchedChunks.toFixed(1),
    ];
  });
  console.log(markdownTable(['policy', 'viewer', 'downloaded MB', 'never played', 'bytes saved', 'QoE/watched chunk', 'QoE change', 'bitrate kbps', 'rebuffer s', 'switches', 'watched chunks'], rows));
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${args.json}`);
  }
}
