/**
 * LL-HLS from the generated test stream, published in real time: each rendition's HLS segments are
 * remuxed once (ffmpeg, `-c copy`) into 1 s CMAF fragments, cached beside the stream; a fragment is a
 * part (`p<msn>.<part>.m4s`), four make a segment (`s<msn>.m4s`, the same bytes). The playlist at a
 * moment lists what is published then, with EXT-X-PART-INF, EXT-X-SERVER-CONTROL (CAN-BLOCK-RELOAD,
 * PART-HOLD-BACK) and EXT-X-PRELOAD-HINT. Publication is a function of session time only, the same for
 * every rendition, so all levels carry the same media sequence numbers at the same wall time (the
 * earlier attempt's bug after level switches). The server does the blocking (`_HLS_msn`/`_HLS_part`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbrkitError } from '../../core/errors.js';

/** One rendition: its init segment and its parts in order. */
export interface LlHlsRendition {
  readonly init: Buffer;
  readonly parts: readonly Buffer[];
}

export interface LlHlsTiming {
  /** Part duration, seconds (the remux's fragment duration). */
  readonly partDurationS: number;
  /** Parts in a segment (segment duration / part duration). */
  readonly partsPerSegment: number;
  /** Segments already published when the session starts. */
  readonly initialSegments: number;
  /** Segments the playlist lists at most. */
  readonly windowSegments: number;
}

export interface LlHlsStream {
  readonly master: string;
  readonly renditions: ReadonlyMap<string, LlHlsRendition>;
  readonly timing: LlHlsTiming;
}

/** Parts are listed for this many of the newest segments (RFC 8216bis: at least those within 3 target durations of the edge). */
const SEGMENTS_WITH_PARTS = 3;
/** PART-HOLD-BACK in part durations (the spec's minimum is 2; 3 is what Apple's tools publish). */
const PART_HOLD_BACK_PARTS = 3;
/** The remux's fragment duration, microseconds (ffmpeg's -frag_duration). */
const FRAGMENT_US = 1_000_000;

/** Top-level ISO-BMFF boxes of a fragmented MP4: the init (ftyp+moov) and each moof with its mdat. */
export function splitFragments(file: Buffer): { init: Buffer; fragments: Buffer[] } {
  const boxes: { type: string; start: number; end: number }[] = [];
  for (let offset = 0; offset + 8 <= file.length; ) {
    let size = file.readUInt32BE(offset);
    if (size === 1) size = Number(file.readBigUInt64BE(offset + 8));
    if (size < 8 || offset + size > file.length) throw new AbrkitError('invalid-options', `ll-hls: bad box at byte ${offset}`);
    boxes.push({ type: file.toString('latin1', offset + 4, offset + 8), start: offset, end: offset + size });
    offset += size;
  }
  const firstMoof = boxes.findIndex((b) => b.type === 'moof');
  if (firstMoof < 1) throw new AbrkitError('invalid-options', 'll-hls: not a fragmented MP4');
  const init = file.subarray(0, boxes[firstMoof]!.start);
  const fragments: Buffer[] = [];
  for (let i = firstMoof; i < boxes.length; i++) {
    if (boxes[i]!.type !== 'moof') continue;
    const mdat = boxes[i + 1];
    if (mdat?.type !== 'mdat') throw new AbrkitError('invalid-options', 'll-hls: moof without mdat');
    fragments.push(file.subarray(boxes[i]!.start, mdat.end));
  }
  return { init, fragments };
}

/** Parts published `elapsedS` into the session (never more than `totalParts`). */
export function publishedParts(timing: LlHlsTiming, totalParts: number, elapsedS: number): number {
  return Math.min(totalParts, timing.initialSegments * timing.partsPerSegment + Math.floor(Math.max(0, elapsedS) / timing.partDurationS));
}

/** Session time, seconds, at which `count` parts are published (0 if already at the start). */
export function publishTimeS(timing: LlHlsTiming, count: number): number {
  return Math.max(0, (count - timing.initialSegments * timing.partsPerSegment) * timing.partDurationS);
}

/** Parts a playlist must list to answer `_HLS_msn`/`_HLS_part` (no part: the whole segment). */
export function partsNeeded(timing: LlHlsTiming, msn: number, part: number | null): number {
  return part === null ? (msn + 1) * timing.partsPerSegment : msn * timing.partsPerSegment + part + 1;
}

