/**
 * The running QoE figures of the current summary window (segments, bitrate, switches, stalls,
 * dropped frames), which the recorder logs as a `qoe-summary` event every so often.
 */
import type { EventBody, QoeSummaryEvent } from './schema.js';
import { round } from './event-bodies.js';

export interface QoeWindow {
  fromMs: number;
  segments: number;
  bytes: number;
  downloadMs: number;
  brSumKbps: number;
  switches: number;
  lastRungIndex: number | null;
  stalls: number;
  stallMs: number;
  stallStartMs: number | null;
  droppedFrames: number;
  droppedFramesBase: number;
}

export function newQoeWindow(fromMs: number): QoeWindow {
  return { fromMs, segments: 0, bytes: 0, downloadMs: 0, brSumKbps: 0, switches: 0, lastRungIndex: null, stalls: 0, stallMs: 0, stallStartMs: null, droppedFrames: 0, droppedFramesBase: 0 };
}

export function resetQoeWindow(w: QoeWindow, nowMs: number): void {
  w.fromMs = nowMs;
  w.segments = 0;
  w.bytes = 0;
  w.downloadMs = 0;
  w.brSumKbps = 0;
  w.switches = 0;
  w.stalls = 0;
  w.stallMs = 0;
  // A stall still running carries over into the next window, counted from now.
  if (w.stallStartMs !== null) w.stallStartMs = nowMs;
  w.droppedFramesBase += w.droppedFrames;
  w.droppedFrames = 0;
}

/** The window's `qoe-summary` body at `nowMs` (a stall still running counts up to now). */
export function qoeSummaryBody(qoe: QoeWindow, nowMs: number): EventBody<QoeSummaryEvent> {
  return {
    type: 'qoe-summary',
    fromMs: qoe.fromMs,
    toMs: nowMs,
    segments: qoe.segments,
    bytes: qoe.bytes,
    br: qoe.segments > 0 ? round(qoe.brSumKbps / qoe.segments) : 0,
    mtp: qoe.downloadMs > 0 ? round((qoe.bytes * 8) / qoe.downloadMs) : 0,
    switches: qoe.switches,
    stalls: qoe.stalls,
    stallMs: round(qoe.stallMs + (qoe.stallStartMs === null ? 0 : nowMs - qoe.stallStartMs)),
    droppedFrames: qoe.droppedFrames,
  };
}
