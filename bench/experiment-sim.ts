/**
 * A simulated A/B experiment with a known truth, end to end: viewers are assigned by
 * `createExperiment`, play simulated sessions (abrkit eval's realistic environment) recorded by the
 * SDK's telemetry, upload to a real collector (NDJSON, or ClickHouse with --clickhouse), and the report
 * is computed from what the collector stored. The truth is each arm's figures over the whole trace
 * population (every trace played once per arm); sessions draw traces at random, so the experiment's
 * interval for the difference should cover the true difference ~95% of the time.
 * Then an A/A run (both arms the same policy): the share of metrics called significant should be
 * near the stated 5%: it is measured over --aa-salts re-randomisations of the same sessions.
 *
 *   npx tsx bench/experiment-sim.ts [--sessions 1500] [--traces 200] [--control bola] [--treatment robustmpc]
 *       [--aa-salts 40] [--clickhouse http://127.0.0.1:8123] [--keep <dir>]
 * Bounded: stops by itself; loopback only.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from 'abrkit';
import { createExperiment, createTelemetry, type TelemetryEvent } from 'abrkit/telemetry';
import { builtinPolicySpec, createSyntheticVideo, recordSimulatedSession, synthesizeTrace, type Trace } from 'abrkit/sim';
import { createPrng } from '../src/sim/prng.js';
import { armFigures, clickhouseEvents, createClickHouseClient, METRICS, ndjsonEvents, ndjsonFiles, reportArms, sessionQoe, sessionsFrom, startCollector, formatArmReport, type SessionQoe } from 'abrkit/node';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1500' },
    traces: { type: 'string', default: '200' },
    control: { type: 'string', default: 'bola' },
    treatment: { type: 'string', default: 'robustmpc' },
    'aa-salts': { type: 'string', default: '40' },
    clickhouse: { type: 'string' },
    keep: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const SESSIONS = Number(values.sessions);
const TRACES = Number(values.traces);
const SEED = Number(values.seed);
const PROFILES = ['markov', '3g', 'lte-drive', 'congested-wifi'] as const;
const video = createSyntheticVideo();
const DAY0 = Date.UTC(2026, 0, 5);

function population(): Trace[] {
  return Array.from({ length: TRACES }, (_, i) => synthesizeTrace({ profile: PROFILES[i % PROFILES.length]!, seed: 1000 + i, durationS: 320 }));
}

/** A session recorded in memory (no upload): for the truth. */
async function recordedQoe(trace: Trace, policy: string): Promise<SessionQoe> {
  const clock = new ManualClock();
  let n = 0;
  const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: () => `truth-${n++}`, nowEpochMs: () => DAY0, summaryIntervalMs: 0, maxQueuedEvents: 100_000, experiment: { exp: 'truth', arm: policy } });
  recordSimulatedSession({ trace, video, policy: builtinPolicySpec(policy, { qoe: 'lin', pensieveQuirks: false }), telemetry, clock });
  const events = (await telemetry.exportNdjson()).trim().split('\n').map((l) => JSON.parse(l) as TelemetryEvent);
  await telemetry.close();
  return sessionQoe(events);
}

/** Seeded UUID-shaped viewer ids. */
function idSource(seed: number): () => string {
  const random = createPrng(seed);
  const hex = (k: number) => Array.from({ length: k }, () => Math.floor(random() * 16).toString(16)).join('');
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
}

interface RunResult {
  readonly sessions: SessionQoe[];
  readonly uploadedEvents: number;
  readonly seconds: number;
}

/** Plays `SESSIONS` viewers through the SDK into a collector; returns the sessions read back from the store. */
async function runExperiment(name: string, arms: Record<string, string>, traces: readonly Trace[], seed: number): Promise<RunResult> {
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'abrkit-experiment-'));
  const database = `bench_${name.replace(/[^A-Za-z0-9_]/g, '_')}_${process.pid}`;
  const collector = await startCollector({ port: 0, tokens: ['bench-ingest-token'], ...(values.clickhouse ? { clickhouse: { url: values.clickhouse, database } } : { outDir: join(dir, name) }) });
  const viewers = idSource(seed);
  const pick = createPrng(seed + 1);
  const sessionIds = idSource(seed + 2);
  const startedMs = Date.now();
  let uploaded = 0;
  const concurrency = 16;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < SESSIONS) {
      const i = next++;
      const experiment = createExperiment({ name, arms, id: viewers(), storage: null });
      const trace = traces[Math.floor(pick() * traces.length)]!;
      const clock = new ManualClock();
      // Sessions spread over 3 days of wall clock.
      const wallStartMs = DAY0 + Math.floor((i / SESSIONS) * 3 * 86_400_000);
      const telemetry = createTelemetry({
        clock,
        storage: 'memory',
        lifecycle: null,
        idSource: sessionIds,
        nowEpochMs: () => wallStartMs + clock.nowMs(),
        summaryIntervalMs: 0,
        maxQueuedEvents: 100_000,
        experiment: experiment.stamp,
        upload: { endpoint: collector.url, token: 'bench-ingest-token', baseDelayMs: 20, maxDelayMs: 500 },
      });
      recordSimulatedSession({ trace, video, policy: builtinPolicySpec(experiment.policy, { qoe: 'lin', pensieveQuirks: false }), telemetry, clock });
      await telemetry.flush();
      const recorded = telemetry.status().recorded;
      while ((telemetry.status().upload?.eventsAccepted ?? 0) < recorded) await new Promise((r) => setTimeout(r, 5));
      uploaded += recorded;
      await telemetry.close();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  await collector.close();
  const events = values.clickhouse ? clickhouseEvents(createClickHouseClient({ url: values.clickhouse, database }), { exp: name }) : ndjsonEvents(ndjsonFiles(join(dir, name)), { exp: name });
  const sessions = await sessionsFrom(events);
  if (values.clickhouse) await createClickHouseClient({ url: values.clickhouse, database: 'default' }).exec(`DROP DATABASE IF EXISTS ${database}`);
  else if (!values.keep) rmSync(dir, { recursive: true, force: true });
  return { sessions, uploadedEvents: uploaded, seconds: (Date.now() - startedMs) / 1000 };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : '-');

