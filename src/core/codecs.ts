/**
 * Video codec families from RFC 6381 codec strings (HLS `CODECS`, DASH `@codecs`, MSE types), and
 * how they rank by quality per bit: shared by the adapters' codec choice and the manifest reader.
 */

export type CodecFamily = 'avc' | 'hevc' | 'vp9' | 'av1' | 'vp8' | 'unknown';

const FAMILY_BY_PREFIX: ReadonlyArray<readonly [string, CodecFamily]> = [
  ['avc1', 'avc'],
  ['avc3', 'avc'],
  ['hvc1', 'hevc'],
  ['hev1', 'hevc'],
  ['dvh1', 'hevc'],
  ['dvhe', 'hevc'],
  ['vp09', 'vp9'],
  ['vp9', 'vp9'],
  ['av01', 'av1'],
  ['vp8', 'vp8'],
];

/**
 * Families by quality per bit, best first: the order codec comparisons commonly find (AV1 needs
 * roughly 30% fewer bits than VP9/HEVC for the same quality, and those about 35% fewer than H.264).
 */
export const CODEC_EFFICIENCY_ORDER: readonly CodecFamily[] = ['av1', 'vp9', 'hevc', 'avc', 'vp8', 'unknown'];

/** The entries of a codecs list, trimmed and lower-cased. */
export function codecEntries(codecs: string | undefined): string[] {
  return (codecs ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
}

/** The family of the video entry of a codecs list (`avc1.64001f,mp4a.40.2` is `avc`). */
export function codecFamily(codecs: string | undefined): CodecFamily {
  for (const entry of codecEntries(codecs)) {
    const found = FAMILY_BY_PREFIX.find(([prefix]) => entry === prefix || entry.startsWith(`${prefix}.`));
    if (found) return found[1];
  }
  return 'unknown';
}
