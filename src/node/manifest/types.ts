/**
 * What `inspectStream` learns from an HLS or DASH manifest: the video variants (lowest bitrate
 * first) with every segment's URL, byte range, duration and size, the audio renditions, and the
 * encryption. URLs are absolute (`file:` for a local manifest, else `http(s):`).
 */

export type StreamKind = 'hls' | 'dash';

/** Video codec families abrkit tells apart; `unknown` when the manifest names no codec abrkit knows. */
import type { CodecFamily } from '../../core/codecs.js';

export type { CodecFamily };

/** A byte range in a resource: `length` bytes from `offset` (HLS `n@o`, DASH `first-last`). */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** A segment as a manifest lists it, before its size is known. */
export interface SegmentRef {
  readonly url: string;
  readonly byteRange?: ByteRange;
  readonly durationS: number;
}

export interface MediaSegment {
  readonly url: string;
  readonly byteRange?: ByteRange;
  readonly durationS: number;
  /** What a player downloads for it: the byte range's length, a sidx reference's size, or Content-Length. */
  readonly sizeBytes: number;
}

/** An initialization segment (HLS `EXT-X-MAP`, DASH `Initialization`): fetched once, never a throughput sample. */
export interface InitSegment {
  readonly url: string;
  readonly byteRange?: ByteRange;
}

/** Encryption as the manifest declares it. HLS AES-128 key URIs are never segments. */
export interface Encryption {
  /** HLS `METHOD` (`AES-128`, `SAMPLE-AES`, ...) or `cenc` for a DASH `ContentProtection`. */
  readonly method: string;
  /** HLS key URIs (absolute), in playlist order, each once. Empty for DASH. */
  readonly keyUris: readonly string[];
}

export interface VideoVariant {
  /** HLS: the variant's playlist URI as written; DASH: the Representation `id`. */
  readonly id: string;
  /**
   * The bitrate players rank the variant by, bit/s: HLS `AVERAGE-BANDWIDTH` when present, else
   * `BANDWIDTH` (what abrkit's hls.js adapter uses); DASH `@bandwidth` of the video alone.
   */
  readonly bitrateBps: number;
  /** HLS `BANDWIDTH` (peak, audio included); DASH `@bandwidth`. */
  readonly peakBitrateBps: number;
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  /** The codecs string as written (HLS `CODECS` may also name the audio codec). */
  readonly codecs?: string;
  readonly codecFamily: CodecFamily;
  /**
   * Whether this variant's segments also carry the audio: HLS variants with no audio group, or
   * whose group's renditions have no URI. DASH video is never muxed here.
   */
  readonly audioMuxed: boolean;
  /** HLS `AUDIO` group id. */
  readonly audioGroup?: string;
  /** HLS: the media playlist's URL; DASH: the manifest's. */
  readonly playlistUrl: string;
  readonly init?: InitSegment;
  readonly segments: readonly MediaSegment[];
  readonly encryption: Encryption | null;
}

export interface AudioRendition {
  /** HLS: `GROUP-ID/NAME`; DASH: the Representation `id`. */
  readonly id: string;
  readonly groupId?: string;
  readonly name?: string;
  readonly language?: string;
  /** HLS `DEFAULT=YES`; DASH: the first audio Representation. */
  readonly isDefault: boolean;
  /** DASH `@bandwidth`; HLS renditions have none. */
  readonly bitrateBps?: number;
  readonly codecs?: string;
  readonly init?: InitSegment;
  readonly segments: readonly MediaSegment[];
  readonly encryption: Encryption | null;
}

export interface InspectedStream {
  readonly kind: StreamKind;
  /** The manifest's absolute URL (`file:` for a local file). */
  readonly manifestUrl: string;
  /** HLS without `EXT-X-ENDLIST`, or DASH `type="dynamic"`: the segments are a snapshot. */
  readonly isLive: boolean;
  /** Video variants, lowest `bitrateBps` first. Never empty. */
  readonly video: readonly VideoVariant[];
  /** Audio renditions in separate playlists / adaptation sets (muxed audio is not listed). */
  readonly audio: readonly AudioRendition[];
  /** The first encryption any variant declares, with every key URI of all of them; null when clear. */
  readonly encryption: Encryption | null;
  /** Things that did not stop the inspection but are worth knowing (live snapshot, skipped variants, ...). */
  readonly warnings: readonly string[];
}
