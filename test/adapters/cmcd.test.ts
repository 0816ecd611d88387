import { describe, expect, it } from 'vitest';
import { fromCmcdQuery, validateCmcd } from '@svta/cml-cmcd';
import { appendCmcdQuery, encodeCmcdRequest, relativePath, resolveCmcdOptions } from '../../src/adapters/cmcd.js';
import { AbrkitError } from '../../src/core/errors.js';

/** The CMCD data on a URL, decoded by cml-cmcd from the query as a server would read it. */
const fromCmcdUrl = (url: string) => fromCmcdQuery(new URL(url, 'https://origin.example/').searchParams);

/** abrkit's CMCD v2 encoder against @svta/cml-cmcd's decoder and validator (a devDependency only). */
describe('CMCD v2 request keys', () => {
  it('encodes the request keys from abrkit state, and cml-cmcd decodes them to the same values', () => {
    const dictionary = encodeCmcdRequest(
      { objectType: 'v', bitrateBps: 4_300_000, bufferS: 12.34, throughputBps: 6_260_000, nextObject: 'seg-8.m4s', startup: true, backgrounded: true },
      { sessionId: 'abc-123', contentId: 'envivio' },
    );
    expect(dictionary).toBe('bg,bl=(12300),br=(4300),cid="envivio",mtp=(6300),nor=("seg-8.m4s"),ot=v,rtp=8600,sid="abc-123",su,v=2');
    const url = appendCmcdQuery('https://cdn.example/r5/seg-7.m4s?token=t#x', dictionary);
    expect(url.startsWith('https://cdn.example/r5/seg-7.m4s?token=t&CMCD=')).toBe(true);
    const decoded = fromCmcdUrl(url);
    expect(decoded).toMatchObject({ bg: true, bl: [12300], br: [4300], cid: 'envivio', mtp: [6300], nor: ['seg-8.m4s'], ot: 'v', rtp: 8600, sid: 'abc-123', su: true, v: 2 });
    const verdict = validateCmcd(decoded);
    expect(verdict.issues.filter((i) => i.severity === 'error'), JSON.stringify(verdict.issues)).toEqual([]);
  });

  it('sends only what is known; never a false boolean', () => {
    const dictionary = encodeCmcdRequest({ objectType: 'av', bitrateBps: 300_000, throughputBps: null, startup: false, backgrounded: false }, { rtpFactor: 0 });
    expect(dictionary).toBe('br=(300),ot=av,v=2');
    expect(fromCmcdUrl(appendCmcdQuery('/media/a.ts', dictionary))).toEqual({ br: [300], ot: 'av', v: 2 });
    // A CMCD already on the URL (a retry) is replaced, not repeated.
    expect(appendCmcdQuery(appendCmcdQuery('/a.ts?x=1', 'ot=v,v=2'), 'ot=a,v=2')).toBe('/a.ts?x=1&CMCD=ot%3Da%2Cv%3D2');
  });

  it('escapes strings, resolves nor relative to the request, and validates options', () => {
    const decoded = fromCmcdUrl(appendCmcdQuery('/a', encodeCmcdRequest({ objectType: 'v' }, { sessionId: 'a"b\\c' })));
    expect(decoded.sid).toBe('a"b\\c');
    expect(relativePath('https://cdn.example/r5/seg-7.m4s?t=1', 'https://cdn.example/r5/seg-8.m4s')).toBe('seg-8.m4s');
    expect(relativePath('https://cdn.example/r5/seg-7.m4s', 'https://cdn.example/r4/seg-8.m4s')).toBe('https://cdn.example/r4/seg-8.m4s');
    expect(() => resolveCmcdOptions({ rtpFactor: -1 })).toThrow(AbrkitError);
    expect(() => resolveCmcdOptions({ sessionId: 'x'.repeat(65) })).toThrow(AbrkitError);
    expect(resolveCmcdOptions(undefined)).toBeNull();
    expect(resolveCmcdOptions(true)).toEqual({ rtpFactor: 2 });
  });
});

