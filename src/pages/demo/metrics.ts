/**
 * Session figures for the demo, measured from the <video> element and the network (never from the
 * policy's beliefs), reduced with the same QoE_lin code as the simulator and `abrkit browser-eval`:
 * every played segment position is one chunk at its rung's nominal bitrate, a stall is charged to
 * the segment the playhead was in, and the startup delay is charged at the rebuffer penalty.
 */
import { ladderFromBitrates } from '../../core/ladder.js';
import { createQoeModel, type QoeModel } from '../../qoe/models.js';
import { summarizeSession, type ChunkRecord, type SessionMetrics } from '../../qoe/session-metrics.js';
import type { DecisionReason } from '../../core/decision.js';

import type { StreamInfo } from '../protocol.js';
export type { StreamInfo };

export interface StallRecord {
  /** Playhead position when the stall began, s. */
  readonly atS: number;
  /** Session time, s. */
  readonly startS: number;
  /** Session time; `null` while the stall lasts. */
  endS: number | null;
}

export interface SegmentRecord {
  readonly index: number;
  readonly rungIndex: number;
  readonly bytes: number;
}

export function qoeModelFor(stream: StreamInfo): QoeModel {
  return createQoeModel('lin', ladderFromBitrates(stream.ladderKbps.map((k) => k * 1000), stream.segmentDurationS));
}

/**
 * QoE and the other figures of the segments played so far (positions before `playheadS`, plus the
 * one being played). `nowS` closes a stall still running.
 */
export function measureSession(
  stream: StreamInfo,
  model: QoeModel,
  segments: ReadonlyMap<number, SegmentRecord>,
  stalls: readonly StallRecord[],
  startupS: number | null,
  playheadS: number,
  nowS: number,
): SessionMetrics {
  const segmentDurationS = stream.segmentDurationS;
  const lastIndex = Math.min(Math.ceil(stream.durationS / segmentDurationS) - 1, Math.floor(playheadS / segmentDurationS));
  const rebufferBySegment = new Map<number, number>();
  for (const stall of stalls) {
    const index = Math.min(lastIndex, Math.floor(stall.atS / segmentDurationS));
    rebufferBySegment.set(index, (rebufferBySegment.get(index) ?? 0) + ((stall.endS ?? nowS) - stall.startS));
  }
  const records: ChunkRecord[] = [...segments.values()]
    .filter((s) => s.index <= lastIndex && s.rungIndex >= 0)
    .sort((a, b) => a.index - b.index)
    .map((s) => ({
      segmentIndex: s.index,
      rungIndex: s.rungIndex,
      bitrateBps: stream.ladderKbps[s.rungIndex]! * 1000,
      bytes: s.bytes,
      wastedBytes: 0,
      downloadMs: 0,
      rebufferS: rebufferBySegment.get(s.index) ?? 0,
      bufferAfterS: 0,
    }));
  return summarizeSession(records, model, {
    skipFirst: 0,
    initialPreviousRung: records[0]?.rungIndex ?? 0,
    startupS: startupS ?? 0,
    startupPenaltyPerS: model.rebufferPenalty,
    segmentDurationS,
  });
}

const mbps = (bps: number) => (bps / 1e6).toFixed(2);

/** One line a person can read: why the policy picked this rung. */
export function describeReason(reason: DecisionReason, ladderKbps: readonly number[]): string {
  switch (reason.kind) {
    case 'startup':
      return `startup: ${reason.detail}`;
    case 'throughput':
      return `throughput: estimate ${mbps(reason.estimateBps)} Mbit/s, budget ${mbps(reason.budgetBps)} Mbit/s`;
    case 'buffer':
      return `buffer ${reason.bufferS.toFixed(1)} s in the ${reason.zone} zone`;
    case 'bola':
      return `BOLA: effective buffer ${reason.effectiveBufferS.toFixed(1)} s (placeholder ${reason.placeholderS.toFixed(1)} s)${reason.cappedByThroughput ? ', capped by throughput' : ''}`;
    case 'mpc':
      return `MPC: predicted ${mbps(reason.predictedBps)} Mbit/s, plan ${reason.plan.map((r) => ladderKbps[r] ?? r).join('/')} kbps, objective ${reason.objective.toFixed(2)}`;
    case 'plan':
      return `plan: ${reason.detail}`;
    case 'fallback':
      return `fallback (${reason.error.code}): ${reason.error.message}`;
    case 'emergency':
      return `emergency: ${reason.detail}`;
    case 'stall-guard':
      return `stall guard: not ${ladderKbps[reason.proposed.rungIndex] ?? reason.proposed.rungIndex} kbps (at the slowest recent ${mbps(reason.slowestBps)} Mbit/s it would drain the ${reason.bufferS.toFixed(1)} s buffer too far); ${describeReason(reason.proposed.reason, ladderKbps)}`;
    case 'hysteresis':
      return `hysteresis: held, not up to ${ladderKbps[reason.proposed.rungIndex] ?? reason.proposed.rungIndex} kbps ${(reason.sinceSwitchMs / 1000).toFixed(1)} s after the last switch; ${describeReason(reason.proposed.reason, ladderKbps)}`;
    case 'dqn':
      return `dqn: ${reason.feature}${reason.rungIndex === null ? '' : ` of rung ${reason.rungIndex}`} = ${reason.value.toFixed(2)} outside its training range [${reason.min.toFixed(2)}, ${reason.max.toFixed(2)}], RobustMPC decided; ${describeReason(reason.decided.reason, ladderKbps)}`;
    case 'live':
      return `live: latency ${reason.latencyS.toFixed(1)} s (target ${reason.targetLatencyS.toFixed(1)} s), budget ${mbps(reason.budgetBps)} Mbit/s; ${reason.detail}`;
  }
}
