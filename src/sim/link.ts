/** The simulated link: bytes delivered over a trace from a position in time. */
import type { Trace } from './trace.js';
import { traceMeanMbps } from './trace.js';

/**
 * A position on a trace, for the realistic simulator. Past the end of a trace that does not
 * wrap, the link runs on at the trace's mean bandwidth (`ptr === timesS.length`).
 */
export interface LinkCursor {
  ptr: number;
  /** Trace time reached, s. */
  timeS: number;
}

export interface LinkOptions {
  /** Share of the trace bandwidth that carries payload (Pensieve: 0.95). */
  readonly payloadPortion: number;
  /** Start again from time 0 at the end of the trace, instead of running on at its mean. */
  readonly wrap: boolean;
}

export class Link {
  readonly trace: Trace;
  readonly #payloadPortion: number;
  readonly #wrap: boolean;
  readonly #tailMbps: number;

  constructor(trace: Trace, options: LinkOptions) {
    this.trace = trace;
    this.#payloadPortion = options.payloadPortion;
    this.#wrap = options.wrap;
    this.#tailMbps = traceMeanMbps(trace);
  }

  start(): LinkCursor {
    return { ptr: 1, timeS: this.trace.timesS[0] };
  }

  /** Round-trip time at the cursor, from the trace when it has one. */
  rttMs(cursor: LinkCursor, fallbackMs: number): number {
    const rtts = this.trace.rttMs;
    if (!rtts) return fallbackMs;
    return rtts[Math.min(cursor.ptr, rtts.length - 1)];
  }

  /**
   * Delivers up to `bytes` in at most `maxS` seconds, moving the cursor.
   * Returns the bytes delivered and the time taken.
   */
  transfer(cursor: LinkCursor, bytes: number, maxS: number): { bytes: number; durationS: number } {
    const { timesS, mbps } = this.trace;
    let sent = 0;
    let elapsedS = 0;
    for (;;) {
      const tail = cursor.ptr >= timesS.length;
      const bytesPerS = ((tail ? this.#tailMbps : mbps[cursor.ptr]) * 1e6 * this.#payloadPortion) / 8;
      const intervalS = tail ? Infinity : timesS[cursor.ptr] - cursor.timeS;
      const budgetS = Math.min(intervalS, maxS - elapsedS);
      if (bytesPerS > 0 && sent + bytesPerS * budgetS >= bytes) {
        const needS = (bytes - sent) / bytesPerS;
        cursor.timeS += needS;
        return { bytes, durationS: elapsedS + needS };
      }
      if (budgetS < intervalS) {
        cursor.timeS += budgetS;
        return { bytes: sent + bytesPerS * budgetS, durationS: maxS };
      }
      sent += bytesPerS * intervalS;
      elapsedS += intervalS;
      this.#next(cursor);
    }
  }

  /** Lets `durationS` pass with nothing delivered. */
  idle(cursor: LinkCursor, durationS: number): void {
    const { timesS } = this.trace;
    let remainingS = durationS;
    while (remainingS > 0) {
      if (cursor.ptr >= timesS.length) {
        cursor.timeS += remainingS;
        return;
      }
      const intervalS = timesS[cursor.ptr] - cursor.timeS;
      if (intervalS > remainingS) {
        cursor.timeS += remainingS;
        return;
      }
      remainingS -= intervalS;
      this.#next(cursor);
    }
  }

  #next(cursor: LinkCursor): void {
    const { timesS } = this.trace;
    cursor.timeS = timesS[cursor.ptr];
    cursor.ptr++;
    if (cursor.ptr >= timesS.length && this.#wrap) {
      cursor.ptr = 1;
      cursor.timeS = 0;
    }
  }
}
