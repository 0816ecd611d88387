/**
 * abrkit/dqn: the learned policy. Importing this entry costs the app only this wrapper; the trained
 * weights (a few kB of float16) are a separate chunk loaded on first use, and no tfjs is needed at
 * run time (the network is evaluated in plain typed arrays).
 */
export type { DqnModel, DqnModelFile, WeightEncoding } from './learned/model.js';
export { decodeModel, encodeModel, DqnModelError, DqnEnvelopeMissingError } from './learned/model.js';
export { envelopeViolation, createEnvelopeAccumulator, type FeatureEnvelope, type EnvelopeViolation } from './learned/envelope.js';
export type { RegressorState, ThroughputRegressor, RegressorOptions } from './learned/regressor.js';
export { createThroughputRegressor, REGRESSOR_DEFAULTS } from './learned/regressor.js';
export { fitRegressor } from './learned/regressor-fit.js';
export { computeFeatures, GLOBAL_FEATURE_NAMES, RUNG_FEATURE_NAMES } from './learned/features.js';
export type { LearnedEstimator, LearnedEstimatorOptions, LearnedEstimatorOrigin, RegressorStore } from './learned/learned-estimator.js';
export { loadLearnedEstimator, createIndexedDbRegressorStore, LEARNED_ESTIMATOR_DEFAULTS } from './learned/learned-estimator.js';
export { createDqnPolicy, DqnFallbackError, DQN_POLICY_DEFAULTS } from './learned/dqn-policy.js';
export type { DqnFailureKind, DqnPolicyOptions, DqnPolicy, DqnStatus } from './learned/dqn-policy.js';
