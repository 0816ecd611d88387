/**
 * HLS playlists (RFC 8216) from text: the master playlist's variants (`EXT-X-STREAM-INF`) and
 * renditions (`EXT-X-MEDIA`), and a media playlist's segments (`EXTINF`, `EXT-X-BYTERANGE`), init
 * segment (`EXT-X-MAP`), keys (`EXT-X-KEY`: noted, never segments) and `EXT-X-ENDLIST`. Relative
 * URIs are resolved against the playlist's URL. Pure: nothing is fetched here.
 */
import { ParseError } from '../../core/errors.js';
import type { ByteRange, InitSegment, SegmentRef } from './types.js';

export interface HlsVariantEntry {
  /** The URI as written in the master playlist. */
  readonly uri: string;
  readonly url: string;
  readonly bandwidthBps: number;
  readonly averageBandwidthBps?: number;
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  readonly codecs?: string;
  readonly audioGroup?: string;
  readonly line: number;
}

export interface HlsRenditionEntry {
  readonly type: string;
  readonly groupId: string;
  readonly name: string;
  readonly language?: string;
  readonly isDefault: boolean;
  /** Absent when the rendition is carried in the variants' own segments. */
  readonly url?: string;
  readonly line: number;
}

export interface HlsMasterPlaylist {
  readonly variants: readonly HlsVariantEntry[];
  readonly renditions: readonly HlsRenditionEntry[];
}

export interface HlsKey {
  readonly method: string;
  readonly url?: string;
}

export interface HlsMediaPlaylist {
  readonly segments: readonly SegmentRef[];
  readonly init?: InitSegment;
  /** Every `EXT-X-KEY` other than `METHOD=NONE`, in order, each once. */
  readonly keys: readonly HlsKey[];
  readonly endList: boolean;
  readonly targetDurationS?: number;
}

/** `#EXTM3U` first (a byte-order mark and blank lines before it are tolerated). */
export function looksLikeHls(text: string): boolean {
  return /^\uFEFF?\s*#EXTM3U/.test(text);
}

/** A master playlist has variants; a media playlist has segments or a target duration. */
export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF:/m.test(text);
}

/** Attribute lists (`KEY=value,KEY="quoted, value"`), RFC 8216 section 4.2. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Z0-9-]+)\s*=\s*("[^"]*"|[^,]*)\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = re.exec(list)) !== null && match[0] !== '') {
    const raw = match[2]!;
    out[match[1]!] = raw.startsWith('"') ? raw.slice(1, -1) : raw.trim();
  }
  return out;
}

function lines(text: string): Array<{ text: string; line: number }> {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((raw, i) => ({ text: raw.trim(), line: i + 1 }))
    .filter((l) => l.text !== '');
}

function tagValue(line: string, tag: string): string | null {
  return line.startsWith(`${tag}:`) ? line.slice(tag.length + 1) : null;
}

function positiveNumber(value: string | undefined, file: string, line: number, what: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n <= 0) throw new ParseError('manifest-parse', file, line, `${what} must be a positive number, found '${value ?? ''}'`);
  return n;
}

export function parseMasterPlaylist(text: string, playlistUrl: string, file = playlistUrl): HlsMasterPlaylist {
  const variants: HlsVariantEntry[] = [];
  const renditions: HlsRenditionEntry[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const { text: line, line: lineNo } = all[i]!;
    const media = tagValue(line, '#EXT-X-MEDIA');
    if (media !== null) {
      const a = parseAttributes(media);
      if (!a.TYPE || !a['GROUP-ID'] || !a.NAME) throw new ParseError('manifest-parse', file, lineNo, 'EXT-X-MEDIA needs TYPE, GROUP-ID and NAME');
      renditions.push({
        type: a.TYPE,
        groupId: a['GROUP-ID'],
        name: a.NAME,
        ...(a.LANGUAGE ? { language: a.LANGUAGE } : {}),
        isDefault: a.DEFAULT === 'YES',
        ...(a.URI ? { url: new URL(a.URI, playlistUrl).href } : {}),
        line: lineNo,
      });
      continue;
    }
    const inf = tagValue(line, '#EXT-X-STREAM-INF');
    if (inf === null) continue;
    const a = parseAttributes(inf);
    const next = all[i + 1];
    if (!next || next.text.startsWith('#')) throw new ParseError('manifest-parse', file, lineNo, 'EXT-X-STREAM-INF is not followed by a URI line');
    i++;
    const resolution = a.RESOLUTION ? /^(\d+)x(\d+)$/.exec(a.RESOLUTION) : null;
    if (a.RESOLUTION && !resolution) throw new ParseError('manifest-parse', file, lineNo, `RESOLUTION '${a.RESOLUTION}' is not WIDTHxHEIGHT`);
    variants.push({
      uri: next.text,
      url: new URL(next.text, playlistUrl).href,
      bandwidthBps: positiveNumber(a.BANDWIDTH, file, lineNo, 'BANDWIDTH'),
      ...(a['AVERAGE-BANDWIDTH'] ? { averageBandwidthBps: positiveNumber(a['AVERAGE-BANDWIDTH'], file, lineNo, 'AVERAGE-BANDWIDTH') } : {}),
      ...(resolution ? { width: Number(resolution[1]), height: Number(resolution[2]) } : {}),
      ...(a['FRAME-RATE'] ? { frameRate: positiveNumber(a['FRAME-RATE'], file, lineNo, 'FRAME-RATE') } : {}),
      ...(a.CODECS ? { codecs: a.CODECS } : {}),
      ...(a.AUDIO ? { audioGroup: a.AUDIO } : {}),
      line: lineNo,
    });
  }
  return { variants, renditions };
}

/** `n[@o]` (EXT-X-BYTERANGE, EXT-X-MAP BYTERANGE). */
function parseByteRange(value: string, file: string, line: number): { length: number; offset?: number } {
  const match = /^(\d+)(?:@(\d+))?$/.exec(value.trim());
  if (!match) throw new ParseError('manifest-parse', file, line, `byte range '${value}' is not n[@o]`);
  return { length: Number(match[1]), ...(match[2] === undefined ? {} : { offset: Number(match[2]) }) };
}

