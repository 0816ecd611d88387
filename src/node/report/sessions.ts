/**
 * One viewing session's QoE, measured from its telemetry events: startup, watch and stall time,
 * stalls, chunks, bitrate, switches, QoE_lin and bytes. The definitions are the README's
 * ("Metric definitions"); every arm figure in a report is a sum or a quantile of these.
 */
import type { TelemetryEvent } from '../../telemetry/schema.js';
import { QOE_DEFAULT_PENALTIES } from '../../qoe/models.js';

export interface SessionQoe {
  readonly sid: string;
  readonly exp: string;
  /** '' for a session in no experiment. */
  readonly arm: string;
  /** `YYYY-MM-DD` (UTC) of the session's first event. */
  readonly day: string;
  /** The first frame was shown. */
  readonly started: boolean;
  /** Session start to first frame, ms; null when it never started (or a v1 session: no first-frame event). */
  readonly startupMs: number | null;
  /** First frame to the last event, less stalls and pauses, ms. */
  readonly watchMs: number;
  readonly stallMs: number;
  readonly stalls: number;
  /** Completed video segments with a known bitrate. */
  readonly chunks: number;
  readonly bitrateSumKbps: number;
  readonly switches: number;
  /** Sum of per-chunk QoE_lin (Mbps utility, minus 4.3 per stall second, minus |Δ Mbps|). */
  readonly qoeLinSum: number;
  /** Every segment download's bytes (all object types, abandoned ones too): what the viewer cost. */
  readonly bytes: number;
}

const VIDEO_TYPES = new Set(['v', 'av']);
const REBUFFER_PENALTY_PER_S = QOE_DEFAULT_PENALTIES.lin.rebufferPenalty;

/** Summarises one session's events (any order; sorted by seq here). */
export function sessionQoe(events: readonly TelemetryEvent[]): SessionQoe {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const first = sorted[0]!;
  const startEvent = sorted.find((e) => e.type === 'session-start');
  const startT = startEvent?.t ?? first.t;
  const endT = sorted.reduce((m, e) => Math.max(m, e.t), -Infinity);
  let firstFrameT: number | null = null;
  let stallMs = 0;
  let stalls = 0;
  let stallStartT: number | null = null;
  let pausedMs = 0;
  let pauseT: number | null = null;
  let chunks = 0;
  let bitrateSumKbps = 0;
  let switches = 0;
  let utilityMbps = 0;
  let smoothMbps = 0;
  let lastBr: number | null = null;
  let bytes = 0;
  for (const e of sorted) {
    if (e.type === 'segment') {
      bytes += e.bytes;
      if (e.abandoned || !VIDEO_TYPES.has(e.ot) || e.br === undefined) continue;
      chunks++;
      bitrateSumKbps += e.br;
      utilityMbps += e.br / 1000;
      if (lastBr !== null && lastBr !== e.br) {
        switches++;
        smoothMbps += Math.abs(e.br - lastBr) / 1000;
      }
      lastBr = e.br;
    } else if (e.type === 'playback') {
      switch (e.kind) {
        case 'first-frame':
          firstFrameT ??= e.t;
          break;
        case 'stall-start':
          if (stallStartT === null) {
            stallStartT = e.t;
            stalls++;
          }
          break;
        case 'stall-end':
          if (stallStartT !== null) stallMs += e.stallMs ?? e.t - stallStartT;
          stallStartT = null;
          break;
        case 'pause':
          if (firstFrameT !== null && pauseT === null) pauseT = e.t;
          break;
        case 'play':
          if (pauseT !== null) pausedMs += e.t - pauseT;
          pauseT = null;
          break;
        default:
          break;
      }
    }
  }
  // A stall or pause still open when the events end lasted until then.
  if (stallStartT !== null) stallMs += endT - stallStartT;
  if (pauseT !== null) pausedMs += endT - pauseT;
  const started = firstFrameT !== null;
  return {
    sid: first.sid,
    exp: first.exp ?? '',
    arm: first.arm ?? '',
    day: new Date(Math.max(0, first.ts)).toISOString().slice(0, 10),
    started,
    startupMs: started ? Math.max(0, firstFrameT! - startT) : null,
    watchMs: started ? Math.max(0, endT - firstFrameT! - stallMs - pausedMs) : 0,
    stallMs,
    stalls,
    chunks,
    bitrateSumKbps,
    switches,
    qoeLinSum: utilityMbps - REBUFFER_PENALTY_PER_S * (stallMs / 1000) - smoothMbps,
    bytes,
  };
}

/** Groups events by session (any order, sessions interleaved) and summarises each. */
export async function sessionsFrom(events: Iterable<TelemetryEvent> | AsyncIterable<TelemetryEvent>): Promise<SessionQoe[]> {
  const bySession = new Map<string, TelemetryEvent[]>();
  for await (const e of events) {
    let list = bySession.get(e.sid);
    if (!list) bySession.set(e.sid, (list = []));
    list.push(e);
  }
  return [...bySession.values()].map(sessionQoe);
}
