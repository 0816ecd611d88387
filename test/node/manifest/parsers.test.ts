import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml } from '../../../src/node/manifest/xml.js';
import { parseAttributes, parseMasterPlaylist, parseMediaPlaylist } from '../../../src/node/manifest/hls.js';
import { expandTemplate, looksLikeDash, parseIsoDurationS, parseMpd } from '../../../src/node/manifest/dash.js';
import { parseSidx } from '../../../src/node/manifest/sidx.js';
import { codecFamily, mayBeVideo } from '../../../src/node/manifest/codecs.js';
import { ParseError } from '../../../src/core/errors.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/manifests');
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const BASE = 'http://cdn.example/vod/';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error('expected a ParseError');
}

describe('xml', () => {
  it('reads elements, attributes, text, entities, CDATA; drops namespace prefixes; skips comments and the declaration', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<!-- c -->\n<a:Root x='1' y="a &amp; b">\n <B>t&lt;&#65;&#x42;<![CDATA[<raw>]]></B><C/></a:Root>`, 'f.xml');
    expect(root.name).toBe('Root');
    expect(root.attributes).toEqual({ x: '1', y: 'a & b' });
    expect(root.children.map((c) => c.name)).toEqual(['B', 'C']);
    expect(root.children[0]!.text).toBe('t<AB<raw>');
    expect(root.line).toBe(3);
  });

  it('names the line of a malformed document', () => {
    expect(parseError(() => parseXml('<A>\n<B>\n</A>', 'bad.mpd')).message).toBe('bad.mpd:3: </A> closes <B> (line 2)');
    expect(parseError(() => parseXml('<A>\n<B>', 'open.mpd')).message).toMatch(/^open\.mpd:2: <B> \(line 2\) is never closed/);
    expect(parseError(() => parseXml('<A>&nope;</A>', 'e.mpd')).message).toMatch(/unknown entity &nope;/);
  });
});

describe('codecs', () => {
  it('finds the video codec family in a codecs string', () => {
    expect(codecFamily('avc1.64001f,mp4a.40.2')).toBe('avc');
    expect(codecFamily('mp4a.40.2, hvc1.1.6.L93.B0')).toBe('hevc');
    expect(codecFamily('hev1.2.4.L120.90')).toBe('hevc');
    expect(codecFamily('vp09.00.31.08')).toBe('vp9');
    expect(codecFamily('av01.0.04M.08')).toBe('av1');
    expect(codecFamily('mp4a.40.2')).toBe('unknown');
    expect(codecFamily(undefined)).toBe('unknown');
    expect(mayBeVideo('mp4a.40.2,ec-3')).toBe(false);
    expect(mayBeVideo('avc1.42c00d,mp4a.40.2')).toBe(true);
    expect(mayBeVideo(undefined)).toBe(true);
  });
});

