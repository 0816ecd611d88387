// abrkit core: types, controller, estimators, policies and QoE. No DOM, timer or player imports.
export type { Rendition, Ladder } from './core/ladder.js';
export { validateLadder, ladderFromBitrates, segmentSizeBytes, highestRungAtMost } from './core/ladder.js';
export type { DownloadSample, SampleFilterOptions, SampleRejection, SampleVerdict } from './core/sample.js';
export { checkSample, sampleThroughputBps, DEFAULT_SAMPLE_FILTER, PERMISSIVE_SAMPLE_FILTER } from './core/sample.js';
export type { ThroughputEstimator, ThroughputPrediction } from './core/estimator.js';
export type { DecisionContext } from './core/context.js';
export type { Decision, DecisionReason } from './core/decision.js';
export type { AbrPolicy } from './core/policy.js';
export type { Clock } from './core/clock.js';
export { ManualClock } from './core/clock.js';
export { AbrkitError, ParseError } from './core/errors.js';
export type { AbrkitErrorCode } from './core/errors.js';
export { AbrController, CONTROLLER_DEFAULTS } from './core/controller.js';
export type { AbrControllerOptions, ControllerEvent, DecisionInput } from './core/controller.js';
export { createAbandonRule, ABANDON_DEFAULTS } from './core/abandon.js';
export type { AbandonRule, AbandonOptions, DownloadProgress } from './core/abandon.js';

export { createDualEwmaEstimator, DUAL_EWMA_DEFAULTS } from './estimators/ewma.js';
export type { DualEwmaOptions } from './estimators/ewma.js';
export { createHarmonicMeanEstimator, harmonicMean, HARMONIC_MEAN_DEFAULTS } from './estimators/harmonic.js';
export type { HarmonicMeanOptions } from './estimators/harmonic.js';
export { createLinearRegressionEstimator, predictByRegression, LINEAR_REGRESSION_DEFAULTS } from './estimators/regression.js';
export type { LinearRegressionOptions } from './estimators/regression.js';
export { withPredictionErrors, PREDICTION_ERROR_DEFAULTS } from './estimators/prediction-errors.js';
export type { PredictionErrorOptions } from './estimators/prediction-errors.js';

export { createRatePolicy, RATE_POLICY_DEFAULTS } from './policies/rate.js';
export type { RatePolicyOptions } from './policies/rate.js';
export { createBbaPolicy, BBA_DEFAULTS } from './policies/bba.js';
export type { BbaOptions } from './policies/bba.js';
export { createBolaPolicy, BOLA_DEFAULTS } from './policies/bola.js';
export type { BolaOptions } from './policies/bola.js';
export { createRobustMpcPolicy, ROBUST_MPC_DEFAULTS } from './policies/robustmpc.js';
export { withStallGuard, STALL_GUARD_DEFAULTS, type StallGuardOptions } from './policies/stall-guard.js';
export type { RobustMpcOptions } from './policies/robustmpc.js';

export { createQoeModel, chunkQoe, QOE_DEFAULT_PENALTIES } from './qoe/models.js';
export type { QoeModel, QoeName, QoeOptions } from './qoe/models.js';
export { summarizeSession } from './qoe/session-metrics.js';
export type { ChunkRecord, SessionMetrics, MetricsOptions } from './qoe/session-metrics.js';
export { createNamedPolicy, createNamedEstimator, isNamedPolicy, POLICY_NAMES, ESTIMATOR_NAMES } from './policies/named.js';
export type { PolicyName, EstimatorName, NamedPolicyOptions } from './policies/named.js';
export { createViewerBufferRule, validateViewerBufferOptions, VIEWER_BUFFER_DEFAULTS } from './policies/viewer-buffer.js';
export type { ViewerState, ViewerBufferOptions, ViewerBufferDecision, ViewerBufferReason, ViewerBufferInput, ViewerBufferRule } from './policies/viewer-buffer.js';
export { DEFAULT_ENGAGEMENT_MODEL, exitProbability, intervalExitProbability, likelyWatchHorizonS, parseEngagementModel } from './policies/engagement.js';
export type { EngagementFeatures, EngagementModel } from './policies/engagement.js';
export { maxRungForPlayerSize, createDroppedFramesRule, withSwitchHysteresis, DROPPED_FRAMES_DEFAULTS, SWITCH_HYSTERESIS_DEFAULTS } from './policies/parity.js';
export type { PlayerSize, DroppedFramesOptions, DroppedFramesRule, SwitchHysteresisOptions } from './policies/parity.js';
