/**
 * Engagement training data: sessions as a watch-time line with pauses, seeks and hides on it, from
 * telemetry (NDJSON) or from simulated viewers, cut into the model's intervals.
 */
import { engagementInputs } from '../policies/engagement.js';
import type { TelemetryEvent } from '../telemetry/schema.js';
import { telemetryBySession } from './telemetry-traces.js';
import type { ViewerModel } from './viewers.js';
import { sampleViewer } from './viewers.js';

/** A viewer action at a point of watch time. */
export interface EngagementMark {
  readonly watchedS: number;
  readonly kind: 'pause' | 'seek' | 'hide';
}

export interface EngagementSession {
  /** Sorted by watch time. */
  readonly marks: readonly EngagementMark[];
  /** Watch time when the session ended, s. */
  readonly watchedS: number;
  /** The video played to its end: the viewer did not leave (a censored session). */
  readonly ended: boolean;
}

/** One interval of watch time: the inputs at its start, and whether the session ended in it. */
export interface EngagementRow {
  readonly x: readonly number[];
  readonly exited: boolean;
}

/**
 * Sessions from telemetry. Watch time runs on the session clock (`t`) while playing: from a `play`
 * to the next `pause`, `ended`, or the session's last event (where the viewer left). Hides are
 * `visibility` events to `hidden`. Lines that are not events throw a ParseError with the line number.
 */
export function engagementSessionsFromTelemetry(text: string, name: string): EngagementSession[] {
  const bySession = telemetryBySession(text, name, (event): event is TelemetryEvent => true);
  const sessions: EngagementSession[] = [];
  for (const raw of bySession.values()) {
    const events = raw.sort((a, b) => a.t - b.t || a.seq - b.seq);
    let playingSinceMs: number | null = null;
    let watchedMs = 0;
    let ended = false;
    let played = false;
    const marks: EngagementMark[] = [];
    const watchedAt = (tMs: number) => (watchedMs + (playingSinceMs === null ? 0 : tMs - playingSinceMs)) / 1000;
    for (const e of events) {
      if (e.type !== 'playback') continue;
      if (e.kind === 'play') {
        played = true;
        if (playingSinceMs === null) playingSinceMs = e.t;
      } else if (e.kind === 'pause' || e.kind === 'ended') {
        if (e.kind === 'pause') marks.push({ watchedS: watchedAt(e.t), kind: 'pause' });
        if (playingSinceMs !== null) watchedMs += e.t - playingSinceMs;
        playingSinceMs = null;
        if (e.kind === 'ended') ended = true;
      } else if (e.kind === 'seek') {
        marks.push({ watchedS: watchedAt(e.t), kind: 'seek' });
      } else if (e.kind === 'visibility' && e.visibility === 'hidden') {
        marks.push({ watchedS: watchedAt(e.t), kind: 'hide' });
      }
    }
    if (!played) continue;
    const lastMs = events[events.length - 1]!.t;
    sessions.push({ marks, watchedS: watchedAt(lastMs), ended });
  }
  return sessions;
}

/**
 * Sessions of simulated viewers on a video of `videoS` seconds: watch time is wall time less the
 * pauses (startup and stalls are left out), and a viewer still there at the end is censored.
 */
export function engagementSessionsFromViewers(model: ViewerModel, seed: number, count: number, videoS: number): EngagementSession[] {
  const sessions: EngagementSession[] = [];
  for (let i = 0; i < count; i++) {
    const viewer = sampleViewer(model, seed, i);
    const pausedBefore = (tS: number) => viewer.pauses.reduce((s, p) => s + Math.max(0, Math.min(tS, p.endS) - p.startS), 0);
    const watchedAt = (tS: number) => tS - pausedBefore(tS);
    const exitWatchedS = watchedAt(viewer.exitAtS);
    const ended = exitWatchedS >= videoS;
    const marks: EngagementMark[] = [
      ...viewer.pauses.map((p) => ({ watchedS: watchedAt(p.startS), kind: 'pause' as const })),
      ...viewer.hides.map((h) => ({ watchedS: watchedAt(h.startS), kind: 'hide' as const })),
    ]
      .filter((m) => m.watchedS < Math.min(exitWatchedS, videoS))
      .sort((a, b) => a.watchedS - b.watchedS);
    sessions.push({ marks, watchedS: Math.min(exitWatchedS, videoS), ended });
  }
  return sessions;
}

/** Each session cut into intervals of watch time: a row per interval begun, labelled with the exit. */
export function engagementRows(sessions: readonly EngagementSession[], intervalS: number): EngagementRow[] {
  const rows: EngagementRow[] = [];
  for (const s of sessions) {
    for (let startS = 0; startS < s.watchedS || (startS === 0 && !s.ended); startS += intervalS) {
      const before = s.marks.filter((m) => m.watchedS <= startS);
      const count = (kind: EngagementMark['kind']) => before.filter((m) => m.kind === kind).length;
      const x = engagementInputs({ watchedS: startS, pauses: count('pause'), seeks: count('seek'), hides: count('hide') });
      rows.push({ x, exited: !s.ended && s.watchedS < startS + intervalS });
      if (s.watchedS < startS + intervalS) break;
    }
  }
  return rows;
}
