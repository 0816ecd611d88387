/**
 * Where each player keeps its buffer goal, for the `viewer` option: hls.js reads `config.maxBufferLength`
 * (and caps it with `maxMaxBufferLength`) at every stream-controller tick, shaka takes
 * `streaming.bufferingGoal` through `player.configure`. Both save the player's own values when first
 * lowered and put them back on `restore`. What only the adapter knows (the segment length, the link's
 * headroom, how to replace what was buffered while hidden) it passes in as `ViewerAdapterHooks`.
 */
import type { ViewerTarget } from './viewer.js';
import type { AdapterCore } from './setup.js';
import type { Ladder } from '../core/ladder.js';

/** The adapter's side of a viewer target. */
export type ViewerAdapterHooks = Pick<ViewerTarget, 'segmentDurationS' | 'headroom' | 'replaceAhead'>;

/** The hls.js config fields the goal lives in (hls.js's `maxBufferSize` bound is left alone). */
export interface HlsBufferConfig {
  maxBufferLength: number;
  maxMaxBufferLength: number;
}

export function hlsViewerTarget(config: HlsBufferConfig, hooks: ViewerAdapterHooks): ViewerTarget {
  let saved: { maxBufferLength: number; maxMaxBufferLength: number } | null = null;
  return {
    baseGoalS: () => (saved ?? config).maxBufferLength,
    lower(goalS) {
      saved ??= { maxBufferLength: config.maxBufferLength, maxMaxBufferLength: config.maxMaxBufferLength };
      // Both: hls.js buffers max(maxBufferLength, maxBufferSize's worth) up to maxMaxBufferLength.
      config.maxBufferLength = goalS;
      config.maxMaxBufferLength = goalS;
    },
    restore() {
      if (!saved) return;
      config.maxBufferLength = saved.maxBufferLength;
      config.maxMaxBufferLength = saved.maxMaxBufferLength;
      saved = null;
    },
    ...hooks,
  };
}

/** The shaka Player members the goal needs. */
export interface ShakaConfigurable {
  configure(config: { streaming: { bufferingGoal: number } }): unknown;
  getConfiguration(): { streaming: { bufferingGoal: number } };
}

export function shakaViewerTarget(player: ShakaConfigurable, hooks: ViewerAdapterHooks): ViewerTarget {
  let saved: number | null = null;
  return {
    baseGoalS: () => saved ?? player.getConfiguration().streaming.bufferingGoal,
    lower(goalS) {
      saved ??= player.getConfiguration().streaming.bufferingGoal;
      player.configure({ streaming: { bufferingGoal: goalS } });
    },
    restore() {
      if (saved === null) return;
      const goalS = saved;
      saved = null;
      player.configure({ streaming: { bufferingGoal: goalS } });
    },
    ...hooks,
  };
}

/** The core's predicted throughput over the top rung's bitrate; undefined before the first prediction. */
export function viewerHeadroom(core: Pick<AdapterCore, 'controller'>, ladder: Ladder): number | undefined {
  const predictedBps = core.controller.prediction()?.throughputBps;
  const topBps = ladder.renditions[ladder.renditions.length - 1]?.bitrateBps;
  return predictedBps === undefined || topBps === undefined || !(topBps > 0) ? undefined : predictedBps / topBps;
}