export function parseMediaPlaylist(text: string, playlistUrl: string, file = playlistUrl): HlsMediaPlaylist {
  const segments: SegmentRef[] = [];
  const keys: HlsKey[] = [];
  let init: InitSegment | undefined;
  let endList = false;
  let targetDurationS: number | undefined;
  let pendingDurationS: number | null = null;
  let pendingRange: { length: number; offset?: number; line: number } | null = null;
  /** Where the previous byte-range segment ended, per resource: an `n` without `@o` continues it. */
  let previous: { url: string; end: number } | null = null;
  for (const { text: line, line: lineNo } of lines(text)) {
    if (!line.startsWith('#')) {
      if (pendingDurationS === null) throw new ParseError('manifest-parse', file, lineNo, `segment URI '${line}' has no EXTINF before it`);
      const url = new URL(line, playlistUrl).href;
      let byteRange: ByteRange | undefined;
      if (pendingRange) {
        const last = previous as { url: string; end: number } | null;
        const offset = pendingRange.offset ?? (last?.url === url ? last.end : null);
        if (offset === null) throw new ParseError('manifest-parse', file, pendingRange.line, 'EXT-X-BYTERANGE without @offset must follow a byte range of the same resource');
        byteRange = { offset, length: pendingRange.length };
        previous = { url, end: offset + pendingRange.length };
      } else {
        previous = null;
      }
      segments.push({ url, durationS: pendingDurationS, ...(byteRange ? { byteRange } : {}) });
      pendingDurationS = null;
      pendingRange = null;
      continue;
    }
    const extinf = tagValue(line, '#EXTINF');
    if (extinf !== null) {
      pendingDurationS = positiveNumber(extinf.split(',')[0]!.trim(), file, lineNo, 'EXTINF duration');
      continue;
    }
    const range = tagValue(line, '#EXT-X-BYTERANGE');
    if (range !== null) {
      pendingRange = { ...parseByteRange(range, file, lineNo), line: lineNo };
      continue;
    }
    const map = tagValue(line, '#EXT-X-MAP');
    if (map !== null) {
      const a = parseAttributes(map);
      if (!a.URI) throw new ParseError('manifest-parse', file, lineNo, 'EXT-X-MAP needs a URI');
      // Later maps (after a discontinuity) are fetched once each too; the first one stands for them.
      if (init === undefined) {
        const r = a.BYTERANGE ? parseByteRange(a.BYTERANGE, file, lineNo) : null;
        init = { url: new URL(a.URI, playlistUrl).href, ...(r ? { byteRange: { offset: r.offset ?? 0, length: r.length } } : {}) };
      }
      continue;
    }
    const key = tagValue(line, '#EXT-X-KEY');
    if (key !== null) {
      const a = parseAttributes(key);
      if (!a.METHOD) throw new ParseError('manifest-parse', file, lineNo, 'EXT-X-KEY needs a METHOD');
      if (a.METHOD === 'NONE') continue;
      if (!a.URI) throw new ParseError('manifest-parse', file, lineNo, `EXT-X-KEY METHOD=${a.METHOD} needs a URI`);
      const url = new URL(a.URI, playlistUrl).href;
      if (!keys.some((k) => k.url === url && k.method === a.METHOD)) keys.push({ method: a.METHOD, url });
      continue;
    }
    const target = tagValue(line, '#EXT-X-TARGETDURATION');
    if (target !== null) targetDurationS = positiveNumber(target, file, lineNo, 'EXT-X-TARGETDURATION');
    else if (line === '#EXT-X-ENDLIST') endList = true;
  }
  return { segments, keys, endList, ...(init ? { init } : {}), ...(targetDurationS === undefined ? {} : { targetDurationS }) };
}
