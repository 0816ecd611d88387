import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createTelemetry } from '../../src/telemetry/recorder.js';
import { recordSimulatedSession } from '../../src/sim/session-telemetry.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { builtinPolicySpec } from '../../src/sim/evaluate.js';
import { checkTelemetryEvent, type TelemetryEvent } from '../../src/telemetry/schema.js';
import { sessionQoe } from '../../src/node/report/sessions.js';
import { counterIds } from '../telemetry/helpers.js';

describe('recordSimulatedSession', () => {
  it("records what the simulator measured: the report's session figures agree with the simulator's log", async () => {
    const video = createSyntheticVideo();
    for (const [profile, seed, policy] of [['3g', 5, 'bola'], ['congested-wifi', 2, 'robustmpc'], ['lte-drive', 1, 'rate']] as const) {
      const clock = new ManualClock(50_000);
      const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: counterIds(profile), nowEpochMs: () => 0, summaryIntervalMs: 0, maxQueuedEvents: 100_000, experiment: { exp: 'sim', arm: policy } });
      const log = recordSimulatedSession({ trace: synthesizeTrace({ profile, seed, durationS: 320 }), video, policy: builtinPolicySpec(policy, { qoe: 'lin', pensieveQuirks: false }), telemetry, clock });
      const events = (await telemetry.exportNdjson()).trim().split('\n').map((l) => JSON.parse(l) as TelemetryEvent);
      await telemetry.close();
      for (const e of events) expect(checkTelemetryEvent(e)).toBeNull();
      for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);
      const s = sessionQoe(events);
      const rebufferMs = log.records.reduce((sum, r) => sum + r.rebufferS * 1000, 0);
      expect(s.started).toBe(true);
      expect(s.startupMs!).toBeCloseTo(log.startupS * 1000, 0);
      expect(s.stallMs).toBeCloseTo(rebufferMs, 0);
      expect(s.stalls).toBe(log.records.filter((r) => r.rebufferS > 0).length);
      expect(s.chunks).toBe(log.records.length);
      expect(s.bitrateSumKbps).toBeCloseTo(log.records.reduce((sum, r) => sum + r.bitrateBps / 1000, 0), 6);
      // Watched: every segment's media played once.
      expect(s.watchMs).toBeCloseTo(log.records.length * video.segmentDurationS * 1000, -1);
      expect(s.bytes).toBe(log.records.reduce((sum, r) => sum + r.bytes + r.wastedBytes, 0));
    }
  });
});
