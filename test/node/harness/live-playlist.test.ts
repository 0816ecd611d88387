import { describe, expect, it } from 'vitest';
import { isMediaPlaylist, livePlaylist } from '../../../src/node/harness/live-playlist.js';

const vod = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-MAP:URI="init.mp4"',
  ...Array.from({ length: 10 }, (_, i) => [`#EXTINF:4.000000,`, `seg${String(i).padStart(3, '0')}.m4s`]).flat(),
  '#EXT-X-ENDLIST',
  '',
].join('\n');

const uris = (text: string) => text.split('\n').filter((l) => l.startsWith('seg'));

describe('livePlaylist', () => {
  it('publishes the initial segments, then one per segment duration, in a sliding window without an end', () => {
    const at0 = livePlaylist(vod, { initialSegments: 3, windowSegments: 4, elapsedS: 0 });
    expect(uris(at0)).toEqual(['seg000.m4s', 'seg001.m4s', 'seg002.m4s']);
    expect(at0).toContain('#EXT-X-MEDIA-SEQUENCE:0');
    expect(at0).toContain('#EXT-X-MAP:URI="init.mp4"');
    expect(at0).not.toMatch(/ENDLIST|PLAYLIST-TYPE/);
    expect(at0.indexOf('#EXT-X-MEDIA-SEQUENCE')).toBeLessThan(at0.indexOf('#EXTINF'));

    const at9 = livePlaylist(vod, { initialSegments: 3, windowSegments: 4, elapsedS: 9.5 });
    expect(uris(at9)).toEqual(['seg001.m4s', 'seg002.m4s', 'seg003.m4s', 'seg004.m4s']);
    expect(at9).toContain('#EXT-X-MEDIA-SEQUENCE:1');
    expect(at9.match(/#EXT-X-MEDIA-SEQUENCE/g)).toHaveLength(1);
  });

  it('stops at the last segment, still live', () => {
    const late = livePlaylist(vod, { initialSegments: 3, windowSegments: 4, elapsedS: 1000 });
    expect(uris(late)).toEqual(['seg006.m4s', 'seg007.m4s', 'seg008.m4s', 'seg009.m4s']);
    expect(late).not.toContain('ENDLIST');
  });

  it('tells media playlists from master playlists, and rejects one without segments', () => {
    expect(isMediaPlaylist(vod)).toBe(true);
    expect(isMediaPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000\nr0/index.m3u8\n')).toBe(false);
    expect(() => livePlaylist('#EXTM3U\n', { initialSegments: 1, windowSegments: 1, elapsedS: 0 })).toThrow(/no segments/);
  });
});
