/**
 * What the shaka manager reads from shaka's configuration and variants: which variants shaka allows
 * (`abr.restrictions`, application and key-system bans) and the parity rules its own ABR applies
 * (`abr.restrictToElementSize`, `abr.droppedFrames`, `abr.cacheLoadThreshold`), which abrkit takes over.
 */
import type shaka from 'shaka-player';
import { CORE_CACHE_HIT_MS, type PlayerParityDefaults } from '../player-limits.js';

type Variant = shaka.extern.Variant;
type Restrictions = shaka.extern.Restrictions;
type AbrConfiguration = shaka.extern.AbrConfiguration;

/** shaka's own ABR configuration defaults (shaka 5 `abr`), until `configure` brings the player's. */
export const SHAKA_PARITY_DEFAULTS: PlayerParityDefaults = Object.freeze({
  capToPlayerSize: false,
  maxDevicePixelRatio: Infinity,
  droppedFrames: { maxDroppedRatio: 0.15, banMs: 30_000 },
  cacheHitMaxDurationMs: CORE_CACHE_HIT_MS,
});

/** What shaka's `abr` configuration says about the parity rules abrkit takes over from its ABR. */
export function shakaParityDefaults(config: AbrConfiguration): PlayerParityDefaults {
  const advanced = config.advanced;
  return {
    capToPlayerSize: config.restrictToElementSize === true,
    maxDevicePixelRatio: config.ignoreDevicePixelRatio ? 1 : Infinity,
    droppedFrames: config.droppedFrames === false ? false : { maxDroppedRatio: advanced?.droppedFramesThreshold ?? 0.15, banMs: (advanced?.droppedFramesBanDuration ?? 30) * 1000 },
    cacheHitMaxDurationMs: Math.max(CORE_CACHE_HIT_MS, config.cacheLoadThreshold ?? 0),
  };
}

export function isPlayable(variant: Variant): boolean {
  return variant.allowedByApplication !== false && variant.allowedByKeySystem !== false && !(variant.disabledUntilTime > Date.now() / 1000);
}

/** `config.restrictions` as shaka documents them: bandwidth on the variant, size and frame rate on its video. */
export function meetsRestrictions(variant: Variant, r: Restrictions): boolean {
  const within = (value: number | null | undefined, min: number, max: number) => value === null || value === undefined || (value >= min && value <= max);
  const video = variant.video;
  const audio = variant.audio;
  return (
    within(variant.bandwidth, r.minBandwidth, r.maxBandwidth) &&
    within(video?.width, r.minWidth, r.maxWidth) &&
    within(video?.height, r.minHeight, r.maxHeight) &&
    within(video && video.width && video.height ? video.width * video.height : undefined, r.minPixels, r.maxPixels) &&
    within(video?.frameRate, r.minFrameRate, r.maxFrameRate) &&
    within(audio?.channelsCount, r.minChannelsCount, r.maxChannelsCount)
  );
}
