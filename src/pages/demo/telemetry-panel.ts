/**
 * The telemetry panel: the sessions stored in this browser's IndexedDB log (written by each demo
 * session's recorder, src/telemetry), NDJSON export as a download, and clearing the log.
 */
import { createTelemetry, exportTelemetry, TELEMETRY_DEFAULTS, checkTelemetryEvent, type Telemetry } from '../../telemetry.js';

export interface StoredSessionSummary {
  readonly sid: string;
  readonly startedEpochMs: number;
  readonly player: string;
  readonly policy: string;
  readonly events: number;
  readonly segments: number;
  readonly decisions: number;
  readonly stalls: number;
}

/** Groups the exported log by session. Lines that are not valid events are counted, not dropped silently. */
export function summarizeLog(ndjson: string): { sessions: StoredSessionSummary[]; invalidLines: number } {
  const bySid = new Map<string, { startedEpochMs: number; player: string; policy: string; events: number; segments: number; decisions: number; stalls: number }>();
  let invalidLines = 0;
  for (const line of ndjson.split('\n')) {
    if (line.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      invalidLines++;
      continue;
    }
    if (checkTelemetryEvent(event) !== null) {
      invalidLines++;
      continue;
    }
    const e = event as { sid: string; ts: number; type: string; kind?: string; player?: { name: string }; policy?: { name: string } };
    let entry = bySid.get(e.sid);
    if (!entry) {
      entry = { startedEpochMs: e.ts, player: '?', policy: '?', events: 0, segments: 0, decisions: 0, stalls: 0 };
      bySid.set(e.sid, entry);
    }
    entry.events++;
    entry.startedEpochMs = Math.min(entry.startedEpochMs, e.ts);
    if (e.type === 'session-start') {
      entry.player = e.player?.name ?? '?';
      entry.policy = e.policy?.name ?? '?';
    } else if (e.type === 'segment') entry.segments++;
    else if (e.type === 'decision') entry.decisions++;
    else if (e.type === 'playback' && e.kind === 'stall-start') entry.stalls++;
  }
  const sessions = [...bySid.entries()].map(([sid, s]) => ({ sid, ...s })).sort((x, y) => y.startedEpochMs - x.startedEpochMs);
  return { sessions, invalidLines };
}

export async function readLog(): Promise<string> {
  return (await exportTelemetry()).text();
}

/** Deletes the whole log. The recorders close their store at the end of each session, so nothing blocks this. */
export function clearLog(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(TELEMETRY_DEFAULTS.dbName);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('deleteDatabase failed'));
    request.onblocked = () => reject(new Error('the telemetry database is still open in another tab'));
  });
}

/** Offers the export as a file download. */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How long an upload may take before the page stops waiting for it (the rows stay stored and go next time). */
const UPLOAD_WAIT_MS = 15_000;
const UPLOAD_POLL_MS = 200;

/**
 * Waits until the recorder's upload sink has nothing left to send (idle twice in a row with no new
 * events accepted), or gives up after `UPLOAD_WAIT_MS`. Returns the events the collector accepted.
 */
export async function waitForUpload(telemetry: Telemetry): Promise<{ eventsAccepted: number; settled: boolean; lastError: string | null }> {
  await telemetry.flush();
  const deadline = performance.now() + UPLOAD_WAIT_MS;
  let idleRounds = 0;
  let lastAccepted = -1;
  for (;;) {
    const upload = telemetry.status().upload;
    if (!upload) return { eventsAccepted: 0, settled: true, lastError: null };
    const idle = upload.state.kind === 'idle';
    idleRounds = idle && upload.eventsAccepted === lastAccepted ? idleRounds + 1 : 0;
    lastAccepted = upload.eventsAccepted;
    const lastError = upload.state.kind === 'backoff' ? upload.state.lastError : null;
    if (idleRounds >= 2) return { eventsAccepted: upload.eventsAccepted, settled: true, lastError };
    if (performance.now() > deadline) return { eventsAccepted: upload.eventsAccepted, settled: false, lastError };
    await new Promise((resolve) => setTimeout(resolve, UPLOAD_POLL_MS));
  }
}

/**
 * Sends everything stored to a collector (`abrkit collect`) through the telemetry upload sink: one
 * batch at a time with an Idempotency-Key, rows deleted locally only after a 2xx.
 */
export async function uploadStored(endpoint: string): Promise<{ eventsAccepted: number; settled: boolean; lastError: string | null }> {
  const telemetry = createTelemetry({ clock: { nowMs: () => performance.now() }, upload: { endpoint, idleDelayMs: 500 }, summaryIntervalMs: 0, lifecycle: null });
  try {
    await telemetry.ready;
    return await waitForUpload(telemetry);
  } finally {
    await telemetry.close();
  }
}
