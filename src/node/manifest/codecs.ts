/**
 * Codec strings (RFC 6381, as in HLS `CODECS` and DASH `@codecs`): which entry is video, its
 * family, and how the families rank by compression efficiency.
 */
import type { CodecFamily } from './types.js';

const FAMILY_BY_PREFIX: ReadonlyArray<readonly [string, CodecFamily]> = [
  ['avc1', 'avc'],
  ['avc3', 'avc'],
  ['hvc1', 'hevc'],
  ['hev1', 'hevc'],
  ['vp09', 'vp9'],
  ['vp9', 'vp9'],
  ['av01', 'av1'],
];

/** Prefixes of audio (and text) codecs: an entry with one of these is not video. */
const NON_VIDEO_PREFIXES = ['mp4a', 'ac-3', 'ec-3', 'ac-4', 'opus', 'flac', 'alac', 'mp3', 'vorbis', 'dtsc', 'dtse', 'dtsh', 'dtsl', 'stpp', 'wvtt'];

/**
 * Better quality per bit first: AV1 > VP9 > HEVC > AVC (the usual ranking of encoder studies at
 * equal quality; `unknown` last). Used to break ties when choosing one family for a sim ladder.
 */
export const CODEC_FAMILY_EFFICIENCY: readonly CodecFamily[] = ['av1', 'vp9', 'hevc', 'avc', 'unknown'];

function entries(codecs: string): string[] {
  return codecs
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
}

/** The video codec's family from a codecs string (`"avc1.64001f,mp4a.40.2"` is `avc`). */
export function codecFamily(codecs: string | undefined): CodecFamily {
  for (const entry of entries(codecs ?? '')) {
    const found = FAMILY_BY_PREFIX.find(([prefix]) => entry === prefix || entry.startsWith(`${prefix}.`));
    if (found) return found[1];
  }
  return 'unknown';
}

/** Whether a codecs string names a video codec, or may (an unrecognised entry, or none at all). */
export function mayBeVideo(codecs: string | undefined): boolean {
  const list = entries(codecs ?? '');
  if (list.length === 0) return true;
  return list.some((entry) => !NON_VIDEO_PREFIXES.some((prefix) => entry === prefix || entry.startsWith(`${prefix}.`)));
}