describe('CMCD in the adapters', () => {
  it('hls.js: the fragment loader abrkit installs puts abrkit state on each fragment URL', async () => {
    const { AbrkitHlsController } = await import('../../src/hls.js');
    const { ManualClock } = await import('../../src/core/clock.js');
    const loaded: string[] = [];
    class RecordingLoader {
      load(context: { url: string }) {
        loaded.push(context.url);
      }
      abort() {}
      destroy() {}
    }
    const fragments = [0, 1, 2].map((sn) => ({ sn, url: `https://cdn.example/r1/seg-${sn}.m4s` }));
    const listeners = new Map<string, (e: string, d: unknown) => void>();
    const hls = {
      constructor: { Events: { MANIFEST_PARSED: 'parsed', FRAG_LOADED: 'loaded' } },
      config: { abrEwmaDefaultEstimate: 500_000, loader: RecordingLoader } as Record<string, unknown>,
      levels: [{ bitrate: 1_200_000, averageBitrate: 1_000_000, videoCodec: 'avc1.42c01f', audioCodec: 'mp4a.40.2', width: 0, height: 0, details: { startSN: 0, fragments } }],
      minAutoLevel: 0,
      maxAutoLevel: 0,
      media: { seeking: false },
      mainForwardBufferInfo: { len: 7.26 },
      on: (e: string, fn: (e: string, d: unknown) => void) => listeners.set(e, fn),
      off: () => undefined,
    };
    new AbrkitHlsController(hls as never, { policy: 'rate', clock: new ManualClock(), abandon: false, cmcd: { sessionId: 's1' } });
    listeners.get('parsed')!('parsed', {});
    const stats = { aborted: false, loaded: 500_000, total: 500_000, loading: { start: 0, first: 40, end: 1000 } };
    listeners.get('loaded')!('loaded', { frag: { type: 'main', sn: 0, level: 0, stats, duration: 4, url: fragments[0]!.url }, part: null }); // 4 Mbit/s
    const Loader = hls.config.fLoader as new (c: unknown) => { load(context: unknown, config: unknown, callbacks: unknown): void };
    new Loader(hls.config).load({ url: fragments[1]!.url, frag: { type: 'main', sn: 1, level: 0, url: fragments[1]!.url } }, {}, {});
    expect(loaded[0]!.startsWith('https://cdn.example/r1/seg-1.m4s?CMCD=')).toBe(true);
    expect(fromCmcdUrl(loaded[0]!)).toEqual({ bl: [7300], br: [1200], mtp: [4000], nor: ['seg-2.m4s'], ot: 'av', rtp: 2400, sid: 's1', v: 2 });
  });

  it('shaka: a request filter on the networking engine does the same for segment requests only', async () => {
    const { createAbrManager } = await import('../../src/shaka.js');
    let filter: ((type: number, request: { uris: string[] }, context?: unknown) => void) | null = null;
    const player = Object.assign(new EventTarget(), { getNetworkingEngine: () => ({ registerRequestFilter: (f: typeof filter) => (filter = f), unregisterRequestFilter: () => (filter = null) }) });
    const manager = createAbrManager({ policy: 'rate', player: player as never, cmcd: true });
    const refs = [0, 4, 8].map((t) => ({ getStartTime: () => t, getUris: () => [`https://cdn.example/v/seg-${t / 4}.m4s`] }));
    const stream = { type: 'video', bandwidth: 2_850_000, segmentIndex: { find: (t: number) => t / 4, get: (p: number) => refs[p] ?? null } };
    const request = { uris: ['https://cdn.example/v/seg-0.m4s'] };
    filter!(1, request, { type: 1, stream, segment: refs[0] });
    expect(fromCmcdUrl(request.uris[0]!)).toEqual({ bl: [0], br: [2850], nor: ['seg-1.m4s'], ot: 'v', rtp: 5700, su: true, v: 2 });
    const manifest = { uris: ['https://cdn.example/manifest.mpd'] };
    filter!(0, manifest);
    expect(manifest.uris[0]).toBe('https://cdn.example/manifest.mpd');
    manager.release();
    expect(filter).toBeNull();
    expect(() => createAbrManager({ cmcd: true })).toThrow(AbrkitError);
  });
});
