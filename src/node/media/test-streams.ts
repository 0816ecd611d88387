/**
 * The test streams abrkit generates for its real-browser runs, as data: ladders (total kbit/s,
 * video + audio), encoded sizes, segment duration, codecs. `generate.ts` turns a spec into media.
 *
 * Each rung is encoded at a low resolution with the bitrate still spent (noisy test pattern, CBR),
 * so encoding stays fast while every byte a player fetches is real.
 */

export type CodecFamily = 'avc' | 'vp9';

export interface VideoCodecSpec {
  readonly family: CodecFamily;
  /** RFC 6381 codec string written in the manifests. */
  readonly codecs: string;
}

export interface TestStreamSpec {
  readonly name: string;
  readonly description: string;
  /** Total bitrate per rung (video + audio), kbit/s, lowest first: the nominal ladder. */
  readonly ladderKbps: readonly number[];
  /** Encoded picture size per rung, `WxH`. */
  readonly sizes: readonly string[];
  readonly segmentDurationS: number;
  readonly fps: number;
  readonly audioKbps: number;
  readonly codecs: readonly VideoCodecSpec[];
  /**
   * `muxed`: audio inside every video segment (HLS) and its own adaptation set (DASH), as the first
   * stream always did. `separate`: one audio rendition both manifests share, as most services ship.
   */
  readonly audio: 'muxed' | 'separate';
  /** Also write an AES-128 encrypted copy of the HLS stream (`hls-aes/`). */
  readonly aes128: boolean;
  readonly defaultDurationS: number;
}

/** H.264 Constrained Baseline level 4.0 (x264's ultrafast preset makes baseline-compatible streams). */
const AVC: VideoCodecSpec = { family: 'avc', codecs: 'avc1.42c028' };
/** VP9 profile 0, level 4.0, 8 bit. */
const VP9: VideoCodecSpec = { family: 'vp9', codecs: 'vp09.00.40.08' };

/** The stream every figure so far rests on: Pensieve's ladder, 4 s segments, H.264, audio muxed. */
export const DEFAULT_STREAM: TestStreamSpec = {
  name: 'default',
  description: "Pensieve's ladder 300-4300 kbit/s, 6 rungs, 4 s segments, H.264, audio muxed",
  ladderKbps: [300, 750, 1200, 1850, 2850, 4300],
  sizes: ['320x180', '480x270', '640x360', '768x432', '960x540', '1280x720'],
  segmentDurationS: 4,
  fps: 25,
  audioKbps: 64,
  codecs: [{ family: 'avc', codecs: 'avc1.42c01f' }],
  audio: 'muxed',
  aes128: false,
  defaultDurationS: 60,
};

/**
 * A 4K-class ladder (the top rung spends 16 Mbit/s, as 2160p does at common encoder settings),
 * 8 rungs, 2 s segments, in H.264 and VP9, audio as its own rendition, plus an AES-128 HLS copy.
 * Pictures are at most 640x360 so a CI machine encodes it in under a minute.
 */
export const UHD_STREAM: TestStreamSpec = {
  name: 'uhd',
  description: '8 rungs 400-16000 kbit/s (4K-class top), 2 s segments, H.264 + VP9, separate audio, AES-128 HLS copy',
  ladderKbps: [400, 750, 1200, 2000, 3200, 5200, 8500, 16000],
  sizes: ['320x180', '384x216', '448x252', '512x288', '576x324', '640x360', '640x360', '640x360'],
  segmentDurationS: 2,
  fps: 25,
  audioKbps: 64,
  codecs: [AVC, VP9],
  audio: 'separate',
  aes128: true,
  defaultDurationS: 24,
};

export const TEST_STREAMS: Readonly<Record<string, TestStreamSpec>> = { default: DEFAULT_STREAM, uhd: UHD_STREAM };
