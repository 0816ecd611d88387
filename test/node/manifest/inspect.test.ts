import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspectStream } from '../../../src/node/manifest/inspect.js';
import { AbrkitError, type AbrkitErrorCode } from '../../../src/core/errors.js';
import { startFixtureServer, type FixtureServer } from './fixture-server.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/manifests');
const fileUrl = (path: string) => pathToFileURL(join(FIXTURES, path)).href;

async function failure(promise: Promise<unknown>): Promise<AbrkitError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AbrkitError) return error;
    throw error;
  }
  throw new Error('expected an AbrkitError');
}

async function expectCode(promise: Promise<unknown>, code: AbrkitErrorCode): Promise<string> {
  const error = await failure(promise);
  expect(error.code).toBe(code);
  return error.message;
}

/** Sizes the fixture server makes up for the timeline MPD's segments (files that are not there). */
const madeUpSize = (path: string) => (path.endsWith('.m4s') || path.endsWith('.webm') ? 1000 + [...path].reduce((sum, c) => sum + c.charCodeAt(0), 0) : undefined);

describe('inspectStream on local files', () => {
  it('HLS with byte ranges: video variants sorted by bitrate, audio renditions, sizes from the playlists', async () => {
    const stream = await inspectStream(join(FIXTURES, 'hls-byterange/master.m3u8'));
    expect(stream.kind).toBe('hls');
    expect(stream.manifestUrl).toBe(fileUrl('hls-byterange/master.m3u8'));
    expect(stream.isLive).toBe(false);
    expect(stream.video.map((v) => [v.id, v.bitrateBps, v.peakBitrateBps, v.codecFamily, v.height, v.audioMuxed])).toEqual([
      ['av1-180.m3u8', 300000, 300000, 'av1', 180, false],
      ['avc-180.m3u8', 400000, 400000, 'avc', 180, false],
      ['av1-360.m3u8', 550000, 600000, 'av1', 360, false],
      ['avc-360.m3u8', 800000, 900000, 'avc', 360, false],
    ]);
    const top = stream.video[3]!;
    expect(top.init).toEqual({ url: fileUrl('hls-byterange/avc-360.mp4'), byteRange: { offset: 0, length: 700 } });
    expect(top.segments.map((s) => [s.sizeBytes, s.durationS, s.byteRange?.offset])).toEqual([
      [400000, 4, 700],
      [410000, 4, 400700],
      [260000, 2.5, 810700],
    ]);
    expect(stream.audio.map((a) => [a.id, a.isDefault, a.segments.map((s) => s.sizeBytes)])).toEqual([
      ['aud/English', true, [32000, 32100, 20000]],
      ['aud/Commentary', false, [16000, 16100, 10000]],
    ]);
    expect(stream.encryption).toBeNull();
    expect(stream.warnings).toEqual(['1 audio-only variant(s) skipped']);
  });

  it('HLS with EXT-X-KEY: AES-128 and both key URIs noted, sizes from the files, keys never segments', async () => {
    const stream = await inspectStream(join(FIXTURES, 'hls-key/master.m3u8'));
    expect(stream.encryption).toEqual({ method: 'AES-128', keyUris: [fileUrl('hls-key/keys/k1.key'), fileUrl('hls-key/keys/k2.key')] });
    expect(stream.video.map((v) => [v.bitrateBps, v.audioMuxed, v.segments.map((s) => s.sizeBytes)])).toEqual([
      [264000, true, [1128, 1316, 940, 752]],
      [528000, true, [2256, 2444, 2068, 1504]],
    ]);
    expect(stream.video.flatMap((v) => v.segments.map((s) => s.url)).some((url) => url.endsWith('.key'))).toBe(false);
    expect(stream.video[0]!.encryption?.method).toBe('AES-128');
  });

  it('a media playlist on its own: one variant, bitrate from its sizes', async () => {
    const stream = await inspectStream(join(FIXTURES, 'hls-key/low/index.m3u8'));
    expect(stream.video).toHaveLength(1);
    // (1128 + 1316 + 940 + 752) bytes * 8 / 7.5 s
    expect(stream.video[0]!.bitrateBps).toBe(Math.round(((1128 + 1316 + 940 + 752) * 8) / 7.5));
    expect(stream.video[0]!.peakBitrateBps).toBe((1316 * 8) / 2);
  });

  it('DASH SegmentList (mediaRange) and SegmentBase (sidx) give the same segments', async () => {
    const list = await inspectStream(join(FIXTURES, 'dash/list.mpd'));
    const base = await inspectStream(join(FIXTURES, 'dash/base.mpd'));
    expect(list.kind).toBe('dash');
    expect(base.video[0]!.segments).toEqual(list.video[0]!.segments);
    expect(base.video[0]!.segments.map((s) => s.sizeBytes)).toEqual([1443, 771, 1040]);
    expect(base.video[0]!.codecFamily).toBe('avc');
  });

  it('typed errors: no such file, not a manifest, no video variants', async () => {
    expect(await expectCode(inspectStream(join(FIXTURES, 'nope.m3u8')), 'manifest-not-found')).toMatch(/nope\.m3u8: no such file/);
    expect(await expectCode(inspectStream(join(FIXTURES, 'not-a-manifest.html')), 'not-a-manifest')).toMatch(/it starts with '<!doctype html>/);
    expect(await expectCode(inspectStream(join(FIXTURES, 'audio-only.m3u8')), 'no-video-variants')).toMatch(/every EXT-X-STREAM-INF is audio only/);
    expect(await expectCode(inspectStream(join(FIXTURES, 'dash/audio-only.mpd')), 'no-video-variants')).toMatch(/no AdaptationSet has video/);
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-manifest-'));
    writeFileSync(join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nmissing/index.m3u8\n');
    expect(await expectCode(inspectStream(join(dir, 'master.m3u8')), 'manifest-not-found')).toMatch(/missing\/index\.m3u8: no such file/);
    writeFileSync(join(dir, 'broken.mpd'), '<MPD>\n<Period>\n</MPD>');
    expect(await expectCode(inspectStream(join(dir, 'broken.mpd')), 'manifest-parse')).toMatch(/broken\.mpd:3: <\/MPD> closes <Period>/);
    expect(await expectCode(inspectStream('ftp://example.com/a.m3u8'), 'invalid-options')).toMatch(/only local files and http\(s\) URLs/);
  });
});

describe('inspectStream over HTTP (127.0.0.1)', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer(FIXTURES, { madeUpSize });
  });
  afterAll(() => server.close());

  it('HLS: sizes by HEAD Content-Length, and no request for a key', async () => {
    server.requests.length = 0;
    const stream = await inspectStream(`${server.origin}/hls-key/master.m3u8`);
    expect(stream.video.map((v) => v.segments.map((s) => s.sizeBytes))).toEqual([
      [1128, 1316, 940, 752],
      [2256, 2444, 2068, 1504],
    ]);
    expect(stream.encryption?.keyUris).toEqual([`${server.origin}/hls-key/keys/k1.key`, `${server.origin}/hls-key/keys/k2.key`]);
    const heads = server.requests.filter((r) => r.method === 'HEAD').map((r) => r.path);
    expect(heads.sort()).toEqual(['high', 'low'].flatMap((r) => [0, 1, 2, 3].map((i) => `/hls-key/${r}/seg${i}.m4s`)).sort());
    expect(server.requests.some((r) => r.path.endsWith('.key'))).toBe(false);
  });

  it('DASH SegmentTemplate + Timeline: every segment HEAD-sized; SegmentBase: one Range request for the sidx', async () => {
    const stream = await inspectStream(`${server.origin}/dash/timeline.mpd`);
    expect(stream.video.map((v) => v.id)).toEqual(['v360', 'vp9-540', 'v540', 'v720']);
    const v360 = stream.video[0]!;
    expect(v360.segments.map((s) => s.sizeBytes)).toEqual([0, 180000, 360000, 540000].map((t) => madeUpSize(`/dash/media/video/v360/t${t}.m4s`)));
    expect(stream.audio.map((a) => [a.id, a.bitrateBps, a.isDefault, a.segments.length])).toEqual([['a128', 128000, true, 4]]);
    server.requests.length = 0;
    const base = await inspectStream(`${server.origin}/dash/base.mpd`);
    expect(base.video[0]!.segments.map((s) => s.sizeBytes)).toEqual([1443, 771, 1040]);
    expect(server.requests.filter((r) => r.path.endsWith('.mp4'))).toEqual([{ method: 'GET', path: '/dash/sidx-video.mp4', range: 'bytes=812-887' }]);
  });

  it('a redirected manifest: relative URIs resolve against where it was found', async () => {
    const moved = await startFixtureServer(FIXTURES, { redirects: { '/old/place/master.m3u8': '/hls-key/master.m3u8' } });
    const stream = await inspectStream(`${moved.origin}/old/place/master.m3u8`);
    expect(stream.manifestUrl).toBe(`${moved.origin}/hls-key/master.m3u8`);
    expect(stream.video[0]!.segments[0]!.url).toBe(`${moved.origin}/hls-key/low/seg0.m4s`);
    expect(stream.video[0]!.segments.map((s) => s.sizeBytes)).toEqual([1128, 1316, 940, 752]);
    await moved.close();
  });

  it('at most `concurrency` requests in flight', async () => {
    const most = async (concurrency?: number) => {
      const slow = await startFixtureServer(FIXTURES, { madeUpSize, delayMs: 20 });
      await inspectStream(`${slow.origin}/dash/timeline.mpd`, concurrency === undefined ? {} : { concurrency });
      await slow.close();
      return slow.mostInFlight();
    };
    expect(await most(2)).toBe(2);
    // The default (8) does overlap more: the bound above is the option's doing.
    expect(await most()).toBeGreaterThan(2);
  });

  it('no HEAD (405): the size comes from a 1-byte GET Content-Range', async () => {
    const noHead = await startFixtureServer(FIXTURES, { refuseHead: true });
    const stream = await inspectStream(`${noHead.origin}/hls-key/master.m3u8`);
    expect(stream.video[1]!.segments.map((s) => s.sizeBytes)).toEqual([2256, 2444, 2068, 1504]);
    expect(noHead.requests.filter((r) => r.range === 'bytes=0-0')).toHaveLength(8);
    await noHead.close();
  });

  it('typed errors: 404, 404 on a media playlist or segment, HTTP 500, no size at all', async () => {
    expect(await expectCode(inspectStream(`${server.origin}/missing.m3u8`), 'manifest-not-found')).toMatch(/HTTP 404 not found/);
    expect(await expectCode(inspectStream(`${server.origin}/status/500/master.m3u8`), 'origin-http-error')).toMatch(/HTTP 500/);
    expect(await expectCode(inspectStream(`${server.origin}/not-a-manifest.html`), 'not-a-manifest')).toMatch(/neither an HLS playlist/);
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-manifest-'));
    writeFileSync(join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nmissing/index.m3u8\n');
    const lonely = await startFixtureServer(dir);
    expect(await expectCode(inspectStream(`${lonely.origin}/master.m3u8`), 'manifest-not-found')).toMatch(/missing\/index\.m3u8: HTTP 404 not found/);
    await lonely.close();
    const noSizes = await startFixtureServer(FIXTURES, { hideLength: true });
    expect(await expectCode(inspectStream(`${noSizes.origin}/hls-key/master.m3u8`), 'segment-size-unknown')).toMatch(/no Content-Length \(HEAD\) and no Content-Range/);
    await noSizes.close();
    const noSegments = await startFixtureServer(FIXTURES);
    expect(await expectCode(inspectStream(`${noSegments.origin}/dash/timeline.mpd`), 'segment-size-unknown')).toMatch(/segment .*\.m4s: HTTP 404 not found/);
    await noSegments.close();
  });

  // Up to 3.5 s of deliberate timeouts below.
  it('typed errors: connection refused, timeout, DNS', { timeout: 20_000 }, async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    expect(await expectCode(inspectStream(`http://127.0.0.1:${port}/master.m3u8`), 'unreachable-origin')).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((ready) => silent.once('listening', ready));
    const silentPort = (silent.address() as { port: number }).port;
    expect(await expectCode(inspectStream(`http://127.0.0.1:${silentPort}/master.m3u8`, { timeoutMs: 200 }), 'unreachable-origin')).toMatch(/no answer within 200 ms/);
    silent.close();
    // Headers, then a body that never ends.
    const stalling = createHttpServer((_, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('#EXTM3U\n');
    }).listen(0, '127.0.0.1');
    await new Promise((ready) => stalling.once('listening', ready));
    const stallingPort = (stalling.address() as { port: number }).port;
    expect(await expectCode(inspectStream(`http://127.0.0.1:${stallingPort}/master.m3u8`, { timeoutMs: 300 }), 'unreachable-origin')).toMatch(/no answer within 300 ms/);
    stalling.closeAllConnections();
    stalling.close();
    // .invalid never resolves (RFC 6761): a DNS failure, or a timeout where no resolver answers.
    expect(await expectCode(inspectStream('http://abrkit-test.invalid/master.m3u8', { timeoutMs: 3000 }), 'unreachable-origin')).toMatch(/cannot reach http:\/\/abrkit-test\.invalid/);
  });
});
