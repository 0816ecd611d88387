/**
 * The simulator's live mode: content produced in real time, one session over a trace.
 *
 * The origin publishes segment k's chunk j (each `partDurationS` of media) at wall time
 * `(k * segmentS + (j + 1) * partS) - joinEdgeS`: the live edge moves at one media second per
 * second, so buffered media can never pass it. The player joins at wall time 0 with the edge at
 * `joinEdgeS`, starts `targetLatencyS` behind it (rounded down to a part boundary), fetches one
 * segment at a time and receives each chunk as soon as it exists and the link has carried it
 * (chunked transfer: the link idles between chunks when it is faster than the encoder). Playback
 * starts once `startupBufferS` is buffered and runs at the rate the policy asks for; when the
 * playhead reaches the end of the buffer it stalls until `resumeBufferS` is buffered.
 * More than `resyncAboveS` over the target at a decision while playing, the playhead first jumps
 * ahead within the buffer (`resyncJumpS`, as the adapters do after a long stall), then the policy decides.
 * Latency (edge minus playhead) and the rate are sampled once per wall second after playback starts.
 * The decision context carries `live: { latencyS, targetLatencyS, partDurationS }` and the
 * measured sample carries per-chunk timings, as the adapters provide them.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { AbrController } from '../core/controller.js';
import type { ManualClock } from '../core/clock.js';
import type { ChunkTiming } from '../core/sample.js';
import type { LiveSessionRecord } from '../qoe/live.js';
import { Link } from './link.js';
import { invalidOptions } from '../core/errors.js';
import { resyncJumpS } from '../core/live.js';

export interface LiveSimOptions {
  /** The latency the player aims for, s (issue #15's default: 3). */
  readonly targetLatencyS: number;
  /** Media per CMAF chunk / LL-HLS part, s; must divide the segment duration. */
  readonly partDurationS: number;
  /** Wall seconds in a session. */
  readonly sessionS: number;
  /** Playback starts with this much buffered, s. */
  readonly startupBufferS: number;
  /** After a stall playback resumes with this much buffered, s. */
  readonly resumeBufferS: number;
  readonly rttMs: number;
  readonly payloadPortion: number;
  /** Where the live edge is when the player joins, media s (not on a segment boundary, so joins are not all alike). */
  readonly joinEdgeS: number;
  /** Jump back to the target beyond this many seconds over it (the adapters' `live.resyncAboveS`); Infinity (default): never. */
  readonly resyncAboveS: number;
}

export const LIVE_SIM_DEFAULTS: LiveSimOptions = Object.freeze({
  targetLatencyS: 3,
  partDurationS: 0.5,
  sessionS: 300,
  startupBufferS: 1,
  resumeBufferS: 0.5,
  rttMs: 80,
  payloadPortion: 0.95,
  joinEdgeS: 601.3,
  resyncAboveS: Number.POSITIVE_INFINITY,
});

export function validateLiveSim(o: LiveSimOptions, segmentS: number): LiveSimOptions {
  const parts = segmentS / o.partDurationS;
  if (!(o.partDurationS > 0) || Math.abs(parts - Math.round(parts)) > 1e-9) throw invalidOptions('live sim', `partDurationS must divide the ${segmentS} s segment`);
  if (!(o.targetLatencyS > o.partDurationS)) throw invalidOptions('live sim', 'targetLatencyS must exceed one part');
  if (!(o.sessionS > 0) || !(o.startupBufferS > 0) || !(o.resumeBufferS > 0) || !(o.rttMs >= 0)) throw invalidOptions('live sim', 'sessionS, startupBufferS, resumeBufferS must be > 0 and rttMs >= 0');
  if (o.startupBufferS > o.targetLatencyS) throw invalidOptions('live sim', 'startupBufferS cannot exceed the target latency (the edge is only that far ahead)');
  if (!(o.payloadPortion > 0 && o.payloadPortion <= 1)) throw invalidOptions('live sim', 'payloadPortion must be in (0, 1]');
  if (!(o.resyncAboveS > 0)) throw invalidOptions('live sim', 'resyncAboveS must be > 0 (Infinity: never jump)');
  return o;
}

