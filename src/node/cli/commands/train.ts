/** `abrkit train dqn | regression | engagement`: picks the trainer; each lives in its own module. */
import { UsageError } from '../args.js';
import { HELP } from './train-common.js';
import { trainDqn } from './train-dqn.js';
import { trainRollout } from './train-rollout.js';
import { trainRegression } from './train-regression.js';
import { trainEngagement } from './train-engagement.js';

export async function run(args: string[]): Promise<void> {
  const [what, ...rest] = args;
  if (what === 'regression') return trainRegression(rest);
  if (what === 'engagement') return trainEngagement(rest);
  if (what !== 'dqn') throw new UsageError(`expected 'train dqn', 'train regression' or 'train engagement'\n\n${HELP}`);
  if (rest.includes('--method=rollout') || rest.some((a, i) => a === '--method' && rest[i + 1] === 'rollout')) return trainRollout(rest);
  return trainDqn(rest);
}
