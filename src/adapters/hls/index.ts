/**
 * abrkit/hls's factory: a class hls.js can construct as its `abrController`, with options checked
 * up front.
 */
import type Hls from 'hls.js';
import type { AbrController as HlsAbrController } from 'hls.js';
import { AbrkitHlsController, assertHlsLike } from './controller.js';
import { createAdapterCore, type AdapterOptions } from '../setup.js';
import { ladderFromBitrates } from '../../core/ladder.js';

export { AbrkitHlsController } from './controller.js';
export type { HlsBandwidthEstimatorView } from './controller.js';

/**
 * Returns a class to pass as hls.js's `abrController` config: `new Hls({ abrController: createAbrController() })`.
 *
 * hls.js types that option as `typeof AbrController`, its own concrete class with private and protected
 * members, which no other class can satisfy structurally. At runtime hls.js only constructs it with
 * `new (hls)` and uses the `AbrComponentAPI` members plus `bwEstimator`, all of which this class provides,
 * so the returned constructor is cast to that type at this one boundary.
 *
 * Options are validated here, once, so a bad policy name fails before playback starts.
 */
export function createAbrController(options: AdapterOptions = {}): typeof HlsAbrController {
  createAdapterCore(options, ladderFromBitrates([1], 1));
  class ConfiguredAbrkitHlsController extends AbrkitHlsController {
    constructor(hls: Hls) {
      assertHlsLike(hls);
      super(hls, options);
    }
  }
  return ConfiguredAbrkitHlsController as unknown as typeof HlsAbrController;
}
