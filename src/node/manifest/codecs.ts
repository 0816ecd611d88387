/**
 * Codec strings (RFC 6381, as in HLS `CODECS` and DASH `@codecs`): which entry is video, its
 * family, and how the families rank by compression efficiency.
 */
import { CODEC_EFFICIENCY_ORDER, codecEntries } from '../../core/codecs.js';

export { codecFamily } from '../../core/codecs.js';

/** Prefixes of audio (and text) codecs: an entry with one of these is not video. */
const NON_VIDEO_PREFIXES = ['mp4a', 'ac-3', 'ec-3', 'ac-4', 'opus', 'flac', 'alac', 'mp3', 'vorbis', 'dtsc', 'dtse', 'dtsh', 'dtsl', 'stpp', 'wvtt'];

/** Better quality per bit first; `unknown` last. Breaks ties when choosing one family for a sim ladder. */
export const CODEC_FAMILY_EFFICIENCY = CODEC_EFFICIENCY_ORDER;

/** Whether a codecs string names a video codec, or may (an unrecognised entry, or none at all). */
export function mayBeVideo(codecs: string | undefined): boolean {
  const list = codecEntries(codecs);
  if (list.length === 0) return true;
  return list.some((entry) => !NON_VIDEO_PREFIXES.some((prefix) => entry === prefix || entry.startsWith(`${prefix}.`)));
}
