/**
 * An inspected stream as the simulator's `SimVideo`: one codec family's video variants as rungs, and
 * per segment the bytes a player downloads for it at each rung. The harness counts every media byte
 * a player fetches for a segment, so when the audio is a separate rendition (DASH, HLS `EXT-X-MEDIA`
 * with a URI) the chosen audio rendition's bytes for the same stretch of time are added to every
 * rung's segment, and a DASH rung's bitrate is video + audio `@bandwidth` (as shaka-player's variant
 * bandwidth is; an HLS `BANDWIDTH` already counts the audio). Init segments and keys are not
 * counted: they are fetched once and are never throughput samples.
 */
import { AbrkitError, invalidOptions } from '../../core/errors.js';
import type { Rendition } from '../../core/ladder.js';
import { validateLadder } from '../../core/ladder.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import { CODEC_FAMILY_EFFICIENCY } from './codecs.js';
import type { AudioRendition, CodecFamily, InspectedStream, MediaSegment, VideoVariant } from './types.js';

export interface ToSimVideoOptions {
  /** The codec family to keep. Default: the one with the most rungs; a tie goes to the more efficient (av1 > vp9 > hevc > avc). */
  readonly codec?: CodecFamily;
  /** The audio rendition to add (its `id`). Default: HLS, the variant group's `DEFAULT=YES` one (else its first); DASH, the first. */
  readonly audio?: string;
  /** The video's name in reports. Default: the manifest's URL. */
  readonly name?: string;
  /** Told what was approximated (segment counts that differ between rungs, audio apportioned by time). */
  readonly onWarning?: (message: string) => void;
}

/** Rungs per codec family, most first; ties broken by `CODEC_FAMILY_EFFICIENCY`. */
export function codecFamilies(inspected: InspectedStream): Array<{ family: CodecFamily; rungs: number }> {
  const counts = new Map<CodecFamily, number>();
  for (const v of inspected.video) counts.set(v.codecFamily, (counts.get(v.codecFamily) ?? 0) + 1);
  return [...counts]
    .map(([family, rungs]) => ({ family, rungs }))
    .sort((a, b) => b.rungs - a.rungs || CODEC_FAMILY_EFFICIENCY.indexOf(a.family) - CODEC_FAMILY_EFFICIENCY.indexOf(b.family));
}

/** The audio rendition whose bytes go with `variant`'s segments, or null when its segments carry the audio. */
export function audioFor(inspected: InspectedStream, variant: VideoVariant, audioId?: string): AudioRendition | null {
  if (variant.audioMuxed) return null;
  if (audioId !== undefined) {
    const chosen = inspected.audio.find((a) => a.id === audioId);
    if (!chosen) throw invalidOptions('toSimVideo', `no audio rendition '${audioId}'; the stream has ${inspected.audio.map((a) => a.id).join(', ') || 'none'}`);
    return chosen;
  }
  const candidates = variant.audioGroup === undefined ? inspected.audio : inspected.audio.filter((a) => a.groupId === variant.audioGroup);
  return candidates.find((a) => a.isDefault) ?? candidates[0] ?? null;
}

/** Start and end times of consecutive segments, from 0. */
function spans(segments: readonly MediaSegment[]): Array<readonly [number, number]> {
  let t = 0;
  return segments.map((s) => [t, (t += s.durationS)] as const);
}

/**
 * The audio bytes that go with each video segment: index by index when the counts match, else each
 * audio segment's bytes shared out by how much of it overlaps each video segment (the first and
 * last video segments take whatever lies before or after them).
 */
function audioBytesPerSegment(video: readonly MediaSegment[], audio: readonly MediaSegment[]): number[] {
  if (audio.length === video.length) return audio.map((s) => s.sizeBytes);
  const videoSpans = spans(video);
  const out = video.map(() => 0);
  spans(audio).forEach(([start, end], j) => {
    const bytes = audio[j]!.sizeBytes;
    videoSpans.forEach(([vStart, vEnd], i) => {
      const from = Math.max(start, i === 0 ? -Infinity : vStart);
      const to = Math.min(end, i === video.length - 1 ? Infinity : vEnd);
      if (to > from) out[i]! += (bytes * (to - from)) / (end - start);
    });
  });
  return out.map(Math.round);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function toSimVideo(inspected: InspectedStream, options: ToSimVideoOptions = {}): SimVideo {
  const told = new Set<string>();
  const warn = (message: string) => {
    if (!told.has(message)) options.onWarning?.(message);
    told.add(message);
  };
  const families = codecFamilies(inspected);
  const family = options.codec ?? families[0]?.family;
  const variants = inspected.video.filter((v) => v.codecFamily === family);
  if (variants.length === 0) {
    const have = families.map((f) => `${f.family} (${f.rungs} rungs)`).join(', ');
    if (options.codec !== undefined) throw invalidOptions('toSimVideo', `the stream has no ${options.codec} variants; it has ${have || 'none'}`);
    throw new AbrkitError('no-video-variants', `${inspected.manifestUrl}: no video variants`);
  }
  if (families.length > 1 && options.codec === undefined) {
    warn(`several codecs (${families.map((f) => `${f.family} ${f.rungs}`).join(', ')}); the ladder keeps ${family}, choose another with the codec option`);
  }
  const counts = variants.map((v) => v.segments.length);
  const segmentCount = Math.min(...counts);
  if (segmentCount === 0) throw new AbrkitError('no-video-variants', `${inspected.manifestUrl}: a ${family} variant has no segments`);
  if (Math.max(...counts) !== segmentCount) warn(`rungs have ${Math.min(...counts)}..${Math.max(...counts)} segments; the ladder keeps the first ${segmentCount}`);

  const columns = variants.map((variant) => {
    const video = variant.segments.slice(0, segmentCount);
    const audio = audioFor(inspected, variant, options.audio);
    const audioBytes = audio ? audioBytesPerSegment(video, audio.segments) : video.map(() => 0);
    if (audio && audio.segments.length !== video.length) warn(`audio ${audio.id} has ${audio.segments.length} segments for ${video.length} video segments; its bytes are shared out by time`);
    const bitrateBps = inspected.kind === 'dash' ? variant.bitrateBps + (audio?.bitrateBps ?? 0) : variant.bitrateBps;
    const rendition: Rendition = {
      id: variant.id,
      bitrateBps,
      ...(variant.width === undefined ? {} : { width: variant.width }),
      ...(variant.height === undefined ? {} : { height: variant.height }),
      ...(variant.codecs === undefined ? {} : { codecs: variant.codecs }),
      ...(variant.frameRate === undefined ? {} : { frameRate: variant.frameRate }),
    };
    return { rendition, sizes: video.map((s, i) => s.sizeBytes + audioBytes[i]!) };
  });
  columns.sort((a, b) => a.rendition.bitrateBps - b.rendition.bitrateBps);
  const segmentSizesBytes = Array.from({ length: segmentCount }, (_, i) => columns.map((c) => c.sizes[i]!));
  const video: SimVideo = {
    name: options.name ?? inspected.manifestUrl,
    renditions: columns.map((c) => c.rendition),
    // The nominal duration: the median, so a short last segment does not set it.
    segmentDurationS: median(variants[0]!.segments.slice(0, segmentCount).map((s) => s.durationS)),
    segmentSizesBytes,
  };
  validateLadder(video);
  return video;
}
