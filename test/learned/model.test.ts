import { describe, expect, it } from 'vitest';
import { createQNetwork } from '../../src/learned/network.js';
import { base64ToBytes, bytesToBase64, decodeModel, DqnModelError, encodeModel, fromHalf, toHalf, type DqnModel } from '../../src/learned/model.js';
import { freshRegressorState } from '../../src/learned/regressor.js';
import { createPrng } from '../../src/sim/prng.js';
import { wideEnvelope } from './helpers.js';

function model(seed: number): DqnModel {
  return { network: createQNetwork([16, 8], [8], createPrng(seed)), regressor: freshRegressorState(), envelope: wideEnvelope() };
}

const weightsOf = (m: DqnModel) => [...m.network.advantage.layers, ...m.network.value.layers].flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]);

describe('dqn model files', () => {
  it('float32 save/load round-trips exactly', () => {
    const original = model(1);
    const file = encodeModel(original, 'f32');
    const loaded = decodeModel(JSON.stringify(file));
    expect(weightsOf(loaded)).toEqual(weightsOf(original));
    expect(loaded.regressor).toEqual(original.regressor);
    expect(encodeModel(loaded, 'f32')).toEqual(file);
  });

  it('float16 loads to exactly the half-precision values, and re-saves to the same bytes', () => {
    const original = model(2);
    const file = encodeModel(original, 'f16');
    const loaded = decodeModel(file);
    const expected = weightsOf(original).map((a) => a.map((v) => Math.fround(fromHalf(toHalf(v)))));
    expect(weightsOf(loaded)).toEqual(expected);
    expect(encodeModel(loaded, 'f16')).toEqual(file);
    const maxError = Math.max(...weightsOf(original).flatMap((a, i) => a.map((v, j) => Math.abs(v - expected[i][j]))));
    expect(maxError).toBeLessThan(2e-3);
  });

  it('converts half floats like IEEE 754 binary16', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.1, 4);
    expect(toHalf(2 ** -25 * 3)).toBe(0x0002); // subnormal, rounded to nearest even
  });

  it('base64 round-trips every length', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      expect(Array.from(base64ToBytes(bytesToBase64(bytes)))).toEqual(Array.from(bytes));
    }
  });

  it('refuses a version 1 file (absolute Mbit/s features) with a DqnModelError that says why, and an unknown version', () => {
    const file = encodeModel(model(3), 'f32');
    expect(file.version).toBe(2);
    expect(() => decodeModel({ ...file, version: 1 })).toThrow(DqnModelError);
    expect(() => decodeModel({ ...file, version: 1 })).toThrow(/version 1 file: its network reads the absolute Mbit\/s features/);
    expect(() => decodeModel({ ...file, version: 3 })).toThrow(/version 3/);
  });

  it('rejects corrupt files with a DqnModelError', () => {
    const file = encodeModel(model(3), 'f16');
    const bad: unknown[] = [
      '{not json',
      { ...file, format: 'other' },
      { ...file, encoding: 'f8' },
      { ...file, globalFeatures: 3 },
      { ...file, advantage: [{ ...file.advantage[0], weights: file.advantage[0].weights.slice(8) }, ...file.advantage.slice(1)] },
      { ...file, value: [{ ...file.value[0], inSize: 7 }, ...file.value.slice(1)] },
      { ...file, advantage: [{ ...file.advantage[0], bias: '!!!!' }, ...file.advantage.slice(1)] },
      { ...file, regressor: { ...file.regressor, weights: [1, 2] } },
    ];
    for (const input of bad) {
      expect(() => decodeModel(input)).toThrow(DqnModelError);
    }
    // A NaN weight (0x7e00 in float16) is refused too.
    const nanBias = bytesToBase64(new Uint8Array([0x00, 0x7e]));
    expect(() => decodeModel({ ...file, value: [...file.value.slice(0, -1), { ...file.value[file.value.length - 1], bias: nanBias }] })).toThrow(/not finite/);
  });
});
