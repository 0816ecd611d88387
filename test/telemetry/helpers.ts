import type { Timers, PageLifecycle } from '../../src/telemetry/env.js';

/** Timers that fire only when a test says so. */
export class VirtualTimers implements Timers {
  #nowMs = 0;
  #next = 1;
  readonly #pending = new Map<number, { atMs: number; fn: () => void; delayMs: number }>();
  readonly delaysMs: number[] = [];

  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { atMs: this.#nowMs + delayMs, fn, delayMs });
    this.delaysMs.push(delayMs);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Fires the earliest pending timer; false when none is pending. */
  fireNext(): boolean {
    let bestId = -1;
    let best: { atMs: number; fn: () => void } | undefined;
    for (const [id, t] of this.#pending) if (!best || t.atMs < best.atMs) [bestId, best] = [id, t];
    if (!best) return false;
    this.#pending.delete(bestId);
    this.#nowMs = Math.max(this.#nowMs, best.atMs);
    best.fn();
    return true;
  }
}

/** A page lifecycle a node test can drive. */
export class FakePage implements PageLifecycle {
  readonly target = new EventTarget();
  state: 'visible' | 'hidden' = 'visible';
  visibilityState(): 'visible' | 'hidden' {
    return this.state;
  }
  hide(): void {
    this.state = 'hidden';
    this.target.dispatchEvent(new Event('visibilitychange'));
  }
  pagehide(): void {
    this.target.dispatchEvent(new Event('pagehide'));
  }
}

/** Ids a test can predict. */
export function counterIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${n++}`;
}

/** Polls (on real time, for IndexedDB's own callbacks) until `check` holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
