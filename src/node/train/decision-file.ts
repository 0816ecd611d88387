/**
 * The rollout trainer's collected decisions as one binary file, so a run resumes from its
 * checkpoint without collecting them again (hundreds of thousands of them: JSON would be ten
 * times the size). Little-endian; every value as the trainer holds it, so a round trip is exact.
 *
 *   header:   "ABRD", version u32 (1), global features u32, rung features u32, decisions u32
 *   decision: rungs u32, minRungIndex u32, shield mask i32,
 *             global f32 x G, per-rung f32 x rungs*R, rebufferRobustS f64 x rungs, targets f32 x rungs
 */
import type { RolloutDecision } from './rollout-episode.js';
import { GLOBAL_FEATURES, RUNG_FEATURES } from '../../learned/features.js';
import { invalidOptions } from '../../core/errors.js';

const MAGIC = 0x44524241; // "ABRD" read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 20;

function decisionBytes(rungs: number): number {
  return 12 + 4 * GLOBAL_FEATURES + 4 * rungs * RUNG_FEATURES + 8 * rungs + 4 * rungs;
}

export function encodeRolloutDecisions(decisions: readonly RolloutDecision[]): Uint8Array {
  let size = HEADER_BYTES;
  for (const d of decisions) size += decisionBytes(d.features.rungCount);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, GLOBAL_FEATURES, true);
  view.setUint32(12, RUNG_FEATURES, true);
  view.setUint32(16, decisions.length, true);
  let at = HEADER_BYTES;
  const f32 = (values: ArrayLike<number>) => {
    for (let i = 0; i < values.length; i++, at += 4) view.setFloat32(at, values[i], true);
  };
  for (const { features, mask, targets } of decisions) {
    view.setUint32(at, features.rungCount, true);
    view.setUint32(at + 4, features.minRungIndex, true);
    view.setInt32(at + 8, mask, true);
    at += 12;
    f32(features.global);
    f32(features.perRung);
    for (let k = 0; k < features.rungCount; k++, at += 8) view.setFloat64(at, features.rebufferRobustS[k], true);
    f32(targets);
  }
  return bytes;
}

/** Reads `encodeRolloutDecisions`'s output; throws an `invalid-options` AbrkitError naming what is wrong. */
export function decodeRolloutDecisions(bytes: Uint8Array): RolloutDecision[] {
  const fail = (detail: string) => invalidOptions('train', `decisions file: ${detail}`);
  if (bytes.length < HEADER_BYTES) throw fail('too short for its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) throw fail('not an abrkit decisions file (version 1)');
  const globalCount = view.getUint32(8, true);
  const rungCount = view.getUint32(12, true);
  if (globalCount !== GLOBAL_FEATURES || rungCount !== RUNG_FEATURES) {
    throw fail(`written with ${globalCount}+${rungCount} features, this build computes ${GLOBAL_FEATURES}+${RUNG_FEATURES}`);
  }
  const count = view.getUint32(16, true);
  const decisions: RolloutDecision[] = [];
  let at = HEADER_BYTES;
  const f32 = (length: number) => {
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++, at += 4) values[i] = view.getFloat32(at, true);
    return values;
  };
  for (let n = 0; n < count; n++) {
    if (at + 12 > bytes.length) throw fail(`ends inside decision ${n} of ${count}`);
    const rungs = view.getUint32(at, true);
    const minRungIndex = view.getUint32(at + 4, true);
    const mask = view.getInt32(at + 8, true);
    if (rungs === 0 || at + decisionBytes(rungs) > bytes.length) throw fail(`ends inside decision ${n} of ${count}`);
    at += 12;
    const global = f32(GLOBAL_FEATURES);
    const perRung = f32(rungs * RUNG_FEATURES);
    const rebufferRobustS = new Float64Array(rungs);
    for (let k = 0; k < rungs; k++, at += 8) rebufferRobustS[k] = view.getFloat64(at, true);
    const targets = f32(rungs);
    decisions.push({ features: { global, perRung, minRungIndex, rungCount: rungs, rebufferRobustS }, mask, targets });
  }
  if (at !== bytes.length) throw fail(`${bytes.length - at} bytes after the last decision`);
  return decisions;
}
