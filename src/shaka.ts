/** abrkit/shaka: abrkit's ABR core as a shaka-player `AbrManager`. */
export { createAbrManager, AbrkitShakaAbrManager, meetsRestrictions } from './adapters/shaka/index.js';
export type { ShakaAbrOptions, ShakaPlayerEvents } from './adapters/shaka/index.js';
export { ADAPTER_DEFAULTS, ADAPTER_POLICY_NAMES } from './adapters/setup.js';
export type { AdapterOptions, AdapterPolicyName, AbandonEvent, AdapterCore, SegmentDownload, LiveOptions } from './adapters/setup.js';
export type { LiveResync } from './adapters/live-resync.js';
