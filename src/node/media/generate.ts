/**
 * Generates a test stream from its spec with Debian's ffmpeg: every rung encoded from a noisy test
 * pattern at a constant bitrate, packaged as HLS (fMP4, master + media playlists) and DASH, plus an
 * AES-128 encrypted HLS copy when the spec asks for one, and `stream.json` describing it.
 *
 * Idempotent: a folder whose stream.json was written for the same spec and duration is kept.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbrkitError } from '../../core/errors.js';
import type { StreamInfo, StreamVariant } from '../../pages/protocol.js';
import { encryptHlsCopy } from './aes-copy.js';
import type { CodecFamily, TestStreamSpec, VideoCodecSpec } from './test-streams.js';
import { writeDashManifest } from './dash-manifest.js';

export interface GenerateOptions {
  readonly outDir: string;
  readonly durationS?: number;
  readonly log?: (line: string) => void;
}

/** Bumped when the recipe changes, so folders made by an older one are regenerated. */
const GENERATOR_VERSION = 2;

export function generateTestStream(spec: TestStreamSpec, options: GenerateOptions): StreamInfo {
  const durationS = options.durationS ?? spec.defaultDurationS;
  const out = options.outDir;
  const log = options.log ?? (() => undefined);
  const stamp = `${spec.name}/${GENERATOR_VERSION}/${durationS}`;
  const infoFile = join(out, 'stream.json');
  if (existsSync(infoFile)) {
    const existing = JSON.parse(readFileSync(infoFile, 'utf8')) as StreamInfo & { generator?: string };
    if (existing.generator === stamp) {
      log(`${out} already holds the ${spec.name} stream (${durationS} s)`);
      return existing;
    }
  }
  requireFfmpeg();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'src'), { recursive: true });
  const started = Date.now();
  const variants: StreamVariant[] = [];
  if (spec.audio === 'separate') encodeAudio(spec, durationS, out, log);
  for (const codec of spec.codecs) {
    spec.ladderKbps.forEach((totalKbps, rung) => {
      const id = renditionId(spec, codec.family, rung);
      log(`${id}: ${totalKbps} kbit/s total, ${spec.sizes[rung]}`);
      encodeRendition(spec, codec, rung, durationS, out);
      variants.push({ id, family: codec.family, codecs: codec.codecs, rung, totalKbps, size: spec.sizes[rung]!, measuredKbps: measuredKbps(join(out, 'hls', id), durationS) });
    });
  }
  writeHlsMaster(spec, variants, join(out, 'hls', 'master.m3u8'));
  if (spec.audio === 'muxed') packageMuxedDash(spec, out);
  else writeDashManifest(spec, variants, durationS, join(out, 'dash', 'manifest.mpd'));
  rmSync(join(out, 'src'), { recursive: true, force: true });
  if (spec.aes128) encryptHlsCopy(join(out, 'hls'), join(out, 'hls-aes'));
  const info: StreamInfo & { generator: string } = {
    durationS,
    segmentDurationS: spec.segmentDurationS,
    ladderKbps: spec.ladderKbps,
    hls: 'hls/master.m3u8',
    dash: 'dash/manifest.mpd',
    ...(spec.aes128 ? { hlsAes: 'hls-aes/master.m3u8' } : {}),
    variants,
    generator: stamp,
  };
  writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
  log(`wrote ${out} (${(folderBytes(out) / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return info;
}

/** `r3` for a single-codec stream (the first stream's layout), `vp9-r3` when there are several. */
export function renditionId(spec: TestStreamSpec, family: CodecFamily, rung: number): string {
  return spec.codecs.length === 1 ? `r${rung}` : `${family}-r${rung}`;
}

function requireFfmpeg(): void {
  const probe = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new AbrkitError('invalid-options', 'ffmpeg is needed to generate the test stream: apt-get install ffmpeg');
}

function ffmpeg(args: readonly string[], cwd?: string): void {
  const result = spawnSync('nice', ['-n', '19', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error || result.status !== 0) throw new AbrkitError('invalid-options', `ffmpeg failed: ${result.error?.message ?? result.stderr.trim()}`);
}

const sourceArgs = (spec: TestStreamSpec, size: string): string[] => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${spec.fps},noise=alls=24:allf=t`];

