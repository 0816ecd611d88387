/**
 * When each piece of a streamed segment response arrived, for chunked transfers (low-latency DASH:
 * the segment still being produced arrives part by part, with the link idle between parts).
 *
 * shaka's own progress reports cannot show this: its fetch plugin reports at most every 100 ms and
 * each report's time runs from the previous report, so the idle wait before a part is inside the
 * report that carries the part (a 37 kB part sent in 60 ms after 940 ms of silence is reported as
 * 37 kB in 1000 ms). In low-latency mode, though, shaka hands every `reader.read()` of a segment
 * response to the request's `streamDataCallback` (to append complete boxes at once); a request filter
 * wraps it to time the reads. Responses without one (VoD, LL-HLS parts) get no read times.
 */
import type shaka from 'shaka-player';
import type { ChunkTiming } from '../../core/sample.js';
import type { Clock } from '../../core/clock.js';
import { burstsFromReads } from '../../estimators/chunked.js';
import type { ShakaNetworking } from './cmcd-filter.js';

/** shaka's `NetworkingEngine.RequestType.SEGMENT`. */
const SEGMENT_REQUEST_TYPE = 1;

/**
 * A silence longer than this between reads starts a new burst. Within a burst reads come every few
 * ms (one per TCP window; the harness's shaped link writes every 10 ms); between the parts of a
 * live segment the link idles for most of a part duration (LL-DASH parts are 0.2-2 s).
 */
export const READ_IDLE_GAP_MS = 50;

export interface ReadTimings {
  /** The bursts of a request's response so far (undefined when its reads were not timed). */
  chunks(request: shaka.extern.Request): ChunkTiming[] | undefined;
  /** Unregisters the filter. */
  release(): void;
}

/** Times the reads of every segment request that carries a `streamDataCallback`. */
export function timeSegmentReads(player: Partial<ShakaNetworking> | undefined, clock: Clock): ReadTimings {
  const reads = new WeakMap<shaka.extern.Request, { atMs: number; bytes: number }[]>();
  const engine = player?.getNetworkingEngine?.() ?? null;
  const filter: shaka.extern.RequestFilter = (type, request) => {
    const inner = request.streamDataCallback;
    if (Number(type) !== SEGMENT_REQUEST_TYPE || !inner || reads.has(request)) return;
    const timed: { atMs: number; bytes: number }[] = [];
    reads.set(request, timed);
    request.streamDataCallback = (data) => {
      timed.push({ atMs: clock.nowMs(), bytes: data.byteLength });
      return inner(data);
    };
  };
  engine?.registerRequestFilter(filter);
  return {
    chunks(request) {
      const timed = reads.get(request);
      return timed && timed.length > 0 ? burstsFromReads(timed, READ_IDLE_GAP_MS) : undefined;
    },
    release: () => engine?.unregisterRequestFilter(filter),
  };
}
