/**
 * The generated test stream on disk: where scripts/setup-media.sh writes it, and the `stream.json`
 * it leaves beside the media (duration, segment duration, ladder, manifest paths).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbrkitError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { StreamInfo } from '../../pages/protocol.js';

export type { StreamInfo };

/** Where scripts/setup-media.sh writes the generated test stream. */
export const DEFAULT_MEDIA_DIR = join(PACKAGE_ROOT, '.cache/media');

export function readStreamInfo(mediaDir = DEFAULT_MEDIA_DIR): StreamInfo {
  const file = join(mediaDir, 'stream.json');
  if (!existsSync(file)) throw new AbrkitError('invalid-options', `no test stream in ${mediaDir}: run scripts/setup-media.sh first`);
  return JSON.parse(readFileSync(file, 'utf8')) as StreamInfo;
}