/** The media playlist when `published` of the rendition's `totalParts` parts are out. */
export function llHlsPlaylist(timing: LlHlsTiming, totalParts: number, published: number): string {
  const k = timing.partsPerSegment;
  const partS = timing.partDurationS.toFixed(5);
  const complete = Math.floor(published / k);
  const totalSegments = Math.ceil(totalParts / k);
  const ended = published >= totalParts;
  const first = Math.max(0, complete - timing.windowSegments);
  const out = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${Math.ceil(timing.partDurationS * k)}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(timing.partDurationS * PART_HOLD_BACK_PARTS).toFixed(3)}`,
    `#EXT-X-PART-INF:PART-TARGET=${partS}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    '#EXT-X-MAP:URI="init.mp4"',
  ];
  const parts = (msn: number, count: number): void => {
    for (let p = 0; p < count; p++) out.push(`#EXT-X-PART:DURATION=${partS},URI="p${msn}.${p}.m4s"${p === 0 ? ',INDEPENDENT=YES' : ''}`);
  };
  const lastComplete = ended ? totalSegments : complete;
  for (let msn = first; msn < lastComplete; msn++) {
    const count = Math.min(k, totalParts - msn * k);
    if (msn >= lastComplete - SEGMENTS_WITH_PARTS) parts(msn, count);
    out.push(`#EXTINF:${(count * timing.partDurationS).toFixed(5)},`, `s${msn}.m4s`);
  }
  if (ended) {
    out.push('#EXT-X-ENDLIST');
  } else {
    parts(complete, published - complete * k);
    out.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p${complete}.${published - complete * k}.m4s"`);
  }
  return `${out.join('\n')}\n`;
}

/** What a `ll-hls/<rendition>/<file>` path names: init, a part or a whole segment, with its first part and part count. */
export function llHlsResource(stream: LlHlsStream, path: string): { body: () => Buffer; needsParts: number } | null {
  if (path === 'master.m3u8') return { body: () => Buffer.from(stream.master), needsParts: 0 };
  const match = /^([^/]+)\/(init\.mp4|p(\d+)\.(\d+)\.m4s|s(\d+)\.m4s)$/.exec(path);
  const rendition = match ? stream.renditions.get(match[1]!) : undefined;
  if (!match || !rendition) return null;
  const k = stream.timing.partsPerSegment;
  if (match[2] === 'init.mp4') return { body: () => rendition.init, needsParts: 0 };
  if (match[3] !== undefined) {
    const index = Number(match[3]) * k + Number(match[4]);
    if (Number(match[4]) >= k || index >= rendition.parts.length) return null;
    return { body: () => rendition.parts[index]!, needsParts: index + 1 };
  }
  const first = Number(match[5]) * k;
  if (first >= rendition.parts.length) return null;
  const last = Math.min(rendition.parts.length, first + k);
  return { body: () => Buffer.concat(rendition.parts.slice(first, last)), needsParts: last };
}

/**
 * The LL-HLS copy of a generated stream in `mediaDir` (its `hls/` renditions): remuxed once into
 * `<mediaDir>/ll-hls/<id>.mp4` (kept), read and split. Needs ffmpeg on the first call.
 */
export function loadLlHlsStream(mediaDir: string, timing: Omit<LlHlsTiming, 'partDurationS' | 'partsPerSegment'> & { readonly segmentDurationS: number }): LlHlsStream {
  const hlsDir = join(mediaDir, 'hls');
  const master = readFileSync(join(hlsDir, 'master.m3u8'), 'utf8');
  if (master.includes('#EXT-X-MEDIA:')) throw new AbrkitError('invalid-options', 'll-hls: only streams with muxed audio (the default test stream)');
  const ids = master.split(/\r?\n/).filter((line) => line.endsWith('/index.m3u8')).map((line) => line.slice(0, -'/index.m3u8'.length));
  const cacheDir = join(mediaDir, 'll-hls');
  mkdirSync(cacheDir, { recursive: true });
  const renditions = new Map<string, LlHlsRendition>();
  let totalParts: number | null = null;
  for (const id of ids) {
    const file = join(cacheDir, `${id}.mp4`);
    if (!existsSync(file)) remux(join(hlsDir, id), file);
    const { init, fragments } = splitFragments(readFileSync(file));
    if (totalParts !== null && fragments.length !== totalParts) throw new AbrkitError('invalid-options', `ll-hls: ${id} has ${fragments.length} parts, others ${totalParts}`);
    totalParts = fragments.length;
    renditions.set(id, { init, parts: fragments });
  }
  const partDurationS = FRAGMENT_US / 1e6;
  return {
    master,
    renditions,
    timing: { partDurationS, partsPerSegment: Math.max(1, Math.round(timing.segmentDurationS / partDurationS)), initialSegments: timing.initialSegments, windowSegments: timing.windowSegments },
  };
}

function remux(renditionDir: string, file: string): void {
  const segments = readdirSync(renditionDir).filter((f) => f.endsWith('.m4s')).sort();
  const joined = `${file}.in.mp4`;
  writeFileSync(joined, Buffer.concat([readFileSync(join(renditionDir, 'init.mp4')), ...segments.map((f) => readFileSync(join(renditionDir, f)))]));
  const tmp = `${file}.tmp.mp4`;
  // empty_moov + default_base_moof: CMAF-style fragments; frag_duration cuts them at 1 s whatever the GOP.
  const result = spawnSync('nice', ['-n', '19', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-i', joined, '-c', 'copy', '-f', 'mp4', '-movflags', '+empty_moov+default_base_moof', '-frag_duration', String(FRAGMENT_US), tmp], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error || result.status !== 0) throw new AbrkitError('invalid-options', `ll-hls: ffmpeg failed: ${result.error?.message ?? result.stderr.trim()}`);
  renameSync(tmp, file);
  rmSync(joined, { force: true });
}
