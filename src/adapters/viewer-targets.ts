/**
 * Where each player keeps its buffer goal, for the `viewer` option: hls.js reads `config.maxBufferLength`
 * (and caps it with `maxMaxBufferLength`) at every stream-controller tick, shaka takes
 * `streaming.bufferingGoal` through `player.configure`. Both save the player's own values when first
 * lowered and put them back on `restore`. Replacing what was buffered while hidden (`replaceAhead`)
 * needs the adapter's decision, so the adapter passes it in.
 */
import type { ViewerTarget } from './viewer.js';

/** The hls.js config fields the goal lives in (hls.js's `maxBufferSize` bound is left alone). */
export interface HlsBufferConfig {
  maxBufferLength: number;
  maxMaxBufferLength: number;
}

/** No replacement (a target whose adapter cannot drop buffered media). */
const NEVER_REPLACE = (): boolean => false;

export function hlsViewerTarget(config: HlsBufferConfig, segmentDurationS: () => number, replaceAhead: (marginS: number) => boolean = NEVER_REPLACE): ViewerTarget {
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
    replaceAhead,
  };
}

/** The shaka Player members the goal needs. */
export interface ShakaConfigurable {
  configure(config: { streaming: { bufferingGoal: number } }): unknown;
  getConfiguration(): { streaming: { bufferingGoal: number } };
}

export function shakaViewerTarget(player: ShakaConfigurable, segmentDurationS: () => number, replaceAhead: (marginS: number) => boolean = NEVER_REPLACE): ViewerTarget {
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
    replaceAhead,
  };
}
