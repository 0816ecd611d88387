import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectStream } from '../../../src/node/manifest/inspect.js';
import { toSimVideo } from '../../../src/node/manifest/to-sim-video.js';
import { readStreamInfo, type StreamInfo } from '../../../src/node/harness/stream.js';
import { startFixtureServer, type FixtureServer } from './fixture-server.js';

/**
 * The harness's own test stream, made short (8 s) by scripts/setup-media.sh into a temporary folder
 * (ffmpeg, a few seconds): inspecting its HLS master and DASH MPD, from disk and over HTTP, must give
 * the ladder in its stream.json and exactly the sizes of the segment files on disk.
 */
const ROOT = join(import.meta.dirname, '../../..');
let dir: string;
let info: StreamInfo;
let server: FixtureServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'abrkit-stream-'));
  execFileSync('bash', [join(ROOT, 'scripts/setup-media.sh'), '--duration', '8', '--out', dir], { stdio: 'pipe' });
  info = readStreamInfo(dir);
  server = await startFixtureServer(dir);
}, 180_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sizeOnDisk = (url: string) => statSync(url.startsWith('file:') ? fileURLToPath(url) : join(dir, new URL(url).pathname)).size;
/** Segment files in a folder matching `re`, in name order, with their sizes. */
const filesLike = (folder: string, re: RegExp) =>
  readdirSync(join(dir, folder))
    .filter((name) => re.test(name))
    .sort()
    .map((name) => statSync(join(dir, folder, name)).size);

// Each case reads 6 rungs' playlists and sizes (HEAD over loopback for http): generous on a busy machine.
describe('inspectStream on the generated test stream', { timeout: 30_000 }, () => {
  for (const where of ['disk', 'http'] as const) {
    const source = (path: string) => (where === 'disk' ? join(dir, path) : `${server.origin}/${path}`);

    it(`HLS master (${where}): the stream.json ladder, every segment file's size`, async () => {
      const stream = await inspectStream(source(info.hls));
      expect(stream.video.map((v) => v.bitrateBps)).toEqual(info.ladderKbps.map((kbps) => kbps * 1000));
      stream.video.forEach((v, i) => {
        expect(v.audioMuxed).toBe(true);
        expect(v.segments.map((s) => s.sizeBytes)).toEqual(filesLike(`hls/r${i}`, /^seg\d+\.m4s$/));
        expect(v.segments.map((s) => s.sizeBytes)).toEqual(v.segments.map((s) => sizeOnDisk(s.url)));
        expect(v.segments.reduce((sum, s) => sum + s.durationS, 0)).toBeCloseTo(info.durationS, 1);
      });
      const video = toSimVideo(stream);
      expect(video.segmentDurationS).toBe(info.segmentDurationS);
      expect(video.segmentSizesBytes[0]).toEqual(info.ladderKbps.map((_, i) => filesLike(`hls/r${i}`, /^seg\d+\.m4s$/)[0]));
    });

    it(`DASH MPD (${where}): every video segment file's size; audio added per segment in the sim ladder`, async () => {
      const stream = await inspectStream(source(info.dash));
      expect(stream.video).toHaveLength(info.ladderKbps.length);
      expect(stream.audio).toHaveLength(1);
      const segments = info.durationS / info.segmentDurationS;
      stream.video.forEach((v, i) => {
        expect(v.init?.url.endsWith(`init-${v.id}.mp4`)).toBe(true);
        expect(v.segments.map((s) => s.sizeBytes)).toEqual(filesLike('dash', new RegExp(`^seg-${v.id}-\\d+\\.m4s$`)));
        expect(v.segments).toHaveLength(segments);
        expect(v.id).toBe(String(i));
      });
      const audio = stream.audio[0]!;
      // ffmpeg writes one audio segment past the MPD's duration, which no player requests: the MPD's come first.
      const audioFiles = filesLike('dash', new RegExp(`^seg-${audio.id}-\\d+\\.m4s$`));
      expect(audio.segments.map((s) => s.sizeBytes)).toEqual(audioFiles.slice(0, segments));
      const video = toSimVideo(stream);
      expect(video.segmentSizesBytes).toEqual(
        Array.from({ length: segments }, (_, n) => stream.video.map((v) => v.segments[n]!.sizeBytes + audio.segments[n]!.sizeBytes)),
      );
      expect(video.renditions.map((r) => r.bitrateBps)).toEqual(stream.video.map((v) => v.bitrateBps + audio.bitrateBps!));
    });
  }
});
