/**
 * CMCD on hls.js's fragment requests: wraps the configured fragment loader (`fLoader`, else
 * `loader`) so each fragment's URL carries the CMCD v2 keys from abrkit's state. hls.js reads
 * `config.fLoader` at every fragment load, so installing it from the ABR controller's constructor
 * takes effect from the first fragment.
 */
import type Hls from 'hls.js';
import type { Fragment, FragmentLoaderConstructor, FragmentLoaderContext, HlsConfig, Loader, LoaderCallbacks, LoaderConfiguration } from 'hls.js';
import { appendCmcdQuery, encodeCmcdRequest, pageHidden, relativePath, type CmcdObjectType, type CmcdOptions, type CmcdRequestState } from '../cmcd.js';

/** Buffer below this (s), or a seek, marks a request as urgent (`su`). */
const URGENT_BUFFER_S = 1;

/** The CMCD state of one fragment request, from hls.js's levels and abrkit's estimate. */
export function hlsCmcdState(hls: Hls, frag: Fragment, throughputBps: number | null): CmcdRequestState {
  const isMain = String(frag.type) === 'main';
  const level = isMain ? hls.levels[frag.level] : undefined;
  const init = frag.sn === 'initSegment';
  const objectType: CmcdObjectType = init ? 'i' : !isMain ? (String(frag.type) === 'audio' ? 'a' : 'c') : level?.audioCodec || !level?.videoCodec ? 'av' : 'v';
  const media = hls.media;
  const bufferS = isMain ? (hls.mainForwardBufferInfo?.len ?? 0) : undefined;
  let nextObject: string | undefined;
  const details = level?.details;
  if (details && typeof frag.sn === 'number') {
    const next = details.fragments[frag.sn - details.startSN + 1];
    if (next) nextObject = relativePath(frag.url, next.url);
  }
  return {
    objectType,
    ...(level ? { bitrateBps: level.bitrate } : {}),
    ...(bufferS === undefined || init ? {} : { bufferS }),
    throughputBps,
    ...(nextObject && !init ? { nextObject } : {}),
    startup: !init && ((bufferS ?? Infinity) < URGENT_BUFFER_S || media?.seeking === true),
    backgrounded: pageHidden(),
  };
}

/** Installs the CMCD fragment loader on this hls.js instance. */
export function installHlsCmcd(hls: Hls, options: CmcdOptions, throughputBps: () => number | null): void {
  const config = hls.config as HlsConfig;
  const Base = (config.fLoader ?? config.loader) as FragmentLoaderConstructor;
  class CmcdFragmentLoader implements Loader<FragmentLoaderContext> {
    readonly #inner: Loader<FragmentLoaderContext>;
    constructor(loaderConfig: HlsConfig) {
      this.#inner = new Base(loaderConfig);
    }
    get context() {
      return this.#inner.context;
    }
    get stats() {
      return this.#inner.stats;
    }
    load(context: FragmentLoaderContext, loaderConfig: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
      if (context.frag) context.url = appendCmcdQuery(context.url, encodeCmcdRequest(hlsCmcdState(hls, context.frag, throughputBps()), options));
      this.#inner.load(context, loaderConfig, callbacks);
    }
    abort(): void {
      this.#inner.abort();
    }
    destroy(): void {
      this.#inner.destroy();
    }
    getCacheAge(): number | null {
      return this.#inner.getCacheAge?.() ?? null;
    }
    getResponseHeader(name: string): string | null {
      return this.#inner.getResponseHeader?.(name) ?? null;
    }
  }
  config.fLoader = CmcdFragmentLoader;
}
