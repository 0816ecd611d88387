/**
 * Network traces (and download samples) rebuilt from telemetry: one trace per session, from its
 * segment downloads.
 */
import { ParseError } from '../core/errors.js';
import type { Trace } from './trace.js';
import type { DownloadSample } from '../core/sample.js';
import { checkTelemetryEvent, type SegmentEvent, type TelemetryEvent } from '../telemetry/schema.js';

export interface ToTracesOptions {
  /**
   * Share of the link that carries payload in the simulator that will replay the trace (abrkit's
   * and Pensieve's 0.95). Measured goodput is divided by it so that a replay delivers the same bytes per second.
   */
  readonly payloadPortion?: number;
  /** Object types whose downloads describe the link (parallel audio downloads would double count). */
  readonly objectTypes?: readonly string[];
  /** Sessions with fewer usable downloads are skipped. */
  readonly minSamples?: number;
}

export const TO_TRACES_DEFAULTS = Object.freeze({ payloadPortion: 0.95, objectTypes: Object.freeze(['v', 'av']), minSamples: 2 });

export interface SessionTrace {
  readonly sessionId: string;
  readonly trace: Trace;
  /** Downloads used, and skipped (overlapping an earlier one, or with no transfer time). */
  readonly samples: number;
  readonly skipped: number;
  /** Bytes over transfer time of the samples used, Mbit/s (before the payload correction). */
  readonly meanGoodputMbps: number;
}

/**
 * Rebuilds one `time_s Mbps` trace per session from its segment downloads. Each download's
 * transfer (first byte to last byte) becomes an interval at its measured rate; the gap before it
 * (the wait for the first byte, or the player idling) gets the same rate, because the trace must
 * say something there and the next measurement is the best guess. Time 0 is the session's first request.
 *
 * `text` is NDJSON: a browser export (`exportTelemetry()`) or a collector's file. Lines that are
 * not events throw a ParseError with the line number.
 */
export function tracesFromTelemetry(text: string, name: string, options: ToTracesOptions = {}): SessionTrace[] {
  const o = { ...TO_TRACES_DEFAULTS, ...options };
  const bySession = segmentsBySession(text, name, o.objectTypes);
  // The same event can reach a file twice only through a buggy sender; keep the first copy.
  const result: SessionTrace[] = [];
  for (const [sessionId, events] of bySession) {
    const originMs = events[0]!.startMs;
    const timesS: number[] = [0];
    const mbps: number[] = [0];
    let lastEndS = 0;
    let used = 0;
    let skipped = 0;
    let bits = 0;
    let transferS = 0;
    for (const e of events) {
      const firstByteS = (e.startMs + e.ttfb - originMs) / 1000;
      const endS = (e.startMs + e.ttlb - originMs) / 1000;
      const durationS = endS - firstByteS;
      if (!(durationS > 0) || firstByteS < lastEndS - 1e-9) {
        skipped++;
        continue;
      }
      const rateMbps = (e.bytes * 8) / durationS / 1e6;
      if (firstByteS > lastEndS + 1e-9) {
        timesS.push(firstByteS);
        mbps.push(rateMbps / o.payloadPortion);
      }
      timesS.push(endS);
      mbps.push(rateMbps / o.payloadPortion);
      lastEndS = endS;
      used++;
      bits += e.bytes * 8;
      transferS += durationS;
    }
    if (used < o.minSamples) continue;
    mbps[0] = mbps[1]!;
    result.push({
      sessionId,
      trace: { name: sessionId, timesS: Float64Array.from(timesS), mbps: Float64Array.from(mbps), shiftedByS: 0 },
      samples: used,
      skipped,
      meanGoodputMbps: bits / transferS / 1e6,
    });
  }
  return result;
}

/**
 * Segment downloads of the given object types, grouped by session, each session's in request order
 * with duplicate events (same sequence number) dropped. Lines that are not events throw a ParseError
 * naming the line.
 */
export function segmentsBySession(text: string, name: string, objectTypes: readonly string[] = TO_TRACES_DEFAULTS.objectTypes): Map<string, SegmentEvent[]> {
  const bySession = telemetryBySession(text, name, (event): event is SegmentEvent => event.type === 'segment' && objectTypes.includes(event.ot));
  for (const [sessionId, events] of bySession) bySession.set(sessionId, events.sort((a, b) => a.startMs - b.startMs || a.seq - b.seq));
  return bySession;
}

/**
 * The events of an NDJSON export that `keep` accepts, by session, each event once (the same event
 * reaches a file twice only through a buggy sender: the first copy is kept), in file order.
 * Every line must be a valid event: a malformed one fails with its line number.
 */
export function telemetryBySession<E extends TelemetryEvent>(text: string, name: string, keep: (event: TelemetryEvent) => event is E): Map<string, E[]> {
  const bySession = new Map<string, E[]>();
  const seen = new Map<string, Set<number>>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ParseError('trace-parse', name, i + 1, 'not a JSON line');
    }
    const problem = checkTelemetryEvent(value);
    if (problem !== null) throw new ParseError('trace-parse', name, i + 1, problem);
    const event = value as TelemetryEvent;
    if (!keep(event)) continue;
    let seqs = seen.get(event.sid);
    if (!seqs) seen.set(event.sid, (seqs = new Set()));
    if (seqs.has(event.seq)) continue;
    seqs.add(event.seq);
    let list = bySession.get(event.sid);
    if (!list) bySession.set(event.sid, (list = []));
    list.push(event);
  }
  return bySession;
}

/** The completed downloads of each session as the samples a controller saw (abandoned ones left out). */
export function samplesFromTelemetry(text: string, name: string): DownloadSample[][] {
  return [...segmentsBySession(text, name).values()].map((events) =>
    events
      .filter((e) => !e.abandoned)
      .map((e) => ({ bytes: e.bytes, durationMs: e.ttlb, ttfbMs: e.ttfb, startMs: e.startMs, endMs: e.startMs + e.ttlb, ...(e.rungIndex === undefined ? {} : { rungIndex: e.rungIndex }), ...(e.segmentIndex === undefined ? {} : { segmentIndex: e.segmentIndex }) })),
  );
}
