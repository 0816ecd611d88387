/** Random ladders for training, so the network reads rungs from their features, not their index. */
import type { SimVideo } from '../../sim/ladder-parsers.js';
import { PENSIEVE_CONSTANTS } from '../../sim/pensieve-env.js';
import { SeededRandom } from './random.js';

/**
 * A random ladder, so the network learns to read rungs from their features rather than their
 * index: 4-10 rungs, a 150-450 kbps bottom, a 2.5-8 Mbps top, geometric spacing, 2-6 s segments,
 * segment sizes varying around the nominal bitrate with content complexity.
 */
export function syntheticVideo(random: SeededRandom, segments = PENSIEVE_CONSTANTS.chunkCount + 1): SimVideo {
  const rungs = 4 + random.int(7);
  const bottomKbps = 150 + random.next() * 300;
  const topKbps = 2500 + random.next() * 5500;
  const segmentDurationS = [2, 3, 4, 4, 6][random.int(5)];
  const bitrates = Array.from({ length: rungs }, (_, i) => Math.round(bottomKbps * (topKbps / bottomKbps) ** (i / (rungs - 1))) * 1000);
  const sizes: number[][] = [];
  for (let s = 0; s < segments; s++) {
    const complexity = Math.exp((random.next() - 0.5) * 0.6);
    sizes.push(bitrates.map((bps) => Math.max(1000, Math.round(((bps * segmentDurationS) / 8) * complexity * Math.exp((random.next() - 0.5) * 0.1)))));
  }
  return {
    name: `synthetic-${rungs}`,
    renditions: bitrates.map((bitrateBps, i) => ({ id: String(i), bitrateBps })),
    segmentDurationS,
    segmentSizesBytes: sizes,
  };
}
