import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { inspectStream } from '../../../src/node/manifest/inspect.js';
import { codecFamilies, toSimVideo } from '../../../src/node/manifest/to-sim-video.js';
import type { InspectedStream, MediaSegment, VideoVariant } from '../../../src/node/manifest/types.js';
import { AbrkitError } from '../../../src/core/errors.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/manifests');

const segments = (sizes: number[], durationS = 2): MediaSegment[] => sizes.map((sizeBytes, i) => ({ url: `s${i}`, durationS, sizeBytes }));
const variant = (id: string, bitrateBps: number, family: VideoVariant['codecFamily'], sizes: number[], audioMuxed = false): VideoVariant => ({
  id,
  bitrateBps,
  peakBitrateBps: bitrateBps,
  codecFamily: family,
  audioMuxed,
  playlistUrl: 'x',
  segments: segments(sizes),
  encryption: null,
});
const stream = (kind: 'hls' | 'dash', video: VideoVariant[], audio: InspectedStream['audio'] = []): InspectedStream => ({ kind, manifestUrl: 'm', isLive: false, video, audio, encryption: null, warnings: [] });

describe('toSimVideo', () => {
  it('HLS with separate audio: a tie between AV1 and AVC goes to AV1; the default audio rendition is added to each segment', async () => {
    const inspected = await inspectStream(join(FIXTURES, 'hls-byterange/master.m3u8'));
    expect(codecFamilies(inspected)).toEqual([
      { family: 'av1', rungs: 2 },
      { family: 'avc', rungs: 2 },
    ]);
    const warnings: string[] = [];
    const video = toSimVideo(inspected, { onWarning: (w) => warnings.push(w) });
    expect(video.renditions.map((r) => [r.id, r.bitrateBps, r.codecs, r.height])).toEqual([
      ['av1-180.m3u8', 300000, 'av01.0.01M.08,mp4a.40.2', 180],
      ['av1-360.m3u8', 550000, 'av01.0.04M.08,mp4a.40.2', 360],
    ]);
    // video + "English" (DEFAULT=YES) audio
    expect(video.segmentSizesBytes).toEqual([
      [150000 + 32000, 275000 + 32000],
      [140000 + 32100, 270000 + 32100],
      [90000 + 20000, 170000 + 20000],
    ]);
    expect(video.segmentDurationS).toBe(4); // the median: the short last segment does not set it
    expect(warnings).toEqual(['several codecs (av1 2, avc 2); the ladder keeps av1, choose another with the codec option']);

    const avc = toSimVideo(inspected, { codec: 'avc', audio: 'aud/Commentary' });
    expect(avc.renditions.map((r) => r.bitrateBps)).toEqual([400000, 800000]);
    expect(avc.segmentSizesBytes[0]).toEqual([200000 + 16000, 400000 + 16000]);
    expect(() => toSimVideo(inspected, { codec: 'hevc' })).toThrow(/the stream has no hevc variants; it has av1 \(2 rungs\), avc \(2 rungs\)/);
    expect(() => toSimVideo(inspected, { audio: 'nope' })).toThrow(/no audio rendition 'nope'; the stream has aud\/English, aud\/Commentary/);
  });

  it('muxed HLS: the segment sizes as they are', async () => {
    const video = toSimVideo(await inspectStream(join(FIXTURES, 'hls-key/master.m3u8')));
    expect(video.segmentSizesBytes).toEqual([
      [1128, 2256],
      [1316, 2444],
      [940, 2068],
      [752, 1504],
    ]);
    expect(video.segmentDurationS).toBe(2);
  });

  it('the family with the most rungs wins over a more efficient one', () => {
    const s = stream('hls', [variant('a', 1, 'avc', [1], true), variant('b', 2, 'avc', [2], true), variant('c', 3, 'av1', [3], true)]);
    expect(toSimVideo(s).renditions.map((r) => r.id)).toEqual(['a', 'b']);
    expect(toSimVideo(s, { codec: 'av1' }).renditions.map((r) => r.id)).toEqual(['c']);
  });

  it("DASH: the audio's bandwidth is added to each rung's; audio segments that do not line up are shared out by time", () => {
    const audio = { id: 'a', isDefault: true, bitrateBps: 64000, segments: [...segments([300, 300, 300], 1.5), ...segments([150], 1.5)], encryption: null };
    // Video 2+2+2 s; audio 1.5 s each: [0,1.5) [1.5,3) [3,4.5) [4.5,6).
    const s = stream('dash', [variant('v', 500000, 'avc', [1000, 1000, 1000]), variant('w', 900000, 'avc', [2000, 2000, 2000])], [audio]);
    const warnings: string[] = [];
    const video = toSimVideo(s, { onWarning: (w) => warnings.push(w) });
    expect(video.renditions.map((r) => r.bitrateBps)).toEqual([564000, 964000]);
    // Segment 0 takes audio 0 and a third of audio 1; segment 1 the rest of 1 and two thirds of 2; segment 2 the rest.
    expect(video.segmentSizesBytes).toEqual([
      [1000 + 300 + 100, 2000 + 300 + 100],
      [1000 + 200 + 200, 2000 + 200 + 200],
      [1000 + 100 + 150, 2000 + 100 + 150],
    ]);
    expect(warnings).toEqual(['audio a has 4 segments for 3 video segments; its bytes are shared out by time']); // once, not per rung
  });

  it('rungs with different segment counts keep the shortest, and say so', () => {
    const s = stream('hls', [variant('a', 1, 'avc', [1, 1, 1], true), variant('b', 2, 'avc', [2, 2], true)]);
    const warnings: string[] = [];
    expect(toSimVideo(s, { onWarning: (w) => warnings.push(w) }).segmentSizesBytes).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(warnings).toEqual(['rungs have 2..3 segments; the ladder keeps the first 2']);
    expect(() => toSimVideo(stream('hls', [variant('a', 1, 'avc', [], true)]))).toThrow(AbrkitError);
  });
});
