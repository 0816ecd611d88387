import { describe, expect, it } from 'vitest';
import { chunkQoe, createQoeModel } from '../../src/qoe/models.js';
import { summarizeSession, type ChunkRecord } from '../../src/qoe/session-metrics.js';
import { PENSIEVE_LADDER } from '../helpers.js';

describe('QoE models', () => {
  it('QoE_lin: Mbps - 4.3 * rebuffer - |change in Mbps|', () => {
    const lin = createQoeModel('lin', PENSIEVE_LADDER);
    expect(chunkQoe(lin, 2, 1, 0.5)).toBeCloseTo(1.2 - 2.15 - 0.45, 12);
    expect(chunkQoe(lin, 5, 5, 0)).toBe(4.3);
  });

  it('QoE_log: ln(R / R_min), rebuffer penalty 2.66', () => {
    const log = createQoeModel('log', PENSIEVE_LADDER);
    expect(chunkQoe(log, 2, 1, 0.5)).toBeCloseTo(Math.log(4) - 1.33 - Math.abs(Math.log(4) - Math.log(2.5)), 12);
  });

  it("QoE_hd: the Pensieve paper's utilities 1,2,3,12,15,20, rebuffer penalty 8", () => {
    const hd = createQoeModel('hd', PENSIEVE_LADDER);
    expect(hd.utilityUnits).toEqual([1, 2, 3, 12, 15, 20]);
    expect(chunkQoe(hd, 3, 2, 0.25)).toBe(12 - 2 - 9);
  });

  it('penalties are options and are validated', () => {
    expect(createQoeModel('lin', PENSIEVE_LADDER, { rebufferPenalty: 10 }).rebufferPenalty).toBe(10);
    expect(() => createQoeModel('lin', PENSIEVE_LADDER, { smoothPenalty: -1 })).toThrow(/penalties/);
  });
});

describe('session metrics', () => {
  const record = (rungIndex: number, rebufferS: number, wastedBytes = 0): ChunkRecord => ({
    segmentIndex: 0,
    rungIndex,
    bitrateBps: PENSIEVE_LADDER.renditions[rungIndex].bitrateBps,
    bytes: 1000,
    wastedBytes,
    downloadMs: 100,
    rebufferS,
    bufferAfterS: 4,
  });
  const records = [record(1, 2), record(3, 0), record(3, 0.5, 400), record(2, 0)];

  it('Pensieve convention: chunk 0 left out of QoE, rebuffer and switches', () => {
    const lin = createQoeModel('lin', PENSIEVE_LADDER);
    const m = summarizeSession(records, lin, { skipFirst: 1, initialPreviousRung: 1, startupS: 2, startupPenaltyPerS: 0, segmentDurationS: 4 });
    const expected = (1.85 - 1.1) + (1.85 - 4.3 * 0.5) + (1.2 - 0.65);
    expect(m.qoeSum).toBeCloseTo(expected, 12);
    expect(m.qoe).toBeCloseTo(expected / 3, 12);
    expect(m.bitrateKbps).toBeCloseTo((1850 + 1850 + 1200) / 3, 9);
    expect(m).toMatchObject({ chunks: 3, rebufferS: 0.5, stalls: 1, switches: 2, startupS: 2, bytes: 4400, wastedBytes: 400 });
    expect(m.rebufferRatio).toBeCloseTo(0.5 / 12.5, 12);
  });

  it('realistic convention: every chunk counted, startup charged at the rebuffer rate', () => {
    const lin = createQoeModel('lin', PENSIEVE_LADDER);
    const m = summarizeSession(records, lin, { skipFirst: 0, initialPreviousRung: 1, startupS: 1, startupPenaltyPerS: 4.3, segmentDurationS: 4 });
    expect(m.chunks).toBe(4);
    expect(m.qoeSum).toBeCloseTo(0.75 - 4.3 * 2 + (1.85 - 1.1) + (1.85 - 2.15) + (1.2 - 0.65) - 4.3, 12);
    expect(m.switches).toBe(2);
  });
});
