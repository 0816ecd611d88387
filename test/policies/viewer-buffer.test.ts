import { describe, expect, it } from 'vitest';
import { createHeadroomHold, createViewerBufferRule, VIEWER_BUFFER_DEFAULTS, type ViewerState } from '../../src/policies/viewer-buffer.js';
import { DEFAULT_ENGAGEMENT_MODEL, exitProbability, likelyWatchHorizonS, parseEngagementModel } from '../../src/policies/engagement.js';
import { AbrkitError } from '../../src/core/errors.js';

const watching: ViewerState = { visible: true, paused: false, idle: false, watchedS: 600, pauses: 0, seeks: 0, hides: 0 };
/** A link three times the top rung: past the default `minHeadroom` gate. */
const input = (viewer: Partial<ViewerState>, headroom: number | null = 3) => ({ viewer: { ...watching, ...viewer }, baseGoalS: 30, segmentDurationS: 4, ...(headroom === null ? {} : { headroom }) });

describe('viewer buffer rule', () => {
  const rule = createViewerBufferRule({ hiddenGoalS: 10, pausedGoalS: 14, idleGoalS: 18, floorS: 16 });

  it('lowers the goal while hidden, paused or idle, and restores it the moment the viewer is back', () => {
    expect(rule(input({ visible: false }))).toEqual({ bufferGoalS: 10, lowestRung: false, reason: { kind: 'hidden' } });
    expect(rule(input({ paused: true }))).toMatchObject({ bufferGoalS: 14, reason: { kind: 'paused' } });
    expect(rule(input({ idle: true }))).toMatchObject({ bufferGoalS: 18, reason: { kind: 'idle' } });
    expect(rule(input({}))).toEqual({ bufferGoalS: 30, lowestRung: false, reason: { kind: 'watching' } });
  });

  it('hidden wins over paused, and holds the lowest rung only when asked', () => {
    expect(rule(input({ visible: false, paused: true })).reason.kind).toBe('hidden');
    expect(createViewerBufferRule({ hiddenLowestRung: true })(input({ visible: false })).lowestRung).toBe(true);
  });

  it('never goes above the base goal nor below one segment plus a second', () => {
    expect(createViewerBufferRule({ hiddenGoalS: 60 })(input({ visible: false })).bufferGoalS).toBe(30);
    expect(createViewerBufferRule({ hiddenGoalS: 1 })(input({ visible: false })).bufferGoalS).toBe(5);
  });

  it('caps the goal early in a session, when an exit is likely, but never below the floor', () => {
    const early = rule(input({ watchedS: 0 }));
    expect(early.reason.kind).toBe('engagement');
    expect(early.bufferGoalS).toBe(16);
    const horizonS = likelyWatchHorizonS(DEFAULT_ENGAGEMENT_MODEL, { watchedS: 0, pauses: 0, seeks: 0, hides: 0 }, VIEWER_BUFFER_DEFAULTS.minSurvival);
    expect(horizonS).toBeLessThan(16);
    // After ten minutes of watching the default model expects the viewer to stay: the full goal.
    expect(rule(input({ watchedS: 600 })).bufferGoalS).toBe(30);
    expect(createViewerBufferRule({ engagement: null })(input({ watchedS: 0 })).reason.kind).toBe('watching');
  });

  it('lowers nothing on a link without headroom (or before any prediction); minHeadroom 0 turns the gate off', () => {
    expect(VIEWER_BUFFER_DEFAULTS.minHeadroom).toBe(2);
    const hidden = createViewerBufferRule({ hiddenGoalS: 10, hiddenLowestRung: true });
    expect(hidden(input({ visible: false }, 1.9))).toEqual({ bufferGoalS: 30, lowestRung: false, reason: { kind: 'link-bound', headroom: 1.9 } });
    expect(hidden(input({ visible: false }, null))).toEqual({ bufferGoalS: 30, lowestRung: false, reason: { kind: 'link-bound', headroom: null } });
    expect(hidden(input({ visible: false }, 2))).toEqual({ bufferGoalS: 10, lowestRung: true, reason: { kind: 'hidden' } });
    expect(createViewerBufferRule({ hiddenGoalS: 10, minHeadroom: 0 })(input({ visible: false }, null)).bufferGoalS).toBe(10);
    expect(() => createViewerBufferRule({ minHeadroom: -1 })).toThrow(/minHeadroom/);
    expect(() => createViewerBufferRule({ minHeadroom: Number.NaN })).toThrow(AbrkitError);
  });

  it('holds the headroom measured while watching for as long as the viewer is away', () => {
    const hold = createHeadroomHold();
    expect(hold({ ...watching }, undefined)).toBeUndefined();
    expect(hold({ ...watching }, 3)).toBe(3);
    // Hidden: lowest-rung samples read low on the same link; the gate keeps the watching value.
    expect(hold({ ...watching, visible: false }, 1.2)).toBe(3);
    expect(hold({ ...watching, paused: true }, 0.8)).toBe(3);
    expect(hold({ ...watching }, 2.5)).toBe(2.5);
  });

  it('rejects bad options with a typed error', () => {
    expect(() => createViewerBufferRule({ hiddenGoalS: -1 })).toThrow(AbrkitError);
    expect(() => createViewerBufferRule({ minSurvival: 1 })).toThrow(/minSurvival/);
  });
});

describe('engagement model', () => {
  const f = { watchedS: 30, pauses: 0, seeks: 0, hides: 0 };

  it('gives an exit chance that grows with the horizon and falls with watch time', () => {
    const p10 = exitProbability(DEFAULT_ENGAGEMENT_MODEL, f, 10);
    const p30 = exitProbability(DEFAULT_ENGAGEMENT_MODEL, f, 30);
    expect(p10).toBeGreaterThan(0);
    expect(p30).toBeGreaterThan(p10);
    expect(p30).toBeLessThan(1);
    expect(exitProbability(DEFAULT_ENGAGEMENT_MODEL, { ...f, watchedS: 300 }, 30)).toBeLessThan(p30);
    expect(exitProbability(DEFAULT_ENGAGEMENT_MODEL, f, 0)).toBe(0);
  });

  it('the horizon it returns is where the survival crosses the threshold', () => {
    const h = likelyWatchHorizonS(DEFAULT_ENGAGEMENT_MODEL, f, 0.8);
    expect(1 - exitProbability(DEFAULT_ENGAGEMENT_MODEL, f, h)).toBeCloseTo(0.8, 9);
  });

  it('parses its own JSON and rejects broken files naming them', () => {
    expect(parseEngagementModel(JSON.stringify(DEFAULT_ENGAGEMENT_MODEL), 'm.json')).toEqual(DEFAULT_ENGAGEMENT_MODEL);
    expect(() => parseEngagementModel('{', 'bad.json')).toThrow(/bad\.json/);
    expect(() => parseEngagementModel(JSON.stringify({ ...DEFAULT_ENGAGEMENT_MODEL, bias: 'x' }), 'b.json')).toThrow(/finite/);
  });
});
