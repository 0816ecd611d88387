import { describe, expect, it } from 'vitest';
import { builtinPolicySpec, BUILTIN_POLICY_NAMES, evaluate } from '../../src/sim/evaluate.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { synthesizeTrace } from '../../src/sim/synth.js';

/**
 * Pinned figures on seeded synthetic fixtures: any change in simulator or policy behaviour shows up
 * here. If a change is intended, re-run with `npx vitest run -u` and explain the new figures.
 */
const video = createSyntheticVideo();
const traces = [11, 12, 13, 14, 15, 16].map((seed, i) =>
  synthesizeTrace({ profile: (['markov', '3g', 'lte-drive', 'congested-wifi', 'markov', '3g'] as const)[i], seed, durationS: 320 }),
);

function figures(mode: 'pensieve' | 'realistic') {
  const result = evaluate(video, traces, {
    mode,
    qoe: 'lin',
    policies: BUILTIN_POLICY_NAMES.map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
    optimal: true,
  });
  return result.summary.map((s) => `${s.policy}: qoe ${s.qoe.toFixed(4)} bitrate ${s.bitrateKbps.toFixed(1)} rebuffer ${s.rebufferS.toFixed(3)} switches ${s.switches.toFixed(2)} startup ${s.startupS.toFixed(3)} wastedKB ${(s.wastedBytes / 1000).toFixed(1)}`);
}

describe('simulator regression (seeded synthetic traces and video)', () => {
  it('pensieve mode', () => {
    expect(figures('pensieve')).toMatchInlineSnapshot(`
      [
        "rate: qoe 2.0699 bitrate 2649.8 rebuffer 4.294 switches 8.67 startup 1.759 wastedKB 0.0",
        "bba: qoe 2.0596 bitrate 2820.6 rebuffer 4.777 switches 16.50 startup 1.759 wastedKB 0.0",
        "bola: qoe 2.3846 bitrate 2496.6 rebuffer 0.000 switches 6.67 startup 1.759 wastedKB 0.0",
        "robustmpc: qoe 2.3553 bitrate 2700.4 rebuffer 1.721 switches 9.00 startup 1.759 wastedKB 0.0",
        "live: qoe 1.3035 bitrate 1482.6 rebuffer 0.000 switches 10.33 startup 1.759 wastedKB 0.0",
        "optimal: qoe 2.9082 bitrate 3008.2 rebuffer 0.050 switches 3.00 startup 1.759 wastedKB 0.0",
      ]
    `);
  });

  it('realistic mode', () => {
    expect(figures('realistic')).toMatchInlineSnapshot(`
      [
        "rate: qoe 1.9921 bitrate 2285.4 rebuffer 0.436 switches 9.00 startup 0.863 wastedKB 244.3",
        "bba: qoe 1.8552 bitrate 2517.3 rebuffer 2.471 switches 19.67 startup 0.863 wastedKB 298.6",
        "bola: qoe 1.7020 bitrate 1981.8 rebuffer 0.000 switches 10.33 startup 0.863 wastedKB 6.5",
        "robustmpc: qoe 2.1156 bitrate 2397.4 rebuffer 0.050 switches 9.83 startup 0.863 wastedKB 25.1",
        "live: qoe 1.0443 bitrate 1306.8 rebuffer 0.000 switches 12.67 startup 0.863 wastedKB 4.8",
        "optimal: qoe 2.5596 bitrate 2767.3 rebuffer 0.000 switches 4.83 startup 0.863 wastedKB 0.0",
      ]
    `);
  });

  it('is deterministic', () => {
    expect(figures('realistic')).toEqual(figures('realistic'));
  });
});
