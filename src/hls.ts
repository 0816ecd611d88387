/** abrkit/hls: abrkit's ABR core as an hls.js `abrController`. */
export { createAbrController, AbrkitHlsController } from './adapters/hls/index.js';
export type { HlsBandwidthEstimatorView } from './adapters/hls/index.js';
export { ADAPTER_DEFAULTS, ADAPTER_POLICY_NAMES } from './adapters/setup.js';
export type { AdapterOptions, AdapterPolicyName, AbandonEvent, AdapterCore, SegmentDownload, LiveOptions } from './adapters/setup.js';
export type { LiveResync } from './adapters/live-resync.js';
