import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAbrkitLadder } from '../../../src/sim/ladder-parsers.js';
import { startFixtureServer, type FixtureServer } from '../manifest/fixture-server.js';

const root = join(import.meta.dirname, '..', '..', '..');
const FIXTURES = join(root, 'test/fixtures/manifests');

/** The CLI in a child process, awaited without blocking this process (which may be serving it). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/node/cli/main.ts'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

// Each case starts the CLI (tsx) a few times: seconds each on a busy machine.
describe('abrkit eval --manifest', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'abrkit-eval-manifest-'));
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer(FIXTURES);
  });
  afterAll(() => server.close());

  it('inspects a URL once, caches the ladder JSON, and a second run reads only the cache', async () => {
    const cacheFile = join(dir, 'key.json');
    const first = await cli(['eval', '--manifest', `${server.origin}/hls-key/master.m3u8`, '--manifest-cache', cacheFile, '--policies', 'rate,bba']);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`hls, 2 avc rungs 264-528 kbit/s, 4 segments of 2 s, AES-128 encrypted; inspected in`);
    expect(first.stdout).toContain(`cached in ${cacheFile}`);
    expect(first.stdout).toMatch(/\| rate\s+\| -?\d/);
    const ladder = parseAbrkitLadder(readFileSync(cacheFile, 'utf8'), cacheFile);
    expect(ladder.segmentSizesBytes).toEqual([
      [1128, 2256],
      [1316, 2444],
      [940, 2068],
      [752, 1504],
    ]);
    expect(ladder.renditions.map((r) => r.bitrateBps)).toEqual([264000, 528000]);

    const served = server.requests.length;
    const second = await cli(['eval', '--manifest', `${server.origin}/hls-key/master.m3u8`, '--manifest-cache', cacheFile, '--policies', 'rate,bba']);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`read from the cache ${cacheFile}`);
    expect(server.requests.length).toBe(served);
    // The same table both times: the cache holds the whole ladder.
    const table = (out: string) => out.slice(out.indexOf('| policy'));
    expect(table(second.stdout)).toBe(table(first.stdout));
    // The cache file is an ordinary ladder for --video.
    const asVideo = await cli(['eval', '--video', cacheFile, '--policies', 'rate,bba']);
    expect(table(asVideo.stdout)).toBe(table(first.stdout));
  });

  it('--manifest-refresh inspects again; --codec picks a family; the default cache is under .cache/manifests', async () => {
    const cacheFile = join(dir, 'byterange.json');
    const avc = await cli(['eval', '--manifest', join(FIXTURES, 'hls-byterange/master.m3u8'), '--codec', 'avc', '--manifest-cache', cacheFile, '--policies', 'rate']);
    expect(avc.status).toBe(0);
    expect(avc.stdout).toContain('2 avc rungs 400-800 kbit/s, 3 segments of 4 s, audio aud/English added; inspected in');
    expect(avc.stderr).toContain('manifest: 1 audio-only variant(s) skipped');
    const again = await cli(['eval', '--manifest', join(FIXTURES, 'hls-byterange/master.m3u8'), '--codec', 'avc', '--manifest-cache', cacheFile, '--manifest-refresh', '--policies', 'rate']);
    expect(again.stdout).toContain('inspected in');
    // --manifest-refresh: an earlier run may have left it in the checkout's cache.
    const other = await cli(['eval', '--manifest', join(FIXTURES, 'dash/base.mpd'), '--manifest-refresh', '--policies', 'rate']);
    expect(other.status).toBe(0);
    const cached = /cached in (\S+)/.exec(other.stdout)?.[1];
    expect(cached).toMatch(/\/\.cache\/manifests\/[0-9a-f]{16}\.json$/);
    expect(existsSync(cached!)).toBe(true);
  });

  it('runs from the built package (dist/cli.js), not only from the sources', async () => {
    const built = join(root, 'dist/cli.js');
    expect(existsSync(built), 'dist/cli.js is missing: npm run build first (scripts/test.sh builds before the unit tests)').toBe(true);
    const run = await new Promise<{ status: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, [built, 'eval', '--manifest', join(FIXTURES, 'dash/base.mpd'), '--manifest-cache', join(dir, 'built.json'), '--policies', 'rate']);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (status) => done({ status, stdout }));
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('dash, 1 avc rung 20 kbit/s, 3 segments of 2 s; inspected in');
    expect(parseAbrkitLadder(readFileSync(join(dir, 'built.json'), 'utf8'), 'built.json').segmentSizesBytes).toEqual([[1443], [771], [1040]]);
  });

  it('bad input: a usage error for --manifest with --video, typed errors without a stack trace', async () => {
    const both = await cli(['eval', '--manifest', 'a.m3u8', '--video', 'b.json']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('abrkit eval: --manifest and --video both name the video: give one of them\n');
    const cases: Array<[string, string]> = [
      [join(FIXTURES, 'not-a-manifest.html'), 'not-a-manifest'],
      [join(FIXTURES, 'missing.mpd'), 'manifest-not-found'],
      [`${server.origin}/dash/audio-only.mpd`, 'no-video-variants'],
      [`${server.origin}/gone/master.m3u8`, 'manifest-not-found'],
    ];
    for (const [src, code] of cases) {
      const run = await cli(['eval', '--manifest', src, '--manifest-cache', join(dir, 'never.json')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^abrkit eval: \\[${code}\\] `));
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});
