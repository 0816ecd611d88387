/** Viewer and engagement models by name or from a JSON file, for `abrkit eval --viewers` and `train engagement`. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { parseViewerModel, VIEWER_MODELS, type ViewerModel } from '../../../sim/viewers.js';
import { parseEngagementModel, type EngagementModel } from '../../../policies/engagement.js';

export function loadViewerModel(nameOrPath: string): ViewerModel {
  const named = VIEWER_MODELS[nameOrPath];
  if (named) return named;
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch {
    throw new UsageError(`--viewers: '${nameOrPath}' is neither a model name (${Object.keys(VIEWER_MODELS).join(', ')}) nor a readable JSON file`);
  }
  return parseViewerModel(text, nameOrPath);
}

export function loadEngagementModel(path: string): EngagementModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--engagement: cannot read '${path}'`);
  }
  return parseEngagementModel(text, path);
}
