/**
 * Turns a VoD HLS media playlist into the live playlist a packager would be publishing at some
 * moment: the segments produced so far, a sliding window of the latest ones, the media sequence
 * of the first, and no end tag. Pure text in, text out, so the harness can serve a real live
 * stream from the same files.
 */
export interface LiveWindowOptions {
  /** Segments already published when the session starts. */
  readonly initialSegments: number;
  /** Segments the playlist lists at most (older ones fall out of the window). */
  readonly windowSegments: number;
  /** Session time, seconds: one more segment is published per segment duration. */
  readonly elapsedS: number;
}

/** A media playlist's segments: the tag lines before each URI, and the URI. */
interface PlaylistSegment {
  readonly tags: readonly string[];
  readonly uri: string;
  readonly durationS: number;
}

const HEADER_TAGS_DROPPED = /^#EXT-X-(PLAYLIST-TYPE|ENDLIST|MEDIA-SEQUENCE)\b/;

/** True for a media playlist (it lists segments), false for a master playlist. */
export function isMediaPlaylist(text: string): boolean {
  return text.includes('#EXTINF:');
}

/** The live view of `vod` at `options.elapsedS`. Throws on a playlist without segments. */
export function livePlaylist(vod: string, options: LiveWindowOptions): string {
  const lines = vod.split(/\r?\n/).map((line) => line.trim());
  const header: string[] = [];
  const segments: PlaylistSegment[] = [];
  let tags: string[] = [];
  let inHeader = true;
  for (const line of lines) {
    if (line === '' || HEADER_TAGS_DROPPED.test(line)) continue;
    if (line.startsWith('#EXTINF:')) inHeader = false;
    if (inHeader) {
      header.push(line);
      continue;
    }
    if (line.startsWith('#')) {
      tags.push(line);
      continue;
    }
    const extinf = tags.find((tag) => tag.startsWith('#EXTINF:'));
    segments.push({ tags, uri: line, durationS: extinf ? Number.parseFloat(extinf.slice('#EXTINF:'.length)) : Number.NaN });
    tags = [];
  }
  if (segments.length === 0) throw new Error('live playlist: no segments in the VoD playlist');
  const segmentDurationS = segments[0]!.durationS > 0 ? segments[0]!.durationS : 4;
  const published = Math.min(segments.length, options.initialSegments + Math.floor(Math.max(0, options.elapsedS) / segmentDurationS));
  const first = Math.max(0, published - options.windowSegments);
  const out = [...header, `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (const segment of segments.slice(first, published)) out.push(...segment.tags, segment.uri);
  return `${out.join('\n')}\n`;
}
