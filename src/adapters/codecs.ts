/**
 * Choosing one video codec family for a session when a ladder offers several (H.264 and VP9, say):
 * only renditions the device decodes (MediaCapabilities `decodingInfo`), preferring smooth, then
 * power-efficient decoding, then the family with the better quality per bit. The choice is made
 * once, before the first media request, and kept: switching codec mid-stream needs a SourceBuffer
 * `changeType` and a new init segment, which not every player or device does cleanly.
 */

import { CODEC_EFFICIENCY_ORDER, type CodecFamily } from '../core/codecs.js';

export { CODEC_EFFICIENCY_ORDER, codecFamily, type CodecFamily } from '../core/codecs.js';

/** What the device says of decoding one rendition (MediaCapabilities `decodingInfo`). */
export interface DecodeSupport {
  readonly supported: boolean;
  readonly smooth: boolean;
  readonly powerEfficient: boolean;
}

export interface CodecCandidate {
  readonly family: CodecFamily;
  /** Unknown (not probed yet): treated as supported but neither smooth nor power-efficient. */
  readonly support?: DecodeSupport;
}

export interface CodecChoiceOptions {
  /** Families in the app's order of preference; replaces the efficiency order (default). */
  readonly preference?: readonly CodecFamily[];
}

export interface CodecChoice {
  readonly family: CodecFamily;
  /** Why: the criteria the chosen family won on, for logs and decision reasons. */
  readonly reason: 'only-family' | 'smooth' | 'power-efficient' | 'preference';
  /** Indices (into the candidates) of the renditions to play: the family's decodable, smooth ones. */
  readonly renditions: readonly number[];
}

/**
 * Picks the family to play, and its renditions. A family qualifies with one decodable rendition;
 * families are ranked by having a smooth rendition, then by all their decodable renditions being
 * power-efficient, then by preference. Within the family, renditions that are not smooth are
 * dropped when some are smooth. `null` when nothing is decodable.
 */
export function chooseCodec(candidates: readonly CodecCandidate[], options: CodecChoiceOptions = {}): CodecChoice | null {
  const order = options.preference ?? CODEC_EFFICIENCY_ORDER;
  const rank = (family: CodecFamily) => {
    const at = order.indexOf(family);
    return at < 0 ? order.length : at;
  };
  const byFamily = new Map<CodecFamily, number[]>();
  candidates.forEach((candidate, i) => {
    if (candidate.support && !candidate.support.supported) return;
    byFamily.set(candidate.family, [...(byFamily.get(candidate.family) ?? []), i]);
  });
  if (byFamily.size === 0) return null;
  const scored = [...byFamily].map(([family, indices]) => ({
    family,
    indices,
    smooth: indices.some((i) => candidates[i]!.support?.smooth === true),
    powerEfficient: indices.every((i) => candidates[i]!.support?.powerEfficient === true),
  }));
  scored.sort((a, b) => Number(b.smooth) - Number(a.smooth) || Number(b.powerEfficient) - Number(a.powerEfficient) || rank(a.family) - rank(b.family));
  const best = scored[0]!;
  const runnerUp = scored[1];
  const reason: CodecChoice['reason'] = !runnerUp ? 'only-family' : best.smooth !== runnerUp.smooth ? 'smooth' : best.powerEfficient !== runnerUp.powerEfficient ? 'power-efficient' : 'preference';
  const smooth = best.indices.filter((i) => candidates[i]!.support?.smooth === true);
  return { family: best.family, reason, renditions: smooth.length > 0 && best.smooth ? smooth : best.indices };
}

/** A rendition as MediaCapabilities describes it. */
export interface ProbeRendition {
  readonly codecs: string | undefined;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  readonly bitrateBps: number;
  readonly frameRate?: number | undefined;
}

/** The video codec of a `codecs` list: its first entry that is not audio. */
function videoCodec(codecs: string | undefined): string | undefined {
  return (codecs ?? '')
    .split(',')
    .map((c) => c.trim())
    .find((c) => c !== '' && !/^(mp4a|ac-3|ec-3|opus|flac)/i.test(c));
}

/**
 * Asks the browser about every rendition (`navigator.mediaCapabilities.decodingInfo`, media-source).
 * Where the API is missing or throws, the answer is unknown (`undefined`), never a rejection.
 */
export async function probeDecodeSupport(renditions: readonly ProbeRendition[], capabilities: MediaCapabilities | undefined = globalThis.navigator?.mediaCapabilities): Promise<(DecodeSupport | undefined)[]> {
  if (!capabilities?.decodingInfo) return renditions.map(() => undefined);
  return Promise.all(
    renditions.map(async (r) => {
      const codec = videoCodec(r.codecs);
      if (!codec || !r.width || !r.height) return undefined;
      try {
        const info = await capabilities.decodingInfo({
          type: 'media-source',
          video: { contentType: `video/mp4; codecs="${codec}"`, width: r.width, height: r.height, bitrate: Math.max(1, Math.round(r.bitrateBps)), framerate: r.frameRate && r.frameRate > 0 ? r.frameRate : 30 },
        });
        return { supported: info.supported, smooth: info.smooth, powerEfficient: info.powerEfficient };
      } catch {
        return undefined;
      }
    }),
  );
}
