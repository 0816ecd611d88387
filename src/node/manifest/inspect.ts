/**
 * `inspectStream(src)`: reads an HLS or DASH manifest from a local path or an http(s) URL, with the
 * media playlists and indexes it names, and describes the stream: video variants (lowest bitrate
 * first) with every segment's URL, byte range, duration and size, audio renditions, encryption.
 * Segment sizes come from byte ranges when the manifest has them, from the `sidx` a DASH
 * SegmentBase points at, else from the file size or an HTTP HEAD (Content-Length), a few at a time.
 */
import { AbrkitError } from '../../core/errors.js';
import { codecFamily, mayBeVideo } from './codecs.js';
import { looksLikeDash, parseMpd, type DashRepresentationEntry } from './dash.js';
import { isMasterPlaylist, looksLikeHls, parseMasterPlaylist, parseMediaPlaylist, type HlsMediaPlaylist } from './hls.js';
import { createLoader, sourceUrl, type Loader, type LoaderOptions } from './loader.js';
import { parseSidx } from './sidx.js';
import type { AudioRendition, Encryption, InspectedStream, MediaSegment, SegmentRef, VideoVariant } from './types.js';

export type InspectOptions = LoaderOptions;

/** How many characters of a file that is not a manifest the error quotes. */
const QUOTED_CHARS = 60;

export async function inspectStream(src: string, options: InspectOptions = {}): Promise<InspectedStream> {
  const loader = createLoader(options);
  const { text, url } = await loader.text(sourceUrl(src));
  if (looksLikeHls(text)) return inspectHls(text, url, src, loader);
  if (looksLikeDash(text)) return inspectDash(text, url, src, loader);
  const start = text.slice(0, QUOTED_CHARS).replace(/\s+/g, ' ').trim();
  throw new AbrkitError('not-a-manifest', `${src}: neither an HLS playlist (first line #EXTM3U) nor a DASH MPD (root element <MPD>); it starts with '${start}'. Pass the master playlist (.m3u8) or the MPD (.mpd)`);
}

function noVideo(src: string, detail: string): AbrkitError {
  return new AbrkitError('no-video-variants', `${src}: no video variants (${detail}); abrkit evaluates video ladders, pass a manifest with video`);
}

/** Sizes for a list of segments: byte-range lengths, else one size look-up per distinct URL. */
async function sized(segments: readonly SegmentRef[], loader: Loader, sizes: Map<string, Promise<number>>): Promise<MediaSegment[]> {
  const sizeOf = (url: string) => {
    let size = sizes.get(url);
    if (!size) sizes.set(url, (size = loader.size(url)));
    return size;
  };
  return Promise.all(segments.map(async (s) => ({ ...s, sizeBytes: s.byteRange ? s.byteRange.length : await sizeOf(s.url) })));
}

function hlsEncryption(playlist: HlsMediaPlaylist): Encryption | null {
  const first = playlist.keys[0];
  if (!first) return null;
  return { method: first.method, keyUris: playlist.keys.flatMap((k) => (k.url ? [k.url] : [])) };
}

function streamEncryption(all: ReadonlyArray<Encryption | null>): Encryption | null {
  const present = all.filter((e): e is Encryption => e !== null);
  if (present.length === 0) return null;
  return { method: present[0]!.method, keyUris: [...new Set(present.flatMap((e) => e.keyUris))] };
}

function byBitrate(a: VideoVariant, b: VideoVariant): number {
  return a.bitrateBps - b.bitrateBps || (a.height ?? 0) - (b.height ?? 0);
}

