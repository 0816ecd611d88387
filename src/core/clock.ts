/**
 * Time source injected into everything that needs "now". The core never reads `performance`,
 * `Date` or timers itself, so the same code runs in the browser, the simulator and tests.
 */
export interface Clock {
  /** Monotonic milliseconds; the origin is arbitrary. */
  nowMs(): number;
}

/** A clock that moves only when told to: the simulator's and the tests' clock. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  advanceMs(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new RangeError(`ManualClock.advanceMs: ${deltaMs} is not a non-negative number`);
    this.#nowMs += deltaMs;
  }

  /** Starts time again from `startMs`: a new simulated session on the same controller. */
  restart(startMs = 0): void {
    this.#nowMs = startMs;
  }

  setMs(nowMs: number): void {
    if (nowMs < this.#nowMs) throw new RangeError('ManualClock.setMs: time cannot go backwards');
    this.#nowMs = nowMs;
  }
}
