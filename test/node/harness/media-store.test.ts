import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { folderStore, originUrl, proxiedPath, rewriteHlsPlaylist, rewriteMpd } from '../../../src/node/harness/media-store.js';
import { parseRange } from '../../../src/node/harness/server.js';
import { isMediaRequest } from '../../../src/node/harness/runner.js';
import { openSource } from '../../../src/node/harness/source.js';
import { AbrkitError } from '../../../src/core/errors.js';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/manifests');

describe('parseRange', () => {
  it('reads the single-range forms players send', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=990-2000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange(undefined, 1000)).toBeNull();
    expect(parseRange('bytes=0-1,5-9', 1000)).toBeNull();
  });
});

describe('the proxy rewrites', () => {
  it('round-trips an absolute URL through its proxied path, port and query kept, no colon in the path', () => {
    const url = new URL('https://cdn.example.com:8443/v/1/seg.m4s?token=abc');
    const path = proxiedPath(url);
    expect(path).toBe('/media/~abs/https/cdn.example.com~8443/v/1/seg.m4s?token=abc');
    expect(path.includes(':')).toBe(false);
    expect(originUrl(path.slice('/media/'.length), new URL('http://unused/')).href).toBe(url.href);
    expect(originUrl('r1/seg.m4s', new URL('https://o.example/a/master.m3u8')).href).toBe('https://o.example/a/r1/seg.m4s');
  });

  it('routes absolute URIs in playlists back through the proxy, and leaves relative ones', () => {
    const text = ['#EXTM3U', '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example/k1"', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:4,', 'https://cdn2.example/s/seg1.ts', '#EXTINF:4,', 'seg2.ts'].join('\n');
    expect(rewriteHlsPlaylist(text).split('\n')).toEqual(['#EXTM3U', '#EXT-X-KEY:METHOD=AES-128,URI="/media/~abs/https/keys.example/k1"', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:4,', '/media/~abs/https/cdn2.example/s/seg1.ts', '#EXTINF:4,', 'seg2.ts']);
    const mpd = '<MPD><BaseURL>https://cdn.example/v/</BaseURL><SegmentTemplate media="https://cdn.example/$Number$.m4s" initialization="init.mp4"/></MPD>';
    expect(rewriteMpd(mpd)).toBe('<MPD><BaseURL>/media/~abs/https/cdn.example/v/</BaseURL><SegmentTemplate media="/media/~abs/https/cdn.example/$Number$.m4s" initialization="init.mp4"/></MPD>');
  });
});

describe('folderStore', () => {
  it('serves files under its folder and nothing above it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abrkit-store-'));
    mkdirSync(join(dir, 'media'));
    writeFileSync(join(dir, 'media/a.m4s'), 'abc');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const store = folderStore(join(dir, 'media'));
    expect((await store.read('a.m4s?token=1'))?.body.toString()).toBe('abc');
    expect(await store.read('../secret.txt')).toBeNull();
    expect(await store.read('missing.m4s')).toBeNull();
  });
});

describe('isMediaRequest', () => {
  it('counts media segments, not manifests, keys or init segments', () => {
    for (const path of ['/media/hls/r1/seg001.m4s', '/media/x/720p_0001.ts', '/media/dash/seg-1-002.m4s', '/media/v/chunk.cmfv']) expect(isMediaRequest(path), path).toBe(true);
    for (const path of ['/media/hls/master.m3u8', '/media/dash/manifest.mpd', '/media/hls-aes/key.bin', '/media/k/abc.key', '/media/hls/r1/init.mp4', '/media/dash/init-0.mp4']) expect(isMediaRequest(path), path).toBe(false);
  });
});

describe('openSource', () => {
  it('describes a local HLS stream for the runner: per-codec ladders, durations, the manifest under the folder served', async () => {
    const source = await openSource(join(FIXTURES, 'hls-byterange'));
    expect(source.kind).toBe('hls');
    expect(source.stream.hls).toBe('master.m3u8');
    expect(source.stream.dash).toBe('');
    expect(Object.keys(source.stream.laddersKbps ?? {}).sort()).toEqual(['av1', 'avc']);
    expect(source.stream.segmentDurationS).toBeGreaterThan(0);
  });

  it('fails with typed errors on bad input', async () => {
    const codeOf = (promise: Promise<unknown>) => promise.then(() => 'no error', (e: unknown) => (e instanceof AbrkitError ? e.code : String(e)));
    expect(await codeOf(openSource(join(FIXTURES, 'no-such-folder')))).toBe('manifest-not-found');
    expect(await codeOf(openSource(join(FIXTURES, 'not-a-manifest.html')))).toBe('not-a-manifest');
    expect(await codeOf(openSource(join(FIXTURES, 'audio-only.m3u8')))).toBe('no-video-variants');
    expect(await codeOf(openSource('http://127.0.0.1:1/master.m3u8'))).toBe('unreachable-origin');
    expect(await codeOf(openSource(join(ROOT, 'src')))).toBe('manifest-not-found');
  });

  it('the built CLI reports a bad --src as a typed error, not a stack trace', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'abrkit-trace-')), 'flat.txt');
    writeFileSync(trace, '0\t5\n60\t5\n');
    let stderr = '';
    let status = 0;
    try {
      execFileSync('node', [join(ROOT, 'dist/cli.js'), 'browser-eval', '--player', 'hls', '--traces', trace, '--src', 'http://127.0.0.1:1/master.m3u8'], { stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/^abrkit browser-eval: \[unreachable-origin\] /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
