import { describe, expect, it } from 'vitest';
import { createDroppedFramesRule, maxRungForPlayerSize, withSwitchHysteresis } from '../../src/policies/parity.js';
import { ladderFromBitrates, type Ladder } from '../../src/core/ladder.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import type { DecisionContext } from '../../src/core/context.js';
import { AbrkitError } from '../../src/core/errors.js';

const sized: Ladder = {
  segmentDurationS: 4,
  renditions: [
    { id: '240', bitrateBps: 300e3, width: 426, height: 240 },
    { id: '360', bitrateBps: 750e3, width: 640, height: 360 },
    { id: '720', bitrateBps: 1850e3, width: 1280, height: 720 },
    { id: '1080', bitrateBps: 4300e3, width: 1920, height: 1080 },
  ],
};

describe('cap to player size', () => {
  it('allows the smallest rendition that covers the element in device pixels', () => {
    expect(maxRungForPlayerSize(sized, { widthPx: 640, heightPx: 360, devicePixelRatio: 1 })).toBe(1);
    expect(maxRungForPlayerSize(sized, { widthPx: 641, heightPx: 360, devicePixelRatio: 1 })).toBe(2);
    expect(maxRungForPlayerSize(sized, { widthPx: 640, heightPx: 360, devicePixelRatio: 2 })).toBe(2);
    expect(maxRungForPlayerSize(sized, { widthPx: 3840, heightPx: 2160, devicePixelRatio: 1 })).toBe(3);
  });

  it('caps the device pixel ratio at maxDevicePixelRatio, and never caps an unsized ladder or element', () => {
    expect(maxRungForPlayerSize(sized, { widthPx: 640, heightPx: 360, devicePixelRatio: 3 }, 1)).toBe(1);
    expect(maxRungForPlayerSize(ladderFromBitrates([1e5, 2e5], 4), { widthPx: 10, heightPx: 10, devicePixelRatio: 1 })).toBe(1);
    expect(maxRungForPlayerSize(sized, { widthPx: 0, heightPx: 0, devicePixelRatio: 1 })).toBe(3);
  });
});

describe('dropped-frames rule', () => {
  it('bans a rung that drops over the threshold, and the rungs above it, for a while', () => {
    const rule = createDroppedFramesRule({ maxDroppedRatio: 0.15, minFrames: 300, banMs: 60_000 });
    rule.report(3, 200, 100, 0);
    expect(rule.maxRungIndex(0)).toBe(Infinity); // not enough frames to judge yet
    rule.report(3, 100, 0, 1_000); // 100 of 300 dropped
    expect(rule.maxRungIndex(1_000)).toBe(2);
    expect(rule.maxRungIndex(60_999)).toBe(2);
    expect(rule.maxRungIndex(61_000)).toBe(Infinity);
  });

  it('does not ban a rung at or under the threshold; a lower bad rung widens the ban', () => {
    const rule = createDroppedFramesRule({ minFrames: 100 });
    rule.report(2, 100, 15, 0);
    expect(rule.maxRungIndex(0)).toBe(Infinity);
    rule.report(3, 100, 50, 0);
    rule.report(1, 100, 50, 10);
    expect(rule.maxRungIndex(10)).toBe(0);
    expect(() => createDroppedFramesRule({ maxDroppedRatio: 2 })).toThrow(AbrkitError);
  });
});

