import { describe, expect, it } from 'vitest';
import type { AbrPolicy } from '../../src/core/policy.js';
import { AbrkitError } from '../../src/core/errors.js';
import { withStallGuard } from '../../src/policies/stall-guard.js';
import { contextFor, PENSIEVE_LADDER, sampleAt } from '../helpers.js';

/** A policy that always proposes `rung`, and counts its resets. */
function proposing(rung: number): AbrPolicy & { resets: number } {
  return {
    name: 'fixed',
    resets: 0,
    decide: () => ({ rungIndex: rung, reason: { kind: 'plan', detail: 'fixed' } }),
    reset() {
      this.resets++;
    },
  };
}

// Pensieve ladder, 4 s segments: 1200 kbps = 4.8 Mbit, 750 kbps = 3 Mbit, 300 kbps = 1.2 Mbit.
const slowDip = [sampleAt(3), sampleAt(0.5), sampleAt(3)];

describe('withStallGuard', () => {
  const options = { windowSamples: 3, upSwitchReserveS: 6, minReserveS: 0, safetyFactor: 1 };

  it('lowers a step up to the highest rung that would arrive with the reserve left at the slowest recent throughput', () => {
    const guard = withStallGuard(proposing(3), options);
    // At 0.5 Mbit/s with 14 s buffered: 1850 kbps takes 14.8 s, 1200 kbps 9.6 s (4.4 s left), 750 kbps 6 s (8 s left).
    const decision = guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 14, lastRungIndex: 0, history: slowDip }));
    expect(decision.rungIndex).toBe(1);
    expect(decision.reason).toEqual({
      kind: 'stall-guard',
      proposed: { rungIndex: 3, reason: { kind: 'plan', detail: 'fixed' } },
      slowestBps: 500_000,
      bufferS: 14,
    });
  });

  it('lets a step up through when the buffer absorbs the slowest recent throughput', () => {
    const guard = withStallGuard(proposing(2), options);
    // 1200 kbps at 0.5 Mbit/s: 9.6 s, leaving 10.4 s of 20 s.
    expect(guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 20, lastRungIndex: 0, history: slowDip }))).toEqual({
      rungIndex: 2,
      reason: { kind: 'plan', detail: 'fixed' },
    });
  });

  it('holds the previous rung without the step-up reserve as long as it would not stall', () => {
    // 1200 kbps takes 9.6 s at 0.5 Mbit/s: with 10 s buffered it leaves 0.4 s, enough to stay, not to step up to.
    expect(withStallGuard(proposing(2), options).decide(contextFor(PENSIEVE_LADDER, { bufferS: 10, lastRungIndex: 2, history: slowDip })).reason.kind).toBe('plan');
    expect(withStallGuard(proposing(2), options).decide(contextFor(PENSIEVE_LADDER, { bufferS: 10, lastRungIndex: 1, history: slowDip })).rungIndex).toBe(1);
  });

  it('steps down from a rung that would stall at the slowest recent throughput, to the lowest if nothing passes', () => {
    // 9 s buffered: 1200 kbps (9.6 s) would stall, 750 kbps (6 s) would not.
    const stay = withStallGuard(proposing(2), options).decide(contextFor(PENSIEVE_LADDER, { bufferS: 9, lastRungIndex: 2, history: slowDip }));
    expect(stay.rungIndex).toBe(1);
    expect(stay.reason.kind).toBe('stall-guard');
    // 1 s buffered: even 300 kbps (2.4 s) would stall.
    expect(withStallGuard(proposing(2), options).decide(contextFor(PENSIEVE_LADDER, { bufferS: 1, lastRungIndex: 2, history: slowDip })).rungIndex).toBe(0);
    expect(withStallGuard(proposing(2), options).decide(contextFor(PENSIEVE_LADDER, { bufferS: 1, lastRungIndex: 2, history: slowDip, minRungIndex: 1 })).rungIndex).toBe(1);
  });

  it('applies minReserveS to choices that are not steps up', () => {
    // 750 kbps takes 6 s at 0.5 Mbit/s; 9 s buffered leaves 3 s: enough for minReserveS 2, not for 4.
    const decide = (minReserveS: number) =>
      withStallGuard(proposing(1), { ...options, minReserveS }).decide(contextFor(PENSIEVE_LADDER, { bufferS: 9, lastRungIndex: 1, history: slowDip })).rungIndex;
    expect(decide(2)).toBe(1);
    expect(decide(4)).toBe(0);
  });

  it('stretches the download by safetyFactor, so a rung is not held with a fraction of a second to spare', () => {
    // 750 kbps takes 6 s at 0.5 Mbit/s. 6.5 s buffered: factor 1 holds it (0.5 s left); factor 1.5 makes it
    // 9 s, which would stall, so it steps down to 300 kbps (2.4 s x 1.5 = 3.6 s, 2.9 s left).
    const decide = (safetyFactor: number) =>
      withStallGuard(proposing(1), { ...options, safetyFactor }).decide(contextFor(PENSIEVE_LADDER, { bufferS: 6.5, lastRungIndex: 1, history: slowDip }));
    expect(decide(1).rungIndex).toBe(1);
    const lowered = decide(1.5);
    expect(lowered.rungIndex).toBe(0);
    expect(lowered.reason.kind).toBe('stall-guard');
    // A step up needs its reserve after the stretched download too: 750 kbps from 300 with 14 s buffered
    // leaves 8 s with factor 1, 5 s with factor 1.5 (< 6).
    const up = (safetyFactor: number) =>
      withStallGuard(proposing(1), { ...options, safetyFactor }).decide(contextFor(PENSIEVE_LADDER, { bufferS: 14, lastRungIndex: 0, history: slowDip })).rungIndex;
    expect(up(1)).toBe(1);
    expect(up(1.5)).toBe(0);
  });

  it('defaults to a safety factor of 1.5', () => {
    const held = (bufferS: number) =>
      withStallGuard(proposing(1)).decide(contextFor(PENSIEVE_LADDER, { bufferS, lastRungIndex: 1, history: slowDip })).rungIndex;
    // 750 kbps at 0.5 Mbit/s, stretched: 9 s.
    expect(held(9.1)).toBe(1);
    expect(held(8.9)).toBe(0);
  });

  it('looks only at the last windowSamples downloads', () => {
    const history = [sampleAt(0.1), sampleAt(5), sampleAt(5), sampleAt(5)];
    // Without the old 0.1 Mbit/s sample, 1850 kbps (7.4 Mbit) takes 1.5 s at 5 Mbit/s: 8.5 s left of 10.
    expect(withStallGuard(proposing(3), { windowSamples: 3 }).decide(contextFor(PENSIEVE_LADDER, { lastRungIndex: 0, history })).rungIndex).toBe(3);
    expect(withStallGuard(proposing(3), { windowSamples: 4 }).decide(contextFor(PENSIEVE_LADDER, { lastRungIndex: 0, history })).rungIndex).toBe(0);
  });

  it('drains the buffer at the playback rate while the segment downloads', () => {
    const guard = withStallGuard(proposing(1), options);
    // 750 kbps at 0.5 Mbit/s: 6 s of download; at 1x that leaves 8 s of 14, at 2x it leaves 2 s.
    expect(guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 14, lastRungIndex: 0, history: slowDip, playbackRate: 1 })).rungIndex).toBe(1);
    expect(guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 14, lastRungIndex: 0, history: slowDip, playbackRate: 2 })).rungIndex).toBe(0);
  });

  it('passes the first decision and decisions without history through', () => {
    const guard = withStallGuard(proposing(5));
    expect(guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 0, lastRungIndex: null, history: slowDip })).rungIndex).toBe(5);
    expect(guard.decide(contextFor(PENSIEVE_LADDER, { bufferS: 0, lastRungIndex: 0, history: [] })).rungIndex).toBe(5);
  });

  it('keeps the policy name and forwards reset', () => {
    const inner = proposing(0);
    const guard = withStallGuard(inner);
    guard.reset?.();
    expect(guard.name).toBe('fixed');
    expect(inner.resets).toBe(1);
  });

  it.each([
    { windowSamples: 0 },
    { windowSamples: 1.5 },
    { minReserveS: -1 },
    { upSwitchReserveS: Number.NaN },
    { upSwitchReserveS: Infinity },
    { minReserveS: 8, upSwitchReserveS: 6 },
    { safetyFactor: 0.9 },
    { safetyFactor: Number.NaN },
    { safetyFactor: Infinity },
  ])('rejects %o', (bad) => {
    let error: unknown;
    try {
      withStallGuard(proposing(0), bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AbrkitError);
    expect((error as AbrkitError).code).toBe('invalid-options');
  });
});
