/**
 * abrkit/telemetry: a QoE event log for the browser (IndexedDB, with a memory fallback), an
 * optional upload sink to a collector, NDJSON export, and A/B experiment assignment. See src/telemetry/schema.ts for the events.
 */
export {
  TELEMETRY_SCHEMA_VERSION,
  SUPPORTED_SCHEMA_VERSIONS,
  MAX_ARM_NAME_LENGTH,
  checkTelemetryEvent,
  stripQuery,
  type CmcdObjectType,
  type DecisionEvent,
  type EventBase,
  type EventBody,
  type ExperimentStamp,
  type TelemetrySchemaVersion,
  type LossEvent,
  type PlaybackEvent,
  type PlaybackKind,
  type QoeSummaryEvent,
  type SampleRejectedEvent,
  type SegmentEvent,
  type SessionStartEvent,
  type TelemetryEvent,
  type TelemetryEventType,
  type TelemetryReason,
  type TelemetryRendition,
  type VisibilityState,
} from './telemetry/schema.js';
export {
  createTelemetry,
  reasonToJson,
  TELEMETRY_DEFAULTS,
  type PlaybackRecord,
  type SegmentRecord,
  type SessionStartRecord,
  type Telemetry,
  type TelemetryOptions,
  type TelemetryStatus,
} from './telemetry/recorder.js';
export { createMemoryStore, openTelemetryStore, type AppendResult, type Batch, type StoreStatus, type TelemetryStore } from './telemetry/store.js';
export {
  backoffDelayMs,
  checkEndpoint,
  createUploadSink,
  IDEMPOTENCY_QUERY_PARAM,
  TOKEN_QUERY_PARAM,
  KEEPALIVE_BUDGET_BYTES,
  NDJSON_CONTENT_TYPE,
  UPLOAD_DEFAULTS,
  type UploadOptions,
  type UploadSink,
  type UploadState,
  type UploadStats,
} from './telemetry/upload.js';
export {
  armAt,
  createExperiment,
  hashToUnit,
  PLAYER_DEFAULT_POLICY,
  VIEWER_ID_STORAGE_KEY,
  type Experiment,
  type ExperimentOptions,
  type IdStorage,
} from './telemetry/experiment.js';
export { exportTelemetry, type ExportOptions } from './telemetry/export.js';
export { browserLifecycle, REAL_TIMERS, type PageLifecycle, type Timers } from './telemetry/env.js';
export { recordMediaElement, MEDIA_ELEMENT_DEFAULTS, type MediaElementLike, type MediaElementOptions } from './telemetry/media-element.js';
export { tracesFromTelemetry, TO_TRACES_DEFAULTS, type SessionTrace, type ToTracesOptions } from './sim/telemetry-traces.js';