describe('HLS playlists', () => {
  it('attribute lists keep commas inside quotes', () => {
    expect(parseAttributes('BANDWIDTH=100,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=1x2')).toEqual({ BANDWIDTH: '100', CODECS: 'avc1.4d401f,mp4a.40.2', RESOLUTION: '1x2' });
  });

  it('a master playlist: variants with bandwidths, resolution, codecs, audio group; EXT-X-MEDIA renditions', () => {
    const master = parseMasterPlaylist(read('hls-byterange/master.m3u8'), `${BASE}master.m3u8`);
    expect(master.variants.map((v) => [v.uri, v.bandwidthBps, v.averageBandwidthBps, v.width, v.height, v.codecs, v.audioGroup])).toEqual([
      ['avc-360.m3u8', 900000, 800000, 640, 360, 'avc1.64001e,mp4a.40.2', 'aud'],
      ['avc-180.m3u8', 400000, undefined, 320, 180, 'avc1.42c00d,mp4a.40.2', 'aud'],
      ['av1-360.m3u8', 600000, 550000, 640, 360, 'av01.0.04M.08,mp4a.40.2', 'aud'],
      ['av1-180.m3u8', 300000, undefined, 320, 180, 'av01.0.01M.08,mp4a.40.2', 'aud'],
      ['audio.m3u8', 70000, undefined, undefined, undefined, 'mp4a.40.2', 'aud'],
    ]);
    expect(master.variants[0]!.url).toBe(`${BASE}avc-360.m3u8`);
    expect(master.variants[0]!.frameRate).toBe(25);
    expect(master.renditions.map((r) => [r.type, r.groupId, r.name, r.language, r.isDefault, r.url])).toEqual([
      ['AUDIO', 'aud', 'English', 'en', true, `${BASE}audio.m3u8`],
      ['AUDIO', 'aud', 'Commentary', 'en', false, `${BASE}commentary.m3u8`],
    ]);
  });

  it('a media playlist: EXTINF durations, EXT-X-BYTERANGE with and without @offset, EXT-X-MAP with BYTERANGE, ENDLIST', () => {
    const playlist = parseMediaPlaylist(read('hls-byterange/avc-360.m3u8'), `${BASE}avc-360.m3u8`);
    const url = `${BASE}avc-360.mp4`;
    expect(playlist.init).toEqual({ url, byteRange: { offset: 0, length: 700 } });
    expect(playlist.segments).toEqual([
      { url, durationS: 4, byteRange: { offset: 700, length: 400000 } },
      { url, durationS: 4, byteRange: { offset: 400700, length: 410000 } },
      { url, durationS: 2.5, byteRange: { offset: 810700, length: 260000 } },
    ]);
    expect(playlist.endList).toBe(true);
    expect(playlist.targetDurationS).toBe(4);
    expect(playlist.keys).toEqual([]);
  });

  it('EXT-X-KEY is noted per key (METHOD=NONE ends it) and its URI is never a segment', () => {
    const playlist = parseMediaPlaylist(read('hls-key/low/index.m3u8'), `${BASE}low/index.m3u8`);
    expect(playlist.keys).toEqual([
      { method: 'AES-128', url: `${BASE}keys/k1.key` },
      { method: 'AES-128', url: `${BASE}keys/k2.key` },
    ]);
    expect(playlist.segments.map((s) => s.url)).toEqual([0, 1, 2, 3].map((i) => `${BASE}low/seg${i}.m4s`));
    expect(playlist.segments.map((s) => s.durationS)).toEqual([2, 2, 2, 1.5]);
  });

  it('no EXT-X-ENDLIST: live', () => {
    expect(parseMediaPlaylist('#EXTM3U\n#EXTINF:4,\na.ts\n', BASE).endList).toBe(false);
  });

  it('malformed playlists fail with the line', () => {
    expect(parseError(() => parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=oops\nv.m3u8', BASE, 'm.m3u8')).message).toBe("m.m3u8:2: BANDWIDTH must be a positive number, found 'oops'");
    expect(parseError(() => parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', BASE, 'm.m3u8')).message).toBe('m.m3u8:2: EXT-X-STREAM-INF is not followed by a URI line');
    expect(parseError(() => parseMediaPlaylist('#EXTM3U\n#EXT-X-BYTERANGE:10\n#EXTINF:4,\na.mp4', BASE, 'p.m3u8')).message).toBe('p.m3u8:2: EXT-X-BYTERANGE without @offset must follow a byte range of the same resource');
    expect(parseError(() => parseMediaPlaylist('#EXTM3U\na.ts', BASE, 'p.m3u8')).message).toBe("p.m3u8:2: segment URI 'a.ts' has no EXTINF before it");
    expect(parseError(() => parseMediaPlaylist('#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n', BASE, 'p.m3u8')).code).toBe('manifest-parse');
  });
});

describe('DASH MPD', () => {
  const url = 'http://cdn.example/vod/manifest.mpd';

  it('ISO 8601 durations and template identifiers', () => {
    expect(parseIsoDurationS('PT1H2M3.5S', 'f', 1)).toBe(3723.5);
    expect(parseIsoDurationS('P1DT1S', 'f', 1)).toBe(86401);
    expect(() => parseIsoDurationS('P1Y', 'f', 1)).toThrow(ParseError);
    expect(expandTemplate('$RepresentationID$/$Number%05d$-$Time$-$Bandwidth$$$.m4s', { id: 'v', number: 7, time: 90, bandwidthBps: 800 })).toBe('v/00007-90-800$.m4s');
    expect(looksLikeDash(read('dash/timeline.mpd'))).toBe(true);
    expect(looksLikeDash('#EXTM3U')).toBe(false);
  });

  it('SegmentTemplate + SegmentTimeline ($Time$), inherited from the AdaptationSet, BaseURLs on two levels', () => {
    const mpd = parseMpd(read('dash/timeline.mpd'), url);
    expect(mpd.isLive).toBe(false);
    expect(mpd.durationS).toBe(7);
    expect(mpd.representations.map((r) => [r.id, r.contentType, r.bandwidthBps, r.codecs, r.width, r.height])).toEqual([
      ['v720', 'video', 2400000, 'avc1.64001f', 1280, 720],
      ['v360', 'video', 800000, 'avc1.64001e', 640, 360],
      ['v540', 'video', 1500000, 'avc1.64001f', 960, 540],
      ['vp9-540', 'video', 1100000, 'vp09.00.31.08', 960, 540],
      ['a128', 'audio', 128000, 'mp4a.40.2', undefined, undefined],
      ['thumbs', 'other', 1000, undefined, 320, 180],
    ]);
    const v360 = mpd.representations[1]!;
    expect(v360.frameRate).toBeCloseTo(29.97, 2);
    expect(v360.init).toEqual({ url: 'http://cdn.example/vod/media/video/v360/init.mp4' });
    expect(v360.segments).toEqual([0, 180000, 360000, 540000].map((t, i) => ({ url: `http://cdn.example/vod/media/video/v360/t${t}.m4s`, durationS: i === 3 ? 1 : 2 })));
  });

  it('SegmentTemplate with @duration: $Number$ from startNumber, the last segment cut at the Period end', () => {
    const mpd = parseMpd(read('dash/timeline.mpd'), url);
    const vp9 = mpd.representations.find((r) => r.id === 'vp9-540')!;
    expect(vp9.segments.map((s) => [s.url.replace('http://cdn.example/vod/media/', ''), s.durationS])).toEqual([
      ['vp9/1100000/0.webm', 2],
      ['vp9/1100000/1.webm', 2],
      ['vp9/1100000/2.webm', 2],
      ['vp9/1100000/3.webm', 1],
    ]);
    const audio = mpd.representations.find((r) => r.id === 'a128')!;
    expect(audio.language).toBe('en');
    expect(audio.segments.map((s) => s.url.replace('http://cdn.example/vod/media/', ''))).toEqual(['audio/a128-00001.m4s', 'audio/a128-00002.m4s', 'audio/a128-00003.m4s', 'audio/a128-00004.m4s']);
  });

  it('S@r="-1" repeats to the Period end', () => {
    const text = `<MPD mediaPresentationDuration="PT10S"><Period><AdaptationSet contentType="video">
      <SegmentTemplate timescale="10" media="$Number$.m4s"><SegmentTimeline><S t="0" d="40" r="-1"/></SegmentTimeline></SegmentTemplate>
      <Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>`;
    expect(parseMpd(text, url).representations[0]!.segments.map((s) => [s.url.split('/').pop(), s.durationS])).toEqual([
      ['1.m4s', 4],
      ['2.m4s', 4],
      ['3.m4s', 4],
    ]);
  });

  it("the innermost level's kind of segment information wins; a first S without @t starts at 0", () => {
    const text = `<MPD mediaPresentationDuration="PT4S"><Period><AdaptationSet contentType="video">
      <SegmentTemplate timescale="1" duration="2" media="$Number$.m4s"/>
      <Representation id="t" bandwidth="1"/>
      <Representation id="b" bandwidth="2"><BaseURL>b.mp4</BaseURL><SegmentBase indexRange="10-20"/></Representation>
      <Representation id="s" bandwidth="3"><SegmentTemplate presentationTimeOffset="100" media="$Time$.m4s"><SegmentTimeline><S d="2" r="1"/></SegmentTimeline></SegmentTemplate></Representation>
      </AdaptationSet></Period></MPD>`;
    const [t, b, s] = parseMpd(text, url).representations;
    expect(t!.segments.map((x) => x.url.split('/').pop())).toEqual(['1.m4s', '2.m4s']);
    expect(b!.index).toEqual({ url: 'http://cdn.example/vod/b.mp4', byteRange: { offset: 10, length: 11 } });
    expect(b!.segments).toEqual([]);
    expect(s!.segments.map((x) => x.url.split('/').pop())).toEqual(['0.m4s', '2.m4s']);
  });

  it('SegmentList with mediaRange (ffmpeg single-file output)', () => {
    const mpd = parseMpd(read('dash/list.mpd'), url);
    const rep = mpd.representations[0]!;
    const file = 'http://cdn.example/vod/sidx-video.mp4';
    expect(rep.init).toEqual({ url: file, byteRange: { offset: 0, length: 888 } });
    expect(rep.segments).toEqual([
      { url: file, durationS: 2, byteRange: { offset: 888, length: 1443 } },
      { url: file, durationS: 2, byteRange: { offset: 2331, length: 771 } },
      { url: file, durationS: 2, byteRange: { offset: 3102, length: 1040 } },
    ]);
  });

  it('SegmentBase: the segments are left to the sidx at indexRange', () => {
    const rep = parseMpd(read('dash/base.mpd'), url).representations[0]!;
    expect(rep.segments).toEqual([]);
    expect(rep.index).toEqual({ url: 'http://cdn.example/vod/sidx-video.mp4', byteRange: { offset: 812, length: 76 } });
    expect(rep.init).toEqual({ url: 'http://cdn.example/vod/sidx-video.mp4', byteRange: { offset: 0, length: 812 } });
    expect(rep.frameRate).toBe(5);
  });

  it('several Periods are joined per Representation id', () => {
    const period = (start: number) => `<Period start="PT${start}S"><AdaptationSet contentType="video"><SegmentTemplate timescale="1" duration="2" media="p${start}-$Number$.m4s"/><Representation id="v" bandwidth="5"/></AdaptationSet></Period>`;
    const mpd = parseMpd(`<MPD mediaPresentationDuration="PT6S">${period(0)}${period(4)}</MPD>`, url);
    expect(mpd.representations[0]!.segments.map((s) => s.url.split('/').pop())).toEqual(['p0-1.m4s', 'p0-2.m4s', 'p4-1.m4s']);
  });

  it('malformed MPDs fail with file and line', () => {
    expect(parseError(() => parseMpd('<MPD>\n<Period>\n<AdaptationSet><Representation id="v"/></AdaptationSet></Period></MPD>', url, 'x.mpd')).message).toBe('x.mpd:3: Representation v: bandwidth must be a positive number');
    expect(parseError(() => parseMpd('<MPD>\n<Period><AdaptationSet><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>', url, 'x.mpd')).message).toBe('x.mpd:2: Representation v has no SegmentTemplate, SegmentList or SegmentBase');
    expect(parseError(() => parseMpd('<MPD><Period><AdaptationSet><SegmentTemplate media="$Number$" duration="2"/><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>', url, 'x.mpd')).message).toMatch(/needs a Period duration or mediaPresentationDuration/);
    expect(parseError(() => parseMpd('<MPD><Period><AdaptationSet><Representation id="v" bandwidth="1"><SegmentBase/></Representation></AdaptationSet></Period></MPD>', url, 'x.mpd')).message).toMatch(/SegmentBase without indexRange/);
  });
});

describe('sidx', () => {
  const mp4 = readFileSync(join(FIXTURES, 'dash/sidx-video.mp4'));

  it("reads ffmpeg's global sidx: the same ranges as its SegmentList", () => {
    expect(parseSidx(mp4.subarray(812, 888), 812, 'sidx-video.mp4')).toEqual([
      { byteRange: { offset: 888, length: 1443 }, durationS: 2 },
      { byteRange: { offset: 2331, length: 771 }, durationS: 2 },
      { byteRange: { offset: 3102, length: 1040 }, durationS: 2 },
    ]);
  });

  it('skips boxes before the sidx in the range, and says when there is none', () => {
    expect(parseSidx(mp4.subarray(0, 888), 0, 'f')).toHaveLength(3);
    expect(() => parseSidx(mp4.subarray(0, 812), 0, 'f.mp4')).toThrow(/f\.mp4: sidx at byte 0: no sidx box in the index range/);
    expect(() => parseSidx(mp4.subarray(812, 850), 812, 'f.mp4')).toThrow(/the box is 76 bytes, the index range holds 38/);
  });
});
