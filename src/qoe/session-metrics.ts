/**
 * A session's figures from what was measured per segment: QoE, bitrate, rebuffering, switches,
 * startup, bytes.
 */
import type { QoeModel } from './models.js';
import { chunkQoe } from './models.js';

/** What happened to one segment in a session, as measured (never as the policy believed). */
export interface ChunkRecord {
  readonly segmentIndex: number;
  readonly rungIndex: number;
  readonly bitrateBps: number;
  /** Bytes of this segment that were played. */
  readonly bytes: number;
  /** Bytes fetched for this segment and thrown away (abandoned requests). */
  readonly wastedBytes: number;
  /** Request to last byte, including time to first byte. */
  readonly downloadMs: number;
  /** Playback stalled this long while waiting for this segment (startup excluded). */
  readonly rebufferS: number;
  /** Buffer right after this segment was appended (and any sleep taken). */
  readonly bufferAfterS: number;
}

export interface SessionMetrics {
  /** Mean QoE per counted chunk. */
  readonly qoe: number;
  readonly qoeSum: number;
  readonly chunks: number;
  readonly bitrateKbps: number;
  readonly rebufferS: number;
  readonly rebufferRatio: number;
  readonly stalls: number;
  readonly startupS: number;
  readonly switches: number;
  readonly bytes: number;
  readonly wastedBytes: number;
}

export interface MetricsOptions {
  /** Leading chunks left out of every figure (Pensieve mode: 1, the fixed first chunk). */
  readonly skipFirst: number;
  /** Rung assumed before the first counted chunk, for its smoothness term. */
  readonly initialPreviousRung: number;
  readonly startupS: number;
  /** Startup delay is charged to QoE at this rate (realistic mode: the rebuffer penalty; Pensieve mode: 0). */
  readonly startupPenaltyPerS: number;
  readonly segmentDurationS: number;
}

/**
 * Reduces a session's chunk records to the figures users read. QoE follows the model; rebuffer,
 * stalls and switches count only the chunks from `skipFirst` on; bytes count every chunk.
 */
export function summarizeSession(records: readonly ChunkRecord[], model: QoeModel, options: MetricsOptions): SessionMetrics {
  const { skipFirst, startupS, segmentDurationS } = options;
  let qoeSum = 0;
  let bitrateSumKbps = 0;
  let rebufferS = 0;
  let stalls = 0;
  let switches = 0;
  let bytes = 0;
  let wastedBytes = 0;
  let counted = 0;
  let previousRung = skipFirst > 0 ? records[skipFirst - 1]?.rungIndex ?? options.initialPreviousRung : options.initialPreviousRung;
  records.forEach((record, i) => {
    bytes += record.bytes + record.wastedBytes;
    wastedBytes += record.wastedBytes;
    if (i < skipFirst) return;
    counted++;
    qoeSum += chunkQoe(model, record.rungIndex, previousRung, record.rebufferS);
    bitrateSumKbps += record.bitrateBps / 1000;
    rebufferS += record.rebufferS;
    if (record.rebufferS > 0) stalls++;
    if (i > 0 && record.rungIndex !== previousRung) switches++;
    previousRung = record.rungIndex;
  });
  qoeSum -= options.startupPenaltyPerS * startupS;
  const playedS = counted * segmentDurationS;
  return {
    qoe: counted > 0 ? qoeSum / counted : 0,
    qoeSum,
    chunks: counted,
    bitrateKbps: counted > 0 ? bitrateSumKbps / counted : 0,
    rebufferS,
    rebufferRatio: playedS + rebufferS > 0 ? rebufferS / (playedS + rebufferS) : 0,
    stalls,
    startupS,
    switches,
    bytes,
    wastedBytes,
  };
}