async function inspectHls(text: string, manifestUrl: string, src: string, loader: Loader): Promise<InspectedStream> {
  const sizes = new Map<string, Promise<number>>();
  const playlists = new Map<string, Promise<HlsMediaPlaylist>>();
  const mediaPlaylist = (url: string) => {
    let playlist = playlists.get(url);
    if (!playlist) playlists.set(url, (playlist = loader.text(url).then((r) => parseMediaPlaylist(r.text, r.url, url))));
    return playlist;
  };
  const warnings: string[] = [];

  if (!isMasterPlaylist(text)) {
    // A media playlist on its own: one variant, its bitrate measured from its segments.
    const playlist = parseMediaPlaylist(text, manifestUrl, src);
    if (playlist.segments.length === 0) throw noVideo(src, 'a media playlist with no segments');
    const segments = await sized(playlist.segments, loader, sizes);
    const bytes = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
    const seconds = segments.reduce((sum, s) => sum + s.durationS, 0);
    const peak = Math.max(...segments.map((s) => (s.sizeBytes * 8) / s.durationS));
    warnings.push('a media playlist, not a master: one variant, its bitrate measured from the segment sizes, codec unknown');
    if (!playlist.endList) warnings.push('no EXT-X-ENDLIST: a live playlist, inspected as a snapshot');
    const variant: VideoVariant = {
      id: src,
      bitrateBps: Math.round((bytes * 8) / seconds),
      peakBitrateBps: Math.round(peak),
      codecFamily: 'unknown',
      audioMuxed: true,
      playlistUrl: manifestUrl,
      ...(playlist.init ? { init: playlist.init } : {}),
      segments,
      encryption: hlsEncryption(playlist),
    };
    return { kind: 'hls', manifestUrl, isLive: !playlist.endList, video: [variant], audio: [], encryption: variant.encryption, warnings };
  }

  const master = parseMasterPlaylist(text, manifestUrl, src);
  const videoEntries = master.variants.filter((v) => mayBeVideo(v.codecs));
  const skipped = master.variants.length - videoEntries.length;
  if (skipped > 0) warnings.push(`${skipped} audio-only variant(s) skipped`);
  if (videoEntries.length === 0) throw noVideo(src, master.variants.length === 0 ? 'the master playlist has no EXT-X-STREAM-INF' : 'every EXT-X-STREAM-INF is audio only');
  const audioEntries = master.renditions.filter((r) => r.type === 'AUDIO');

  const video = await Promise.all(
    videoEntries.map(async (entry): Promise<VideoVariant> => {
      const playlist = await mediaPlaylist(entry.url);
      if (!playlist.endList) warnings.push(`${entry.uri}: no EXT-X-ENDLIST, a live playlist inspected as a snapshot`);
      const group = entry.audioGroup === undefined ? [] : audioEntries.filter((r) => r.groupId === entry.audioGroup);
      return {
        id: entry.uri,
        bitrateBps: entry.averageBandwidthBps ?? entry.bandwidthBps,
        peakBitrateBps: entry.bandwidthBps,
        ...(entry.width === undefined ? {} : { width: entry.width, height: entry.height! }),
        ...(entry.frameRate === undefined ? {} : { frameRate: entry.frameRate }),
        ...(entry.codecs === undefined ? {} : { codecs: entry.codecs }),
        codecFamily: codecFamily(entry.codecs),
        audioMuxed: group.every((r) => r.url === undefined),
        ...(entry.audioGroup === undefined ? {} : { audioGroup: entry.audioGroup }),
        playlistUrl: entry.url,
        ...(playlist.init ? { init: playlist.init } : {}),
        segments: await sized(playlist.segments, loader, sizes),
        encryption: hlsEncryption(playlist),
      };
    }),
  );
  const audio = await Promise.all(
    audioEntries
      .filter((r) => r.url !== undefined)
      .map(async (r): Promise<AudioRendition> => {
        const playlist = await mediaPlaylist(r.url!);
        return {
          id: `${r.groupId}/${r.name}`,
          groupId: r.groupId,
          name: r.name,
          ...(r.language ? { language: r.language } : {}),
          isDefault: r.isDefault,
          ...(playlist.init ? { init: playlist.init } : {}),
          segments: await sized(playlist.segments, loader, sizes),
          encryption: hlsEncryption(playlist),
        };
      }),
  );
  const isLive = (await Promise.all(playlists.values())).some((p) => !p.endList);
  return {
    kind: 'hls',
    manifestUrl,
    isLive,
    video: video.sort(byBitrate),
    audio,
    encryption: streamEncryption([...video, ...audio].map((v) => v.encryption)),
    warnings,
  };
}

async function inspectDash(text: string, manifestUrl: string, src: string, loader: Loader): Promise<InspectedStream> {
  const mpd = parseMpd(text, manifestUrl, src);
  const sizes = new Map<string, Promise<number>>();
  const warnings: string[] = [];
  if (mpd.isLive) warnings.push('MPD type="dynamic": a live stream, inspected as a snapshot');
  const videoEntries = mpd.representations.filter((r) => r.contentType === 'video');
  if (videoEntries.length === 0) throw noVideo(src, mpd.representations.length === 0 ? 'the MPD has no Representation' : 'no AdaptationSet has video');

  const segmentsOf = async (entry: DashRepresentationEntry): Promise<MediaSegment[]> => {
    if (!entry.index) return sized(entry.segments, loader, sizes);
    const bytes = await loader.bytes(entry.index.url, entry.index.byteRange);
    const refs = parseSidx(bytes, entry.index.byteRange.offset, entry.index.url);
    return refs.map((r) => ({ url: entry.index!.url, byteRange: r.byteRange, durationS: r.durationS, sizeBytes: r.byteRange.length }));
  };
  const encryption = (entry: DashRepresentationEntry): Encryption | null => (entry.protected ? { method: 'cenc', keyUris: [] } : null);

  const video = await Promise.all(
    videoEntries.map(
      async (entry): Promise<VideoVariant> => ({
        id: entry.id,
        bitrateBps: entry.bandwidthBps,
        peakBitrateBps: entry.bandwidthBps,
        ...(entry.width === undefined ? {} : { width: entry.width }),
        ...(entry.height === undefined ? {} : { height: entry.height }),
        ...(entry.frameRate === undefined ? {} : { frameRate: entry.frameRate }),
        ...(entry.codecs === undefined ? {} : { codecs: entry.codecs }),
        codecFamily: codecFamily(entry.codecs),
        audioMuxed: false,
        playlistUrl: manifestUrl,
        ...(entry.init ? { init: entry.init } : {}),
        segments: await segmentsOf(entry),
        encryption: encryption(entry),
      }),
    ),
  );
  const audio = await Promise.all(
    mpd.representations
      .filter((r) => r.contentType === 'audio')
      .map(
        async (entry, i): Promise<AudioRendition> => ({
          id: entry.id,
          ...(entry.language ? { language: entry.language } : {}),
          isDefault: i === 0,
          bitrateBps: entry.bandwidthBps,
          ...(entry.codecs === undefined ? {} : { codecs: entry.codecs }),
          ...(entry.init ? { init: entry.init } : {}),
          segments: await segmentsOf(entry),
          encryption: encryption(entry),
        }),
      ),
  );
  return {
    kind: 'dash',
    manifestUrl,
    isLive: mpd.isLive,
    video: video.sort(byBitrate),
    audio,
    encryption: streamEncryption([...video, ...audio].map((v) => v.encryption)),
    warnings,
  };
}
