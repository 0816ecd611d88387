/** A Q-network's weights as plain JSON arrays, for checkpoints (and back). */
import type { QNetwork } from '../../learned/network.js';
import { invalidOptions } from '../../core/errors.js';

export type SerializedNetwork = { advantage: number[][][]; value: number[][][] };

export function serializeNetwork(net: QNetwork): SerializedNetwork {
  const mlp = (m: QNetwork['advantage']) => m.layers.map((l) => [Array.from(l.weights), Array.from(l.bias)]);
  return { advantage: mlp(net.advantage), value: mlp(net.value) };
}

export function restoreNetwork(into: QNetwork, saved: SerializedNetwork): void {
  const mlp = (m: QNetwork['advantage'], s: number[][][]) =>
    m.layers.forEach((l, i) => {
      if (s[i][0].length !== l.weights.length || s[i][1].length !== l.bias.length) throw invalidOptions('train', 'checkpoint shape differs from the options');
      l.weights.set(s[i][0]);
      l.bias.set(s[i][1]);
    });
  mlp(into.advantage, saved.advantage);
  mlp(into.value, saved.value);
}