async function main(): Promise<void> {
  const traces = population();
  const control = values.control!;
  const treatment = values.treatment!;
  console.log(`population: ${TRACES} traces (${PROFILES.join(', ')}), 320 s each; ${SESSIONS} sessions per run; store: ${values.clickhouse ? `ClickHouse ${values.clickhouse}` : 'NDJSON'}`);
  const truthStart = Date.now();
  const truth: Record<string, ReturnType<typeof armFigures>> = {};
  for (const policy of [control, treatment]) {
    const all: SessionQoe[] = [];
    for (const trace of traces) all.push(await recordedQoe(trace, policy));
    truth[policy] = armFigures(all);
  }
  console.log(`truth computed in ${((Date.now() - truthStart) / 1000).toFixed(1)} s\n`);

  const ab = await runExperiment('ab-sim', { control, treatment }, traces, SEED);
  const reports = reportArms(ab.sessions, { seed: SEED });
  console.log(`A/B: ${ab.sessions.length} sessions read back from the store (${ab.uploadedEvents} events uploaded) in ${ab.seconds.toFixed(1)} s`);
  console.log(formatArmReport(reports));
  const diff = reports.find((r) => r.arm === 'treatment')!.vsControl!;
  console.log(`\n| metric | true ${treatment} - ${control} | estimate | 95% CI | covers |\n|---|---|---|---|---|`);
  let covered = 0;
  for (const m of METRICS) {
    const t = truth[treatment]![m.id] - truth[control]![m.id];
    const d = diff[m.id];
    const ok = d.low <= t && t <= d.high;
    if (ok) covered++;
    console.log(`| ${m.label} | ${fmt(t)} | ${fmt(d.value)} | [${fmt(d.low)}, ${fmt(d.high)}] | ${ok ? 'yes' : 'NO'} |`);
  }
  console.log(`\ncovered: ${covered} of ${METRICS.length} metrics`);

  const aa = await runExperiment('aa-sim', { a: control, b: control }, traces, SEED + 100);
  const aaReport = reportArms(aa.sessions, { seed: SEED, control: 'a' });
  const sig = METRICS.filter((m) => aaReport[1]!.vsControl![m.id].significant).map((m) => m.label);
  console.log(`\nA/A (${control} vs ${control}) through the store: ${aa.sessions.length} sessions in ${aa.seconds.toFixed(1)} s; significant: ${sig.length ? sig.join(', ') : 'none'} of ${METRICS.length}`);
  // Re-randomisations: new salts re-draw the arms of the same sessions (both arms play the same policy,
  // so the label cannot change a session): each is a fresh A/A test.
  const salts = Number(values['aa-salts']);
  let calls = 0;
  let tests = 0;
  for (let k = 0; k < salts; k++) {
    const relabelled = aa.sessions.map((s) => ({ ...s, arm: createExperiment({ name: 'aa', salt: `aa-${k}`, arms: { a: control, b: control }, id: s.sid, storage: null }).arm }));
    const r = reportArms(relabelled, { seed: SEED + k, control: 'a', resamples: 400 });
    for (const m of METRICS) {
      const d = r[1]!.vsControl![m.id];
      // A metric both arms always score the same on (no exits in a simulation) is no test.
      if (!Number.isFinite(d.value) || d.low === d.high) continue;
      tests++;
      if (d.significant) calls++;
    }
  }
  console.log(`A/A re-randomised ${salts} times: ${calls} of ${tests} metric tests significant (${((100 * calls) / tests).toFixed(1)}%; stated rate 5%)`);
}

await main();