describe('switch hysteresis', () => {
  const ladder = ladderFromBitrates([300e3, 750e3, 1200e3, 1850e3], 4);
  let wanted = 0;
  const policy: AbrPolicy = { name: 'fixed', decide: () => ({ rungIndex: wanted, reason: { kind: 'plan', detail: 'test' } }) };
  const context = (lastRungIndex: number | null, nowMs: number): DecisionContext => ({
    ladder, segmentIndex: 0, segmentsRemaining: 10, isLive: false, bufferS: 10, playbackRate: 1, lastRungIndex,
    history: [], prediction: null, minRungIndex: 0, maxRungIndex: 3, nowMs,
  });

  it('holds a switch up until the interval since the last switch has passed; lets a switch down through', () => {
    const h = withSwitchHysteresis(policy, { minSwitchIntervalMs: 8_000, holdAfter: 'any' });
    wanted = 1;
    expect(h.decide(context(null, 0)).rungIndex).toBe(1);
    expect(h.decide(context(0, 1_000)).rungIndex).toBe(1); // no switch yet: free to go up; this decision switches 0 -> 1
    wanted = 3;
    const held = h.decide(context(1, 2_000)); // 1 s after that switch
    expect(held).toMatchObject({ rungIndex: 1, reason: { kind: 'hysteresis', proposed: { rungIndex: 3 }, sinceSwitchMs: 1_000 } });
    expect(h.decide(context(1, 8_999)).rungIndex).toBe(1);
    expect(h.decide(context(1, 9_000)).rungIndex).toBe(3);
    wanted = 0;
    expect(h.decide(context(3, 9_500)).rungIndex).toBe(0); // down at once
    wanted = 2;
    expect(h.decide(context(0, 12_000)).rungIndex).toBe(0); // the switch down counts too
    // A rung the player delivered that abrkit did not choose (an abandonment) counts as a switch when seen.
    expect(h.decide(context(1, 17_600)).rungIndex).toBe(1);
    expect(h.decide(context(1, 25_599)).rungIndex).toBe(1);
    expect(h.decide(context(1, 25_600)).rungIndex).toBe(2);
  });

  it('by default holds a switch up only after a switch down: the start-up ramp is free, an up-down-up is damped', () => {
    const h = withSwitchHysteresis(policy, { minSwitchIntervalMs: 8_000 });
    wanted = 1;
    expect(h.decide(context(0, 0)).rungIndex).toBe(1);
    wanted = 2;
    expect(h.decide(context(1, 1_000)).rungIndex).toBe(2); // the ramp goes on at once
    wanted = 3;
    expect(h.decide(context(2, 2_000)).rungIndex).toBe(3);
    wanted = 1;
    expect(h.decide(context(3, 3_000)).rungIndex).toBe(1); // down at once; the hold starts
    wanted = 3;
    expect(h.decide(context(1, 4_000))).toMatchObject({ rungIndex: 1, reason: { kind: 'hysteresis', sinceSwitchMs: 1_000 } });
    expect(h.decide(context(1, 10_999)).rungIndex).toBe(1);
    expect(h.decide(context(1, 11_000)).rungIndex).toBe(3);
    // A lower rung the player delivered (an abandonment) starts the hold when seen.
    wanted = 3;
    expect(h.decide(context(2, 12_000)).rungIndex).toBe(2);
    expect(h.decide(context(2, 19_999)).rungIndex).toBe(2);
    expect(h.decide(context(2, 20_000)).rungIndex).toBe(3);
    expect(() => withSwitchHysteresis(policy, { holdAfter: 'sometimes' as never })).toThrow(/holdAfter/);
  });

  it('asking again before the chosen rung is delivered (hls.js reads nextAutoLevel many times a fragment) is not another switch', () => {
    for (const holdAfter of ['down', 'any'] as const) {
      const h = withSwitchHysteresis(policy, { minSwitchIntervalMs: 8_000, holdAfter });
      wanted = 1;
      expect(h.decide(context(0, 0)).rungIndex).toBe(1); // 0 -> 1, counted now (for 'any')
      expect(h.decide(context(0, 100)).rungIndex).toBe(1); // asked again, still 0 delivered
      expect(h.decide(context(0, 200)).rungIndex).toBe(1);
      wanted = 2;
      if (holdAfter === 'down') expect(h.decide(context(1, 2_000)).rungIndex).toBe(2); // the ramp is free
      else {
        expect(h.decide(context(1, 7_999)).rungIndex).toBe(1);
        expect(h.decide(context(1, 8_000)).rungIndex).toBe(2); // 8 s after the decision at 0, not after the re-asks
      }
    }
  });

  it('can demand a minimum step up, and rejects bad options', () => {
    const h = withSwitchHysteresis(policy, { minSwitchIntervalMs: 0, minUpRatio: 2 });
    wanted = 2; // 1200 kbps is 1.6x 750
    expect(h.decide(context(1, 0)).rungIndex).toBe(1);
    wanted = 3; // 1850 is 2.47x
    expect(h.decide(context(1, 0)).rungIndex).toBe(3);
    expect(() => withSwitchHysteresis(policy, { minUpRatio: 0.5 })).toThrow(/minUpRatio/);
  });
});
