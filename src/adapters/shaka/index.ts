/**
 * abrkit/shaka's factory: an `AbrManager` for shaka-player's `abrFactory`, with options checked up
 * front.
 */
import { AbrkitShakaAbrManager } from './manager.js';
import type { ShakaAbrOptions } from './manager.js';

export { AbrkitShakaAbrManager, meetsRestrictions } from './manager.js';
export type { ShakaAbrOptions, ShakaPlayerEvents } from './manager.js';

/**
 * A shaka-player `AbrManager` for `player.configure({ abrFactory: () => createAbrManager(options) })`.
 * Pass `player` too, so samples complete as each download does (see `ShakaAbrOptions.player`).
 * Options are validated when the manager is created, so a bad policy name throws an `invalid-options`
 * `AbrkitError` from `configure`, before playback starts.
 */
export function createAbrManager(options: ShakaAbrOptions = {}): AbrkitShakaAbrManager {
  return new AbrkitShakaAbrManager(options);
}
