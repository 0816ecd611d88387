/**
 * The test page: real IndexedDB, real timers, the page's own lifecycle. The runner (run.ts)
 * drives it through `window.harness`. With `?e2e=<endpoint>` it starts a recording session that
 * uploads to the collector on load, and beacons each session's event count to the test server as it unloads.
 */
import { createTelemetry, exportTelemetry, recordMediaElement, type Telemetry, type TelemetryOptions, type TelemetryStatus } from '../../src/telemetry.js';
import { createIndexedDbRegressorStore, loadLearnedEstimator } from '../../src/dqn.js';

const clock = { nowMs: () => performance.now() };
let telemetry: Telemetry | null = null;
let generator: ReturnType<typeof setInterval> | null = null;

const harness = {
  async start(options: Partial<Omit<TelemetryOptions, 'clock'>> = {}): Promise<TelemetryStatus> {
    telemetry = createTelemetry({ clock, ...options });
    await telemetry.ready;
    return telemetry.status();
  },
  /** Records `count` events; `padBytes` pads each with an error message of that length. */
  record(count: number, padBytes = 0): number {
    const t = telemetry!;
    const pad = 'x'.repeat(padBytes);
    for (let i = 0; i < count; i++) {
      if (padBytes > 0) t.recordPlayback({ kind: 'error', code: 'pad', message: pad });
      else if (i % 3 === 0) t.recordSegment({ url: `https://cdn.example/seg-${i}.m4s?token=abc`, bytes: 400_000 + i, startMs: clock.nowMs() - 300, ttfbMs: 40, durationMs: 300, rungIndex: i % 4, segmentIndex: i });
      else t.recordPlayback({ kind: i % 3 === 1 ? 'play' : 'pause', positionMs: i * 100 });
    }
    return t.status().recorded;
  },
  startGenerator(intervalMs: number, perTick: number, maxEvents: number): void {
    let made = 0;
    generator = setInterval(() => {
      if (made >= maxEvents) return harness.stopGenerator();
      harness.record(perTick);
      made += perTick;
    }, intervalMs);
  },
  stopGenerator(): void {
    if (generator !== null) clearInterval(generator);
    generator = null;
  },
  status(): TelemetryStatus | null {
    return telemetry?.status() ?? null;
  },
  async flush(): Promise<TelemetryStatus> {
    await telemetry!.flush();
    return telemetry!.status();
  },
  async close(): Promise<void> {
    await telemetry?.close();
    telemetry = null;
  },
  async exportText(): Promise<string> {
    return (await exportTelemetry()).text();
  },
  async storedCount(): Promise<number> {
    return (await harness.exportText()).split('\n').filter(Boolean).length;
  },
  /**
   * The learned throughput estimator persisted in this origin's IndexedDB: loads it, feeds it
   * `samples` downloads (alternating 1 and 4 Mbps), ends the session, and says where it started from
   * and what state it left.
   */
  async learnedSession(samples: number): Promise<{ origin: string; state: unknown; errors: string[] }> {
    const errors: string[] = [];
    const estimator = await loadLearnedEstimator({ store: createIndexedDbRegressorStore(), onError: (e) => errors.push(e.message) });
    const origin = estimator.origin;
    for (let i = 0; i < samples; i++) {
      const mbps = i % 2 === 0 ? 1 : 4;
      const durationMs = (500_000 * 8) / (mbps * 1000);
      estimator.addSample({ bytes: 500_000, durationMs, ttfbMs: 40, startMs: 4000 * i, endMs: 4000 * i + durationMs });
    }
    estimator.reset();
    await estimator.flush();
    return { origin, state: estimator.state(), errors };
  },
  /** Plays `src` muted in a real <video> with its events recorded; resolves at `ended` (or after `timeoutMs`). */
  async playVideo(src: string, timeoutMs: number): Promise<string> {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const detach = recordMediaElement(telemetry!, video, { droppedFramesIntervalMs: 500 });
    const ended = new Promise<string>((resolve) => {
      video.addEventListener('ended', () => resolve('ended'));
      video.addEventListener('error', () => resolve(`error ${video.error?.code}`));
      setTimeout(() => resolve('timeout'), timeoutMs);
    });
    video.src = src;
    await video.play();
    const outcome = await ended;
    detach();
    return outcome;
  },
};

declare global {
  interface Window {
    harness: typeof harness;
    harnessReady: Promise<void>;
  }
}
window.harness = harness;

const e2eEndpoint = new URLSearchParams(location.search).get('e2e');
window.harnessReady = (async () => {
  if (!e2eEndpoint) return;
  await harness.start({ flushIntervalMs: 200, maxQueuedEvents: 50, summaryIntervalMs: 1000, upload: { endpoint: e2eEndpoint, baseDelayMs: 200, maxDelayMs: 1500, maxBatchEvents: 100 } });
  telemetry!.recordSessionStart({ ladder: { renditions: [{ id: 'a', bitrateBps: 300_000 }, { id: 'b', bitrateBps: 750_000 }], segmentDurationS: 4 }, player: { name: 'test-page', version: '1' }, policy: { name: 'none' } });
  // Registered after the recorder's own listeners, so the count includes what it logs while the page
  // unloads (the last QoE summary, and the visibility change Chromium fires after pagehide). A beacon,
  // because localStorage writes made during unload were seen not to persist.
  const noteCount = (): void => {
    const status = telemetry?.status();
    if (status) navigator.sendBeacon('/count', JSON.stringify({ sid: status.sessionId, recorded: status.recorded }));
  };
  addEventListener('pagehide', noteCount);
  addEventListener('visibilitychange', noteCount);
  harness.startGenerator(25, 2, 100_000);
})();
