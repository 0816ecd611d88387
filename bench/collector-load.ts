/**
 * Collector load test, loopback only, bounded (stops by itself): realistic batches from thousands of
 * simulated sessions (the SDK's own events, cut as the SDK cuts them: <= 500 events, <= 60 KB) are
 * posted with a fixed number in flight to the built collector (`node dist/cli.js collect`, a child
 * process), which is SIGKILLed mid-load and restarted on the same port. The generator retries every
 * unanswered or failed batch under its key, as the SDK does. At the end the store is counted against
 * what the generator sent, by batch key: lost (acknowledged but missing) and duplicated events.
 *
 *   npm run build && npx tsx bench/collector-load.ts [--store ndjson|clickhouse] [--clickhouse <url>]
 *       [--duration-s 30] [--in-flight 16] [--kill-at-s 12] [--sessions 4000]
 */
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ManualClock } from 'abrkit';
import { createTelemetry } from 'abrkit/telemetry';
import { builtinPolicySpec, createSyntheticVideo, recordSimulatedSession, synthesizeTrace } from 'abrkit/sim';
import { createClickHouseClient, ndjsonEvents, ndjsonFiles, percentile } from 'abrkit/node';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'ndjson' },
    clickhouse: { type: 'string', default: 'http://127.0.0.1:18123' },
    'duration-s': { type: 'string', default: '30' },
    'in-flight': { type: 'string', default: '16' },
    'kill-at-s': { type: 'string', default: '12' },
    sessions: { type: 'string', default: '4000' },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const DURATION_MS = Number(values['duration-s']) * 1000;
const IN_FLIGHT = Number(values['in-flight']);
const KILL_AT_MS = Number(values['kill-at-s']) * 1000;
const SESSIONS = Number(values.sessions);
const TOKEN = 'load-test-token';
const MAX_BATCH_EVENTS = 500;
const MAX_BATCH_BYTES = 60_000;
const SID_PLACEHOLDER = 'SID-PLACEHOLDER-0000-0000-000000000000';

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** Event lines of a few simulated sessions (the SDK's real events), with a placeholder session id. */
async function templates(): Promise<string[][]> {
  const video = createSyntheticVideo();
  const out: string[][] = [];
  const profiles = ['markov', '3g', 'lte-drive', 'congested-wifi'] as const;
  for (let i = 0; i < 16; i++) {
    const clock = new ManualClock();
    const telemetry = createTelemetry({ clock, storage: 'memory', lifecycle: null, idSource: () => SID_PLACEHOLDER, nowEpochMs: () => Date.UTC(2026, 0, 5) + clock.nowMs(), maxQueuedEvents: 100_000, experiment: { exp: 'load', arm: i % 2 ? 'mpc' : 'control' } });
    recordSimulatedSession({ trace: synthesizeTrace({ profile: profiles[i % 4]!, seed: 50 + i, durationS: 320 }), video, policy: builtinPolicySpec(i % 2 ? 'robustmpc' : 'bola', { qoe: 'lin', pensieveQuirks: false }), telemetry, clock });
    out.push((await telemetry.exportNdjson()).trim().split('\n'));
    await telemetry.close();
  }
  return out;
}

interface Batch {
  readonly key: string;
  readonly body: string;
  readonly events: number;
}

/** Cuts a session's lines as the SDK does. */
function* batchesOf(lines: readonly string[]): Generator<Batch> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (chunk.length > 0 && (chunk.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      yield { key: randomUUID(), body: chunk.join('\n') + '\n', events: chunk.length };
      chunk = [];
      bytes = 0;
    }
    chunk.push(line);
    bytes += size;
  }
  if (chunk.length) yield { key: randomUUID(), body: chunk.join('\n') + '\n', events: chunk.length };
}