function encoderArgs(spec: TestStreamSpec, codec: VideoCodecSpec, videoKbps: number): string[] {
  const gop = String(spec.segmentDurationS * spec.fps);
  const keyframes = ['-g', gop, '-keyint_min', gop];
  const rate = ['-b:v', `${videoKbps}k`, '-minrate', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${Math.round(videoKbps / 2)}k`];
  if (codec.family === 'avc') {
    // The first stream's recipe, unchanged (its figures rest on it); newer streams pad to CBR so
    // the top rungs really spend their bitrate on small pictures.
    const cbr = spec.name === 'default' ? [] : ['-x264-params', 'nal-hrd=cbr'];
    return ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...rate, ...keyframes, '-sc_threshold', '0', ...cbr];
  }
  return ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-pix_fmt', 'yuv420p', ...rate, '-qmin', '0', '-qmax', '50', ...keyframes];
}

function hlsArgs(spec: TestStreamSpec, dir: string): string[] {
  return [
    '-f', 'hls', '-hls_time', String(spec.segmentDurationS), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(dir, 'seg%03d.m4s'), join(dir, 'index.m3u8'),
  ];
}

function encodeRendition(spec: TestStreamSpec, codec: VideoCodecSpec, rung: number, durationS: number, out: string): void {
  const size = spec.sizes[rung]!;
  const videoKbps = spec.ladderKbps[rung]! - spec.audioKbps;
  const dir = join(out, 'hls', renditionId(spec, codec.family, rung));
  mkdirSync(dir, { recursive: true });
  if (spec.audio === 'muxed') {
    const file = join(out, 'src', `r${rung}.mp4`);
    ffmpeg([...sourceArgs(spec, size), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(durationS), ...encoderArgs(spec, codec, videoKbps), '-c:a', 'aac', '-b:a', `${spec.audioKbps}k`, '-ac', '2', file]);
    ffmpeg(['-i', file, '-c', 'copy', ...hlsArgs(spec, dir)]);
  } else {
    ffmpeg([...sourceArgs(spec, size), '-t', String(durationS), ...encoderArgs(spec, codec, videoKbps), ...hlsArgs(spec, dir)]);
  }
}

function encodeAudio(spec: TestStreamSpec, durationS: number, out: string, log: (line: string) => void): void {
  log(`audio: AAC ${spec.audioKbps} kbit/s`);
  const dir = join(out, 'hls', 'audio');
  mkdirSync(dir, { recursive: true });
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(durationS), '-c:a', 'aac', '-b:a', `${spec.audioKbps}k`, '-ac', '2', ...hlsArgs(spec, dir)]);
}

function writeHlsMaster(spec: TestStreamSpec, variants: readonly StreamVariant[], file: string): void {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const separate = spec.audio === 'separate';
  if (separate) lines.push('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="main",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"');
  for (const v of variants) {
    // BANDWIDTH is the nominal rung, the same figure the simulator uses.
    const bps = v.totalKbps * 1000;
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${bps},AVERAGE-BANDWIDTH=${bps},RESOLUTION=${v.size},CODECS="${v.codecs},mp4a.40.2",FRAME-RATE=${spec.fps}${separate ? ',AUDIO="audio"' : ''}`);
    lines.push(`${v.id}/index.m3u8`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The first stream's DASH packaging: ffmpeg's dash muxer over the muxed sources. */
function packageMuxedDash(spec: TestStreamSpec, out: string): void {
  const dashDir = join(out, 'dash');
  mkdirSync(dashDir, { recursive: true });
  const inputs = spec.ladderKbps.flatMap((_, i) => ['-i', join(out, 'src', `r${i}.mp4`)]);
  const maps = spec.ladderKbps.flatMap((_, i) => ['-map', `${i}:v:0`]);
  ffmpeg([
    ...inputs, ...maps, '-map', '0:a:0', '-c', 'copy',
    '-f', 'dash', '-seg_duration', String(spec.segmentDurationS), '-use_template', '1', '-use_timeline', '0',
    '-init_seg_name', 'init-$RepresentationID$.mp4', '-media_seg_name', 'seg-$RepresentationID$-$Number%03d$.m4s',
    '-adaptation_sets', 'id=0,streams=v id=1,streams=a', 'manifest.mpd',
  ], dashDir);
}

/** Mean bitrate of a rendition's media segments, kbit/s. */
function measuredKbps(dir: string, durationS: number): number {
  const bytes = readdirSync(dir).filter((f) => f.endsWith('.m4s')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  return Math.round((bytes * 8) / durationS / 1000);
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    total += stat.isDirectory() ? folderBytes(path) : stat.size;
  }
  return total;
}
