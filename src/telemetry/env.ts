/** Timers, randomness and page lifecycle, injected so tests run on virtual time and in node. */
export interface Timers {
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = Object.freeze({
  setTimeout: (fn: () => void, delayMs: number) => globalThis.setTimeout(fn, delayMs),
  clearTimeout: (handle: unknown) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
});

/**
 * What the recorder listens to for "the page is going away": `visibilitychange` (then it reads
 * `visibilityState`) and `pagehide`. In a page: `{ target: window, visibilityState: () => document.visibilityState }`.
 */
export interface PageLifecycle {
  readonly target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  visibilityState(): 'visible' | 'hidden';
}

/** The browser's lifecycle, or `null` outside a page. */
export function browserLifecycle(): PageLifecycle | null {
  const g = globalThis as { window?: EventTarget; document?: { visibilityState?: string } };
  if (!g.window || !g.document) return null;
  const doc = g.document;
  return { target: g.window, visibilityState: () => (doc.visibilityState === 'hidden' ? 'hidden' : 'visible') };
}

export function defaultIdSource(): string {
  return globalThis.crypto.randomUUID();
}
