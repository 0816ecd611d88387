/**
 * Network traces from text: `time_s Mbps` lines, Mahimahi packet logs and Sabre JSON, with typed,
 * line-numbered errors.
 */
import type { Trace } from './trace.js';
import { ParseError } from '../core/errors.js';
import { lineOfArrayElement, parseJsonWithLine } from './json-lines.js';

export type TraceFormat = 'time-mbps' | 'mahimahi' | 'sabre-json';

export interface TraceParseOptions {
  /** Name of the trace, and the file named in errors. */
  readonly name: string;
  /** Format; detected from the content when absent. */
  readonly format?: TraceFormat;
  /** Mahimahi: width of the bins packet deliveries are counted in. */
  readonly mahimahiBinMs?: number;
}

/** Mahimahi delivers one MTU-sized packet per line. */
const MAHIMAHI_PACKET_BYTES = 1500;
const DEFAULT_MAHIMAHI_BIN_MS = 500;

/** Parses any supported trace format. Malformed input throws a ParseError naming the file and line. */
export function parseTrace(text: string, options: TraceParseOptions): Trace {
  const format = options.format ?? detectTraceFormat(text, options.name);
  switch (format) {
    case 'time-mbps':
      return parseTimeMbpsTrace(text, options.name);
    case 'mahimahi':
      return parseMahimahiTrace(text, options.name, options.mahimahiBinMs ?? DEFAULT_MAHIMAHI_BIN_MS);
    case 'sabre-json':
      return parseSabreTrace(text, options.name);
  }
}

export function detectTraceFormat(text: string, name: string): TraceFormat {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return 'sabre-json';
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/[\s,]+/).filter(Boolean);
    if (fields.length === 0 || line.trim().startsWith('#')) continue;
    return fields.length === 1 ? 'mahimahi' : 'time-mbps';
  }
  throw new ParseError('trace-parse', name, undefined, 'the file has no samples');
}

/** `time_s Mbps` per line (Pensieve, MERINA). Blank lines and `#` comments are skipped. */
export function parseTimeMbpsTrace(text: string, name: string): Trace {
  const times: number[] = [];
  const rates: number[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const lineNumber = i + 1;
    const fields = line.split(/[\s,]+/);
    if (fields.length !== 2) {
      throw new ParseError('trace-parse', name, lineNumber, `expected 2 fields "time_s Mbps", found ${fields.length}`);
    }
    const timeS = strictNumber(fields[0]);
    const mbps = strictNumber(fields[1]);
    if (!Number.isFinite(timeS)) throw new ParseError('trace-parse', name, lineNumber, `time '${fields[0]}' is not a number`);
    if (!Number.isFinite(mbps)) throw new ParseError('trace-parse', name, lineNumber, `bandwidth '${fields[1]}' is not a number`);
    if (mbps < 0) throw new ParseError('trace-parse', name, lineNumber, `bandwidth ${mbps} Mbps is negative`);
    const previous = times[times.length - 1];
    if (previous !== undefined && timeS < previous) {
      throw new ParseError('trace-parse', name, lineNumber, `time ${timeS} s goes back from ${previous} s`);
    }
    times.push(timeS);
    rates.push(mbps);
  });
  return finishTrace(name, times, rates, undefined);
}

/**
 * Mahimahi packet-delivery trace: each line is a millisecond at which one 1500-byte packet may be
 * delivered. Deliveries are counted in bins (500 ms by default) to give a bandwidth series.
 */
export function parseMahimahiTrace(text: string, name: string, binMs: number): Trace {
  const deliveriesMs: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const ms = strictNumber(line);
    if (!Number.isInteger(ms) || ms < 0) {
      throw new ParseError('trace-parse', name, i + 1, `expected a non-negative integer millisecond, found '${line}'`);
    }
    const previous = deliveriesMs[deliveriesMs.length - 1];
    if (previous !== undefined && ms < previous) {
      throw new ParseError('trace-parse', name, i + 1, `timestamp ${ms} ms goes back from ${previous} ms`);
    }
    deliveriesMs.push(ms);
  });
  if (deliveriesMs.length === 0) throw new ParseError('trace-parse', name, undefined, 'the file has no deliveries');
  const endMs = Math.max(binMs, deliveriesMs[deliveriesMs.length - 1]);
  const bins = Math.ceil(endMs / binMs);
  const counts = new Array<number>(bins + 1).fill(0);
  // A delivery at t ms belongs to the bin (k-1, k] * binMs, matching the trace's interval convention.
  for (const ms of deliveriesMs) counts[Math.max(1, Math.ceil(ms / binMs))]++;
  const times = counts.map((_, k) => (k * binMs) / 1000);
  const rates = counts.map((count) => (count * MAHIMAHI_PACKET_BYTES * 8) / (binMs / 1000) / 1e6);
  rates[0] = rates[1];
  return finishTrace(name, times, rates, undefined);
}

/** Sabre's network JSON: `[{duration_ms, bandwidth_kbps, latency_ms}]`, one object per period. */
export function parseSabreTrace(text: string, name: string): Trace {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw new ParseError('trace-parse', name, parsed.line, parsed.message);
  if (!Array.isArray(parsed.value)) {
    throw new ParseError('trace-parse', name, 1, 'expected an array of {duration_ms, bandwidth_kbps, latency_ms}');
  }
  const times = [0];
  const rates = [0];
  const rtts = [0];
  parsed.value.forEach((entry: unknown, i: number) => {
    const line = lineOfArrayElement(text, i);
    const record = entry as Record<string, unknown> | null;
    const field = (key: string): number => {
      const value = record?.[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ParseError('trace-parse', name, line, `entry ${i}: ${key} must be a non-negative number, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    const durationMs = field('duration_ms');
    const bandwidthKbps = field('bandwidth_kbps');
    const latencyMs = field('latency_ms');
    times.push(times[times.length - 1] + durationMs / 1000);
    rates.push(bandwidthKbps / 1000);
    rtts.push(latencyMs);
  });
  if (rates.length > 1) {
    rates[0] = rates[1];
    rtts[0] = rtts[1];
  }
  return finishTrace(name, times, rates, rtts);
}

function finishTrace(name: string, times: number[], rates: number[], rtts: number[] | undefined): Trace {
  if (times.length < 2) throw new ParseError('trace-parse', name, undefined, `a trace needs at least 2 samples, found ${times.length}`);
  const shiftedByS = times[0];
  const timesS = Float64Array.from(times, (t) => t - shiftedByS);
  if (timesS[timesS.length - 1] <= 0) throw new ParseError('trace-parse', name, undefined, 'the trace spans no time');
  const mbps = Float64Array.from(rates);
  let carries = false;
  for (let k = 1; k < mbps.length; k++) if (mbps[k] > 0 && timesS[k] > timesS[k - 1]) carries = true;
  if (!carries) throw new ParseError('trace-parse', name, undefined, 'the trace never carries any bytes (all bandwidth is 0)');
  return { name, timesS, mbps, ...(rtts ? { rttMs: Float64Array.from(rtts) } : {}), shiftedByS };
}

/** `Number()` accepts '' and ' '; traces must not. */
function strictNumber(field: string): number {
  return field.trim() === '' ? NaN : Number(field);
}

/** Serialises a trace as `time_s<TAB>Mbps` lines, the format every tool here reads. */
export function formatTimeMbpsTrace(trace: Trace): string {
  let out = '';
  for (let k = 0; k < trace.timesS.length; k++) out += `${round6(trace.timesS[k])}\t${round6(trace.mbps[k])}\n`;
  return out;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
