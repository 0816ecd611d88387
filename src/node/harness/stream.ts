/**
 * The generated test streams on disk: where `abrkit media` writes them, the `stream.json` it leaves
 * beside the media (duration, segment duration, ladder, manifest paths, variants), and generating
 * one on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbrkitError } from '../../core/errors.js';
import { CACHE_DIR } from '../package-root.js';
import type { StreamInfo } from '../../pages/protocol.js';
import { generateTestStream } from '../media/generate.js';
import { TEST_STREAMS } from '../media/test-streams.js';

export type { StreamInfo };

/** Where each generated stream lives by default: `media` for the first, `media-<name>` for others. */
export function testStreamDir(name: string): string {
  return join(CACHE_DIR, name === 'default' ? 'media' : `media-${name}`);
}

/** The default test stream's folder (`abrkit media` writes it). */
export const DEFAULT_MEDIA_DIR = testStreamDir('default');

export function readStreamInfo(mediaDir = DEFAULT_MEDIA_DIR): StreamInfo {
  const file = join(mediaDir, 'stream.json');
  if (!existsSync(file)) throw new AbrkitError('invalid-options', `no test stream in ${mediaDir}: run \`abrkit media\` first (or pass --src with your own stream)`);
  return JSON.parse(readFileSync(file, 'utf8')) as StreamInfo;
}

/** A generated test stream, made first (ffmpeg, under a minute) when its folder has none. */
export function ensureTestStream(name: string, log: (line: string) => void = () => undefined): { dir: string; info: StreamInfo } {
  const spec = TEST_STREAMS[name];
  if (!spec) throw new AbrkitError('invalid-options', `unknown test stream '${name}' (known: ${Object.keys(TEST_STREAMS).join(', ')})`);
  const dir = testStreamDir(name);
  if (existsSync(join(dir, 'stream.json'))) return { dir, info: readStreamInfo(dir) };
  log(`generating the ${name} test stream in ${dir} (once)`);
  return { dir, info: generateTestStream(spec, { outDir: dir, log }) };
}
