/**
 * Where each player keeps its buffer goal, for the `viewer` option: hls.js reads `config.maxBufferLength`
 * (and caps it with `maxMaxBufferLength`) at every stream-controller tick, shaka takes
 * `streaming.bufferingGoal` through `player.configure`. Both save the player's own values when first
 * lowered and put them back on `restore`.
 */
import type { ViewerTarget } from './viewer.js';

/** The hls.js config fields the goal lives in (hls.js's `maxBufferSize` bound is left alone). */
export interface HlsBufferConfig {
  maxBufferLength: number;
  maxMaxBufferLength: number;
}

export function hlsViewerTarget(config: HlsBufferConfig, segmentDurationS: () => number): ViewerTarget {
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
    segmentDurationS,
  };
}

/** The shaka Player members the goal needs. */
export interface ShakaConfigurable {
  configure(config: { streaming: { bufferingGoal: number } }): unknown;
  getConfiguration(): { streaming: { bufferingGoal: number } };
}

export function shakaViewerTarget(player: ShakaConfigurable, segmentDurationS: () => number): ViewerTarget {
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
    segmentDurationS,
  };
}
