/** Renditions and ladders: validation, construction from bitrates, segment sizes, rung lookups. */
import { AbrkitError } from './errors.js';

/** One encoding of the content. Bitrates are the nominal (advertised) ones, in bit/s. */
export interface Rendition {
  readonly id: string;
  readonly bitrateBps: number;
  readonly width?: number;
  readonly height?: number;
  readonly codecs?: string;
  readonly frameRate?: number;
}

/**
 * The renditions a player can choose from, lowest bitrate first. A "rung" is an index into
 * `renditions`. Per-segment sizes are optional: players rarely know them, the simulator always does.
 */
export interface Ladder {
  readonly renditions: readonly Rendition[];
  /** Nominal segment (chunk) duration. */
  readonly segmentDurationS: number;
  /** `segmentSizesBytes[segment][rung]`, when known. */
  readonly segmentSizesBytes?: readonly (readonly number[])[];
}

/** Checks a ladder's invariants and returns it; throws `invalid-ladder` with the first problem found. */
export function validateLadder(ladder: Ladder): Ladder {
  const { renditions, segmentDurationS, segmentSizesBytes } = ladder;
  if (renditions.length === 0) throw new AbrkitError('invalid-ladder', 'ladder has no renditions');
  if (!(segmentDurationS > 0) || !Number.isFinite(segmentDurationS)) {
    throw new AbrkitError('invalid-ladder', `segmentDurationS must be a positive number, got ${segmentDurationS}`);
  }
  renditions.forEach((r, i) => {
    if (!(r.bitrateBps > 0) || !Number.isFinite(r.bitrateBps)) {
      throw new AbrkitError('invalid-ladder', `rendition ${i} (${r.id}) has bitrate ${r.bitrateBps}`);
    }
    const previous = renditions[i - 1];
    if (previous && previous.bitrateBps > r.bitrateBps) {
      throw new AbrkitError('invalid-ladder', `renditions must be sorted by ascending bitrate (rung ${i})`);
    }
  });
  segmentSizesBytes?.forEach((sizes, segment) => {
    if (sizes.length !== renditions.length) {
      throw new AbrkitError('invalid-ladder', `segment ${segment} has ${sizes.length} sizes for ${renditions.length} renditions`);
    }
    for (const bytes of sizes) {
      if (!(bytes > 0) || !Number.isFinite(bytes)) {
        throw new AbrkitError('invalid-ladder', `segment ${segment} has a size of ${bytes} bytes`);
      }
    }
  });
  return ladder;
}

/** Builds a ladder from nominal bitrates, for players and tests that know nothing else. */
/**
 * A rendition with every field present, in one order (absent ones `undefined`). Objects of one shape
 * keep the JIT's code for a policy valid from its warm-up to playback: a ladder of another shape
 * than the warm-up's makes it throw that code away on the first real decision (a "wrong map" deopt).
 */
export function createRendition(r: Rendition): Rendition {
  return { id: r.id, bitrateBps: r.bitrateBps, width: r.width, height: r.height, codecs: r.codecs, frameRate: r.frameRate };
}

/** The ladder in the one shape the controller hands policies (see `createRendition`); same content. */
export function normalizeLadder(ladder: Ladder): Ladder {
  return { renditions: ladder.renditions.map(createRendition), segmentDurationS: ladder.segmentDurationS, segmentSizesBytes: ladder.segmentSizesBytes };
}

export function ladderFromBitrates(bitratesBps: readonly number[], segmentDurationS: number): Ladder {
  return validateLadder({
    renditions: bitratesBps.map((bitrateBps, i) => ({ id: String(i), bitrateBps })),
    segmentDurationS,
  });
}

/**
 * Size of one segment at one rung: the known size when the ladder carries sizes for that segment,
 * otherwise the nominal bitrate times the segment duration.
 */
export function segmentSizeBytes(ladder: Ladder, segmentIndex: number, rung: number): number {
  const known = ladder.segmentSizesBytes?.[segmentIndex]?.[rung];
  if (known !== undefined) return known;
  return (ladder.renditions[rung]!.bitrateBps * ladder.segmentDurationS) / 8;
}

/** Highest rung whose nominal bitrate is at most `bitrateBps`, within [minRung, maxRung]. */
export function highestRungAtMost(
  ladder: Ladder,
  bitrateBps: number,
  minRung = 0,
  maxRung = ladder.renditions.length - 1,
): number {
  let rung = minRung;
  for (let i = minRung; i <= maxRung; i++) {
    if (ladder.renditions[i]!.bitrateBps <= bitrateBps) rung = i;
    else break;
  }
  return rung;
}
