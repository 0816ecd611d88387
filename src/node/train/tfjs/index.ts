/**
 * The TensorFlow.js training backend (Node only), loaded on demand through `loadTfjsTraining()` in
 * abrkit/node so that nothing else pulls in tfjs (a devDependency: `npm install
 * @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu` to use it).
 */
export { readyTfjs } from './tfjs.js';
export { createTfjsRolloutTrainer, createTfjsRolloutLearner, type RegressorFit } from './tfjs-network.js';
export { fitRegressorTfjs, TFJS_REGRESSOR_FIT_DEFAULTS, type TfjsRegressorFitOptions } from './tfjs-regressor.js';
