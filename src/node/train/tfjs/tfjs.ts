/**
 * TensorFlow.js for Node-only training (never imported by a browser entry: the browser plays our
 * own forward pass, `qValues` in network.ts). One place loads tfjs so every training module gets
 * the same engine: tfjs-core's ops, the pure-JS cpu backend (tfjs-node cannot be installed here),
 * and tfjs-layers, which also registers the gradients of core's ops (tfjs-core's own
 * `register_all_gradients` entry is not loadable as a Node ES module).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

// PROD: no debug checks, and no console banner urging tfjs-node on every run.
tf.env().set('PROD', true);

/** Selects the cpu backend (deterministic, single-threaded); call before building tensors. */
export async function readyTfjs(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

export { tf, tfl };
