import { AbrkitShakaAbrManager } from './manager.js';
import type { AdapterOptions } from '../setup.js';

export { AbrkitShakaAbrManager, meetsRestrictions } from './manager.js';

/**
 * A shaka-player `AbrManager` for `player.configure({ abrFactory: () => createAbrManager(options) })`.
 * Options are validated when the manager is created, so a bad policy name throws an `invalid-options`
 * `AbrkitError` from `configure`, before playback starts.
 */
export function createAbrManager(options: AdapterOptions = {}): AbrkitShakaAbrManager {
  return new AbrkitShakaAbrManager(options);
}
