import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llHlsPlaylist, llHlsResource, partsNeeded, publishedParts, publishTimeS, splitFragments, type LlHlsStream, type LlHlsTiming } from '../../../src/node/harness/ll-hls.js';
import { startHarnessServer, type HarnessServer } from '../../../src/node/harness/server.js';
import { summarizeLatency } from '../../../src/node/harness/live-metrics.js';

const timing: LlHlsTiming = { partDurationS: 1, partsPerSegment: 4, initialSegments: 2, windowSegments: 3 };
const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

/** An ISO-BMFF box of `type` with `payload` bytes. */
function box(type: string, payload = 4): Buffer {
  const b = Buffer.alloc(8 + payload, 7);
  b.writeUInt32BE(8 + payload, 0);
  b.write(type, 4, 'latin1');
  return b;
}

describe('LL-HLS playlists', () => {
  it('publishes the initial segments, then one part per part duration, the same for every rendition', () => {
    expect(publishedParts(timing, 40, 0)).toBe(8);
    expect(publishedParts(timing, 40, 2.9)).toBe(10);
    expect(publishedParts(timing, 40, 1000)).toBe(40);
    expect(publishTimeS(timing, 10)).toBe(2);
    expect(publishTimeS(timing, 3)).toBe(0);
    expect(partsNeeded(timing, 2, 1)).toBe(10);
    expect(partsNeeded(timing, 2, null)).toBe(12);
  });

  it('lists parts of the newest segments, the partial segment, a preload hint and the server control tags', () => {
    const text = llHlsPlaylist(timing, 40, 22); // 5 whole segments and 2 parts of the sixth
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.000');
    expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=1.00000');
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:2');
    expect(lines(text, 's')).toEqual(['s2.m4s', 's3.m4s', 's4.m4s']);
    // Parts of the last three whole segments and of the one in progress, the first of each independent.
    const parts = lines(text, '#EXT-X-PART:');
    expect(parts).toHaveLength(14);
    expect(parts[0]).toBe('#EXT-X-PART:DURATION=1.00000,URI="p2.0.m4s",INDEPENDENT=YES');
    expect(parts.at(-1)).toBe('#EXT-X-PART:DURATION=1.00000,URI="p5.1.m4s"');
    expect(lines(text, '#EXT-X-PRELOAD-HINT')).toEqual(['#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p5.2.m4s"']);
    expect(text).not.toContain('ENDLIST');
    // The partial segment's parts come after the last whole segment.
    expect(text.indexOf('p5.0.m4s')).toBeGreaterThan(text.indexOf('s4.m4s'));
  });

  it('ends the stream when every part is out, with a short last segment', () => {
    const text = llHlsPlaylist(timing, 38, 38);
    expect(text).toContain('#EXT-X-ENDLIST');
    expect(text).not.toContain('PRELOAD-HINT');
    expect(lines(text, 's').at(-1)).toBe('s9.m4s');
    expect(text).toContain('#EXTINF:2.00000,\ns9.m4s');
  });

  it('splits a fragmented MP4 into the init and moof+mdat parts, and rejects other files', () => {
    const init = Buffer.concat([box('ftyp'), box('moov', 20)]);
    const f1 = Buffer.concat([box('moof', 12), box('mdat', 100)]);
    const f2 = Buffer.concat([box('moof', 12), box('mdat', 50)]);
    const split = splitFragments(Buffer.concat([init, f1, f2, box('mfra')]));
    expect(split.init.equals(init)).toBe(true);
    expect(split.fragments.map((f) => f.length)).toEqual([f1.length, f2.length]);
    expect(split.fragments[1]!.equals(f2)).toBe(true);
    expect(() => splitFragments(Buffer.concat([init, box('mdat')]))).toThrow(/not a fragmented/);
    expect(() => splitFragments(Buffer.concat([init, box('moof')]))).toThrow(/moof without mdat/);
  });
});

describe('LL-HLS from the harness server', () => {
  // Tiny parts, 0.2 s each, so a blocking request waits about a part.
  const fast: LlHlsTiming = { partDurationS: 0.2, partsPerSegment: 4, initialSegments: 1, windowSegments: 3 };
  const part = (rendition: number, i: number) => Buffer.from(`r${rendition} part ${i}`);
  const stream: LlHlsStream = {
    master: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nr0/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nr1/index.m3u8\n',
    renditions: new Map([0, 1].map((r) => [`r${r}`, { init: Buffer.from(`init ${r}`), parts: Array.from({ length: 12 }, (_, i) => part(r, i)) }])),
    timing: fast,
  };
  let server: HarnessServer;
  const get = async (path: string) => {
    const res = await fetch(`${server.origin}/media/ll-hls/${path}`);
    return { status: res.status, text: await res.text() };
  };
  beforeAll(async () => {
    server = await startHarnessServer({ mediaDir: '/nonexistent', appFiles: new Map() });
    server.startSession({ trace: { name: 'flat', timesS: Float64Array.of(0, 100), mbps: Float64Array.of(50, 50), shiftedByS: 0 }, rttMs: 1, llHls: stream });
  });
  afterAll(() => server.close());

  it('serves a blocking reload once the asked part is out, the same media sequence on every rendition', async () => {
    const [r0, r1] = await Promise.all([get('r0/index.m3u8?_HLS_msn=2&_HLS_part=1'), get('r1/index.m3u8?_HLS_msn=2&_HLS_part=1')]);
    expect(r0.status).toBe(200);
    expect(r0.text).toContain('URI="p2.1.m4s"');
    const seq = (t: string) => lines(t, '#EXT-X-MEDIA-SEQUENCE');
    expect(seq(r1.text)).toEqual(seq(r0.text));
  });

  it('holds a hinted part until it is published, serves whole segments as their parts, 404 past the end', async () => {
    expect(await get('r1/p2.3.m4s')).toEqual({ status: 200, text: part(1, 11).toString() });
    expect((await get('r0/s1.m4s')).text).toBe([4, 5, 6, 7].map((i) => part(0, i).toString()).join(''));
    expect((await get('r0/p3.0.m4s')).status).toBe(404);
    expect((await get('r2/index.m3u8')).status).toBe(404);
    expect((await get('master.m3u8')).text).toBe(stream.master);
    expect(llHlsResource(stream, 'r0/p0.4.m4s')).toBeNull();
  });
});

describe('summarizeLatency', () => {
  it('is the edge minus the playhead per sample, with the share near the target and off rate 1', () => {
    const samples = [0, 1, 2, 3].map((i) => ({ wallMs: 1000 * i, timeS: i - [3, 3.4, 4, 2][i]!, rate: i === 2 ? 1.05 : 1 }));
    const summary = summarizeLatency(samples, (wallMs) => wallMs / 1000, 3)!;
    expect(summary.latenciesS.map((x) => +x.toFixed(6))).toEqual([3, 3.4, 4, 2]);
    expect(summary.latencyS).toBeCloseTo(3.1, 9);
    expect(summary.latencyP95S).toBeCloseTo(4, 9);
    expect(summary.atTargetShare).toBe(0.5);
    expect(summary.catchUpShare).toBe(0.25);
    expect(summarizeLatency([], () => 0, 3)).toBeNull();
  });
});
