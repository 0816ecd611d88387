/**
 * The codec choice as an adapter holds it through a session: a provisional choice as soon as the
 * renditions are known (by preference, before the browser has answered), revised once
 * MediaCapabilities answers, and locked at the first media request so the session never changes
 * codec. A ladder with one family needs none of this and is passed through untouched.
 */
import { chooseCodec, codecFamily, probeDecodeSupport, type CodecChoice, type CodecFamily, type DecodeSupport, type ProbeRendition } from './codecs.js';

export interface CodecLockOptions {
  readonly preference?: readonly CodecFamily[];
  /** The included renditions changed (a probe answered before the lock): rebuild the ladder. */
  readonly onChange: () => void;
  /** A choice was locked in (once per session). */
  readonly onChoice?: (choice: CodecChoice) => void;
  /** Injected for tests; default: the page's `navigator.mediaCapabilities`. */
  readonly probe?: (renditions: readonly ProbeRendition[]) => Promise<(DecodeSupport | undefined)[]>;
}

export class CodecLock {
  readonly #options: CodecLockOptions;
  #key = '';
  #families: CodecFamily[] = [];
  #support: (DecodeSupport | undefined)[] = [];
  #choice: CodecChoice | null = null;
  #locked = false;

  constructor(options: CodecLockOptions) {
    this.#options = options;
  }

  /**
   * Renditions in the player's order. With `support` (a player that probed already, as shaka does)
   * the choice is made at once; without, a probe starts when they changed and the choice is open.
   */
  update(renditions: readonly ProbeRendition[], support?: readonly (DecodeSupport | undefined)[]): void {
    const key = renditions.map((r) => `${r.codecs}|${r.width}x${r.height}|${r.bitrateBps}`).join(';');
    if (key === this.#key) return;
    this.#key = key;
    this.#families = renditions.map((r) => codecFamily(r.codecs));
    this.#support = support ? [...support] : renditions.map(() => undefined);
    if (this.#locked) {
      // Same family, new renditions (a levels update): keep playing the family already chosen.
      const family = this.#choice?.family;
      this.#choice = family && this.#families.includes(family) ? { family, reason: this.#choice!.reason, renditions: this.#families.flatMap((f, i) => (f === family ? [i] : [])) } : null;
      return;
    }
    this.#choose();
    if (support || new Set(this.#families).size < 2) return;
    const probe = this.#options.probe ?? ((r) => probeDecodeSupport(r));
    void probe(renditions).then(
      (support) => {
        if (this.#locked || key !== this.#key) return;
        this.#support = support;
        const before = this.#choice?.renditions.join(',');
        this.#choose();
        if (this.#choice?.renditions.join(',') !== before) this.#options.onChange();
      },
      () => undefined,
    );
  }

  /** Whether the player's rendition `index` may be played (all, when the ladder has one family). */
  includes(index: number): boolean {
    return this.#choice === null || this.#choice.renditions.includes(index);
  }

  /** The first media request is under way: the choice holds for the rest of the session. */
  lock(): void {
    if (this.#locked) return;
    this.#locked = true;
    if (this.#choice && new Set(this.#families).size > 1) this.#options.onChoice?.(this.#choice);
  }

  get choice(): CodecChoice | null {
    return this.#choice;
  }

  /** A new manifest: a new choice. */
  reset(): void {
    this.#key = '';
    this.#families = [];
    this.#support = [];
    this.#choice = null;
    this.#locked = false;
  }

  #choose(): void {
    if (new Set(this.#families).size < 2) {
      this.#choice = null;
      return;
    }
    const candidates = this.#families.map((family, i) => ({ family, ...(this.#support[i] ? { support: this.#support[i] } : {}) }));
    this.#choice = chooseCodec(candidates, this.#options.preference ? { preference: this.#options.preference } : {});
  }
}