function startCollector(port: number, dir: string, database: string): ChildProcess {
  const store = values.store === 'clickhouse' ? ['--clickhouse', values.clickhouse!, '--database', database] : ['--out', dir];
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'collect', '--port', String(port), '--token', TOKEN, ...store], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [collector] ${d}`));
  return child;
}

async function waitUp(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/health`)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('collector did not come up');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-load-'));
  const database = `load_${process.pid}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/v1/events`;
  const sessions = await templates();
  console.log(`store ${values.store}; ${sessions.length} template sessions (${sessions.reduce((s, l) => s + l.length, 0)} events); ${SESSIONS} sessions to send; ${IN_FLIGHT} in flight; ${DURATION_MS / 1000} s; SIGKILL at ${KILL_AT_MS / 1000} s`);
  let collector = startCollector(port, dir, database);
  await waitUp(port);

  // A stream of batches: each simulated session a template with its own id, its batches in order.
  let made = 0;
  function* stream(): Generator<Batch> {
    for (; made < SESSIONS; made++) {
      const sid = randomUUID().padEnd(SID_PLACEHOLDER.length, '0').slice(0, SID_PLACEHOLDER.length);
      yield* batchesOf(sessions[made % sessions.length]!.map((l) => l.replace(SID_PLACEHOLDER, sid)));
    }
  }
  const source = stream();
  const acknowledged = new Map<string, number>();
  const latenciesMs: number[] = [];
  let attempts = 0;
  let failures = 0;
  let duplicateAnswers = 0;
  const startMs = Date.now();
  let killedAtMs = 0;
  let restartedAtMs = 0;
  let eventsBeforeKill = 0;
  const killer = setTimeout(() => {
    killedAtMs = Date.now();
    eventsBeforeKill = [...acknowledged.values()].reduce((s, n) => s + n, 0);
    collector.kill('SIGKILL');
    collector.once('exit', () => {
      collector = startCollector(port, dir, database);
      void waitUp(port).then(() => (restartedAtMs = Date.now()));
    });
  }, KILL_AT_MS);

  async function send(batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      attempts++;
      const t0 = performance.now();
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', 'Idempotency-Key': batch.key, Authorization: `Bearer ${TOKEN}` }, body: batch.body });
        const answer = (await response.json()) as { status?: string };
        if (response.ok) {
          latenciesMs.push(performance.now() - t0);
          if (answer.status === 'duplicate') duplicateAnswers++;
          acknowledged.set(batch.key, batch.events);
          return;
        }
      } catch {
        // connection refused or reset: the collector is down; retry like the SDK
      }
      failures++;
      await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
    }
  }

  async function worker(): Promise<void> {
    while (Date.now() - startMs < DURATION_MS) {
      const next = source.next();
      if (next.done) return;
      await send(next.value);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  clearTimeout(killer);
  const elapsedS = (Date.now() - startMs) / 1000;
  const sentEvents = [...acknowledged.values()].reduce((s, n) => s + n, 0);
  collector.kill('SIGTERM');
  await new Promise((r) => collector.once('exit', r));

  // Count the store by batch key.
  const stored = new Map<string, number>();
  let storedEvents = 0;
  if (values.store === 'clickhouse') {
    const ch = createClickHouseClient({ url: values.clickhouse!, database });
    const rows = (await ch.exec('SELECT batch_id, count() FROM events FINAL GROUP BY batch_id FORMAT TSV')).trim().split('\n').filter(Boolean);
    for (const row of rows) {
      const [key, n] = row.split('\t');
      stored.set(key!, Number(n));
      storedEvents += Number(n);
    }
    const raw = Number((await ch.exec('SELECT count() FROM events')).trim());
    console.log(`clickhouse rows before FINAL: ${raw} (copies awaiting a merge: ${raw - storedEvents})`);
    await ch.exec(`DROP DATABASE IF EXISTS ${database}`, { database: 'default' });
  } else {
    // Complete batches only, first copy of a key, each event once: what every reader sees ...
    console.log(`readers (abrkit report, to-traces) see ${[...ndjsonEvents(ndjsonFiles(dir))].length} events`);
    // ... and the raw lines, to see whether the files hold any copy at all.
    const { readFileSync } = await import('node:fs');
    for (const file of ndjsonFiles(dir)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /^\{"_ik":"([^"]+)"/.exec(line);
        if (!m) continue;
        stored.set(m[1]!, (stored.get(m[1]!) ?? 0) + 1);
        storedEvents++;
      }
    }
  }
  let lost = 0;
  let duplicated = 0;
  for (const [key, n] of acknowledged) {
    const got = stored.get(key) ?? 0;
    if (got < n) lost += n - got;
    if (got > n) duplicated += got - n;
  }
  const unacknowledgedStored = [...stored.keys()].filter((k) => !acknowledged.has(k)).length;
  latenciesMs.sort((a, b) => a - b);
  const steadyS = (killedAtMs - startMs) / 1000;
  console.log(`sent (acknowledged): ${acknowledged.size} batches, ${sentEvents} events in ${elapsedS.toFixed(1)} s = ${(sentEvents / elapsedS).toFixed(0)} events/s overall`);
  if (killedAtMs) console.log(`before the SIGKILL: ${eventsBeforeKill} events in ${steadyS.toFixed(1)} s = ${(eventsBeforeKill / steadyS).toFixed(0)} events/s; collector back after ${((restartedAtMs - killedAtMs) / 1000).toFixed(2)} s`);
  console.log(`ingest latency (request to 2xx), ms: p50 ${percentile(latenciesMs, 0.5).toFixed(1)}, p99 ${percentile(latenciesMs, 0.99).toFixed(1)}, max ${latenciesMs.at(-1)!.toFixed(1)}`);
  console.log(`requests: ${attempts} (${failures} failed and retried, ${duplicateAnswers} answered duplicate)`);
  console.log(`store: ${storedEvents} events in ${stored.size} batches; lost ${lost}, duplicated ${duplicated}, stored but never acknowledged ${unacknowledgedStored} batches`);
  rmSync(dir, { recursive: true, force: true });
  if (lost > 0 || duplicated > 0) process.exitCode = 1;
}

await main();
