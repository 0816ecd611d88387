/**
 * abrkit/node: the Node-only tooling as a library, the same code the CLI runs: reading traces and
 * ladders from disk, reading HLS/DASH manifests into simulator videos, the real-browser harness and evaluation (needs playwright-core and Chromium,
 * loaded only when a browser starts), the telemetry collector, the demo server, and training.
 * Nothing here ships to a browser; the browser entries never import it.
 */
export { loadTraces, loadVideo } from './node/io.js';
export { markdownTable, formatSummary } from './node/table.js';
export { PACKAGE_ROOT, PACKAGE_VERSION, CACHE_DIR } from './node/package-root.js';

export { BrowserHarness, summarize, type BrowserRunOptions, type BrowserRunResult } from './node/harness/runner.js';
export { browserEval, formatBrowserSummary, percentile, type BrowserEvalResult } from './node/harness/browser-eval.js';
export { startHarnessServer, contentType, type FaultSpec, type HarnessServer, type RequestLogEntry, type ShapingOptions } from './node/harness/server.js';
export { DEFAULT_MEDIA_DIR, readStreamInfo, type StreamInfo } from './node/harness/stream.js';
export { inspectStream, type InspectOptions } from './node/manifest/inspect.js';
export { loadManifestVideo, manifestCacheFile, type ManifestVideo, type ManifestVideoOptions } from './node/manifest-video.js';
export { formatLadderJson, type LadderSource } from './node/manifest/ladder-json.js';
export { toSimVideo, codecFamilies, audioFor, type ToSimVideoOptions } from './node/manifest/to-sim-video.js';
export { codecFamily, CODEC_FAMILY_EFFICIENCY } from './node/manifest/codecs.js';
export type { InspectedStream, VideoVariant, AudioRendition, MediaSegment, InitSegment, ByteRange, Encryption, CodecFamily, StreamKind } from './node/manifest/types.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumLaunchOptions } from './node/harness/chromium.js';
export { loadPage, resolvePlayerBuild, requirePlayerBuild, type PageName, type PlayerBuild, type PlayerPackage } from './node/pages.js';

export { startCollector, COLLECTOR_DEFAULTS, type Collector, type CollectorOptions, type CollectorStats } from './node/collector/server.js';
export { createClickHouseClient, sqlString, type ClickHouseClient, type ClickHouseOptions } from './node/collector/clickhouse-http.js';
export { openClickHouseSink, schemaStatements, EVENTS_TABLE, BATCHES_TABLE, isoDate } from './node/collector/clickhouse-sink.js';
export { ndjsonEvents, ndjsonFiles, clickhouseEvents, clickhouseEventsSql, type EventFilter } from './node/collector/read-events.js';
export { createRateLimiter, type RateLimit, type RateLimiter } from './node/collector/security.js';
export { sessionQoe, sessionsFrom, type SessionQoe } from './node/report/sessions.js';
export { armFigures, reportArms, formatArmReport, quantile, METRICS, REPORT_DEFAULTS, type ArmReport, type ArmFigures, type Interval, type MetricId, type ReportOptions } from './node/report/arms.js';
export { htmlReport, type HtmlReportInput } from './node/report/html.js';
export { startDemoServer, DEFAULT_DEMO_PORT, type DemoServer, type DemoServerOptions } from './node/demo/server.js';

export { createRolloutTrainer, type RolloutTrainer, type RolloutCheckpoint, type RolloutResume } from './node/train/rollout-trainer.js';
export { ROLLOUT_TRAIN_DEFAULTS, type RolloutTrainOptions } from './node/train/rollout-options.js';
export { createDqnTrainer, type DqnTrainer, type TrainerCheckpoint } from './node/train/dqn-trainer.js';
export { DQN_TRAIN_DEFAULTS, type DqnTrainOptions } from './node/train/dqn-options.js';
export { fitEngagementModel, engagementLogLoss, ENGAGEMENT_FIT_DEFAULTS, type EngagementFitOptions } from './node/train/engagement-fit.js';
export { collectSamples, type TrainData } from './node/train/data.js';
export { playEpisode, EPISODE_MODES, type EpisodeMode } from './node/train/episode.js';
/** The DQN weights shipped in the package (browsers load them lazily through abrkit/dqn). */
export { DEFAULT_DQN_MODEL } from './learned/model/default-model.js';

/** The TensorFlow.js training backend, loaded on first call (tfjs is not a dependency of abrkit). */
export const loadTfjsTraining = () => import('./node/train/tfjs/index.js');

// Types the trainers' signatures use, from the learned policy's modules.
export type { Features } from './learned/features.js';
export type { QNetwork } from './learned/network.js';
export type { RegressorFitOptions } from './learned/regressor-fit.js';
