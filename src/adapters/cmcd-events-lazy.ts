/**
 * The adapters' handle on CMCD event mode: loads the reporter (src/adapters/cmcd-events.ts, about
 * 1.7 kB gzipped) only when `cmcd.events` is set, so apps that do not use it do not download it.
 * What happens before it has loaded (the element, the latest bitrate) is handed over when it has.
 * A failed load costs the reports, never playback.
 */
import { resolveCmcdEventOptions, type CmcdOptions } from './cmcd.js';
import type { CmcdEventSession, CmcdEventSource } from './cmcd-events.js';

export class LazyCmcdEvents {
  #session: CmcdEventSession | null = null;
  #media: HTMLMediaElement | null = null;
  #bitrateBps: number | null = null;
  #destroyed = false;

  constructor(cmcd: CmcdOptions, source: CmcdEventSource, onLoadError?: (error: unknown) => void) {
    const events = resolveCmcdEventOptions(cmcd.events);
    if (!events) return;
    import('./cmcd-events.js').then(
      ({ createCmcdEventSession }) => {
        if (this.#destroyed) return;
        const session = createCmcdEventSession(cmcd, events, source);
        this.#session = session;
        if (this.#bitrateBps !== null) session.reporter.bitrate(this.#bitrateBps);
        if (this.#media) session.attach(this.#media);
      },
      (error: unknown) => onLoadError?.(error),
    );
  }

  attach(media: HTMLMediaElement | null | undefined): void {
    if (!media) return;
    this.#media = media;
    this.#session?.attach(media);
  }

  /** The bitrate of the rendition just fetched, bit/s. */
  bitrate(bitrateBps: number): void {
    this.#bitrateBps = bitrateBps;
    this.#session?.reporter.bitrate(bitrateBps);
  }

  /** A fatal player error: an `e` report, then the `f` state. */
  fatal(code: string): void {
    this.#session?.reporter.error(code);
    this.#session?.reporter.playState('f');
  }

  destroy(): void {
    this.#destroyed = true;
    this.#session?.destroy();
  }
}

/** The handle, or null when `cmcd.events` is not set. */
export function lazyCmcdEvents(cmcd: CmcdOptions | null, source: CmcdEventSource): LazyCmcdEvents | null {
  return cmcd?.events ? new LazyCmcdEvents(cmcd, source) : null;
}