/** One live session: the controller against the trace, live. */
export function runLiveSession(trace: Trace, video: SimVideo, controller: AbrController, clock: ManualClock | undefined, options: Partial<LiveSimOptions> = {}): LiveSessionRecord {
  const segmentS = video.segmentDurationS;
  const o = validateLiveSim({ ...LIVE_SIM_DEFAULTS, ...options }, segmentS);
  const partS = o.partDurationS;
  const partsPerSegment = Math.round(segmentS / partS);
  const link = new Link(trace, { payloadPortion: o.payloadPortion, wrap: false });
  const cursor = link.start();
  let linkAtS = 0; // the wall time the link cursor has reached
  const edgeAt = (wallS: number) => o.joinEdgeS + wallS;

  // Player state. Media times are absolute stream times.
  let wallS = 0;
  const startPartIndex = Math.floor((o.joinEdgeS - o.targetLatencyS) / partS);
  let playheadS = startPartIndex * partS;
  let bufferedEndS = playheadS;
  let playing = false;
  let started = false;
  let startupS = 0;
  let rate = 1;
  let rateChanges = 0;
  let resyncs = 0;
  let skippedS = 0;
  let stallS = 0;
  let stalls = 0;
  let nextSampleS = 1;
  const latencyPerSecondS: number[] = [];
  const ratePerSecond: number[] = [];
  const segmentBitratesBps: number[] = [];

  /** Lets wall time run to `toS` with the buffer as it is: playback, stalls and the per-second samples. */
  const advance = (toS: number): void => {
    while (wallS < toS - 1e-12) {
      const bufferS = bufferedEndS - playheadS;
      let stepS = toS - wallS;
      if (started && nextSampleS - wallS < stepS) stepS = Math.max(0, nextSampleS - wallS);
      if (playing) {
        const untilEmptyS = bufferS / rate;
        if (untilEmptyS < stepS) {
          stepS = untilEmptyS;
          playheadS = bufferedEndS;
          playing = false;
          stalls += 1;
        } else {
          playheadS += stepS * rate;
        }
      } else if (started) {
        stallS += stepS;
      }
      wallS += stepS;
      if (started && wallS >= nextSampleS - 1e-12) {
        latencyPerSecondS.push(edgeAt(wallS) - playheadS);
        ratePerSecond.push(playing ? rate : 1);
        nextSampleS += 1;
      }
    }
  };
  const bufferArrived = (): void => {
    const bufferS = bufferedEndS - playheadS;
    if (!started && bufferS >= o.startupBufferS - 1e-9) {
      started = true;
      playing = true;
      startupS = wallS;
      nextSampleS = wallS + 1;
    } else if (started && !playing && bufferS >= o.resumeBufferS - 1e-9) {
      playing = true;
    }
  };

  let lastRungIndex: number | null = null;
  let segmentIndex = Math.floor(playheadS / segmentS);
  let firstPart = startPartIndex - segmentIndex * partsPerSegment;
  while (wallS < o.sessionS) {
    clock?.setMs(wallS * 1000);
    // The jump first, as the adapters make it: the decision sees the latency and buffer after it.
    const jumpS = playing ? resyncJumpS(edgeAt(wallS) - playheadS, o.targetLatencyS, o.resyncAboveS, bufferedEndS - playheadS) : 0;
    if (jumpS > 0) {
      playheadS += jumpS;
      resyncs += 1;
      skippedS += jumpS;
    }
    const decision = controller.decide({
      segmentIndex,
      segmentsRemaining: null,
      bufferS: bufferedEndS - playheadS,
      lastRungIndex,
      playbackRate: rate,
      isLive: true,
      live: { latencyS: edgeAt(wallS) - playheadS, targetLatencyS: o.targetLatencyS, partDurationS: partS },
    });
    if (decision.playbackRate !== undefined && decision.playbackRate !== rate) {
      rate = decision.playbackRate;
      rateChanges += 1;
    }
    const rung = decision.rungIndex;
    const sizes = video.segmentSizesBytes[segmentIndex % video.segmentSizesBytes.length]!;
    const partBytes = sizes[rung]! / partsPerSegment;
    const requestS = wallS;
    const rttS = link.rttMs(cursor, o.rttMs) / 1000;
    let linkFreeS = requestS + rttS; // the first byte cannot come before a round trip
    const chunks: ChunkTiming[] = [];
    for (let j = firstPart; j < partsPerSegment; j += 1) {
      const publishedS = segmentIndex * segmentS + (j + 1) * partS - o.joinEdgeS + rttS / 2;
      const sendS = Math.max(linkFreeS, publishedS);
      advance(sendS);
      if (sendS > linkAtS) link.idle(cursor, sendS - linkAtS);
      const { durationS } = link.transfer(cursor, partBytes, Infinity);
      linkAtS = sendS + durationS;
      advance(linkAtS);
      linkFreeS = wallS;
      chunks.push({ bytes: partBytes, firstByteMs: sendS * 1000, lastByteMs: wallS * 1000 });
      bufferedEndS += partS;
      bufferArrived();
    }
    const bytes = partBytes * (partsPerSegment - firstPart);
    controller.addSample({
      bytes, durationMs: (wallS - requestS) * 1000, ttfbMs: (chunks[0]!.firstByteMs - requestS * 1000), startMs: requestS * 1000, endMs: wallS * 1000,
      rungIndex: rung, segmentIndex, chunks,
    });
    segmentBitratesBps.push(video.renditions[rung]!.bitrateBps);
    lastRungIndex = rung;
    segmentIndex += 1;
    firstPart = 0;
  }
  return { targetLatencyS: o.targetLatencyS, startupS, segmentBitratesBps, stallS, stalls, latencyPerSecondS, ratePerSecond, rateChanges, resyncs, skippedS };
}
