/**
 * Video ladders with per-segment sizes from text: Pensieve's video_size_N files, Sabre's manifest
 * JSON, abrkit's ladder JSON.
 */
import type { Ladder, Rendition } from '../core/ladder.js';
import { validateLadder } from '../core/ladder.js';
import { AbrkitError, ParseError } from '../core/errors.js';
import { lineOfArrayElement, parseJsonWithLine } from './json-lines.js';

/** A ladder whose per-segment sizes are all known: what the simulator needs. */
export interface SimVideo extends Ladder {
  readonly name: string;
  readonly segmentSizesBytes: readonly (readonly number[])[];
}

export interface PensieveVideoOptions {
  readonly name: string;
  /** Nominal bitrates per rung. When absent: each rung's mean bitrate rounded to 50 kbps (exact for Envivio). */
  readonly bitratesKbps?: readonly number[];
  /** Pensieve's VIDEO_CHUNCK_LEN: 4 s. */
  readonly segmentDurationS?: number;
}

const PENSIEVE_SEGMENT_DURATION_S = 4;
/** Nominal bitrates are conventionally round numbers; 50 kbps steps recover Pensieve's 300..4300 exactly. */
const NOMINAL_BITRATE_STEP_KBPS = 50;

/**
 * Pensieve's `video_size_N` files: one chunk size in bytes per line, one file per rung
 * (`video_size_0` is the lowest). `files` maps each file name to its text.
 */
export function parsePensieveVideo(files: ReadonlyArray<{ name: string; text: string }>, options: PensieveVideoOptions): SimVideo {
  const segmentDurationS = options.segmentDurationS ?? PENSIEVE_SEGMENT_DURATION_S;
  const byRung = new Map<number, { name: string; text: string }>();
  for (const file of files) {
    const match = /^video_size_(\d+)$/.exec(file.name);
    if (match) byRung.set(Number(match[1]), file);
  }
  if (byRung.size === 0) throw new ParseError('ladder-parse', options.name, undefined, 'no video_size_N files');
  const rungs = byRung.size;
  const sizesByRung: number[][] = [];
  for (let rung = 0; rung < rungs; rung++) {
    const file = byRung.get(rung);
    if (!file) throw new ParseError('ladder-parse', `${options.name}/video_size_${rung}`, undefined, 'file is missing (rungs must be numbered 0..N-1)');
    const sizes: number[] = [];
    file.text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      const bytes = line === '' ? NaN : Number(line);
      if (!Number.isFinite(bytes) || bytes <= 0) {
        throw new ParseError('ladder-parse', `${options.name}/${file.name}`, i + 1, `expected a positive chunk size in bytes, found '${line}'`);
      }
      sizes.push(bytes);
    });
    sizesByRung.push(sizes);
  }
  const segments = sizesByRung[0].length;
  sizesByRung.forEach((sizes, rung) => {
    if (sizes.length !== segments) {
      throw new ParseError('ladder-parse', `${options.name}/video_size_${rung}`, undefined, `has ${sizes.length} chunks, video_size_0 has ${segments}`);
    }
  });
  const bitratesKbps =
    options.bitratesKbps ??
    sizesByRung.map((sizes) => {
      const meanKbps = (sizes.reduce((a, b) => a + b, 0) * 8) / sizes.length / segmentDurationS / 1000;
      return Math.max(NOMINAL_BITRATE_STEP_KBPS, Math.round(meanKbps / NOMINAL_BITRATE_STEP_KBPS) * NOMINAL_BITRATE_STEP_KBPS);
    });
  if (bitratesKbps.length !== rungs) {
    throw new AbrkitError('invalid-ladder', `${options.name}: ${bitratesKbps.length} bitrates for ${rungs} rungs`);
  }
  return toVideo(options.name, bitratesKbps.map((kbps) => kbps * 1000), segmentDurationS, transpose(sizesByRung, segments));
}

/** Sabre's manifest JSON: `{segment_duration_ms, bitrates_kbps, segment_sizes_bits: [[bits per rung]...]}`. */
export function parseSabreManifest(text: string, name: string): SimVideo {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw new ParseError('ladder-parse', name, parsed.line, parsed.message);
  const doc = parsed.value as Record<string, unknown>;
  const segmentDurationMs = doc?.segment_duration_ms;
  if (typeof segmentDurationMs !== 'number' || !(segmentDurationMs > 0)) {
    throw new ParseError('ladder-parse', name, undefined, 'segment_duration_ms must be a positive number');
  }
  const bitrates = numberArray(doc.bitrates_kbps, name, 'bitrates_kbps', text);
  const rows = doc.segment_sizes_bits;
  if (!Array.isArray(rows) || rows.length === 0) throw new ParseError('ladder-parse', name, undefined, 'segment_sizes_bits must be a non-empty array');
  const sizes = rows.map((row: unknown, i: number) => {
    const line = lineOfArrayElement(text, i, 'segment_sizes_bits');
    if (!Array.isArray(row) || row.length !== bitrates.length) {
      throw new ParseError('ladder-parse', name, line, `segment ${i}: expected ${bitrates.length} sizes`);
    }
    return row.map((bits: unknown) => {
      if (typeof bits !== 'number' || !(bits > 0)) throw new ParseError('ladder-parse', name, line, `segment ${i}: size ${JSON.stringify(bits)} is not a positive number`);
      return bits / 8;
    });
  });
  return toVideo(name, bitrates.map((kbps) => kbps * 1000), segmentDurationMs / 1000, sizes);
}

/**
 * abrkit's own ladder JSON:
 * `{"format": "abrkit-ladder", "version": 1, "segmentDurationS": 4,
 *   "renditions": [{"id", "bitrateBps", "width"?, "height"?, "codecs"?}],
 *   "segmentSizesBytes": [[bytes per rung], ...]}`
 */
export function parseAbrkitLadder(text: string, name: string): SimVideo {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw new ParseError('ladder-parse', name, parsed.line, parsed.message);
  const doc = parsed.value as Record<string, unknown>;
  if (doc?.format !== 'abrkit-ladder' || doc.version !== 1) {
    throw new ParseError('ladder-parse', name, 1, 'expected "format": "abrkit-ladder" and "version": 1');
  }
  const segmentDurationS = doc.segmentDurationS;
  if (typeof segmentDurationS !== 'number' || !(segmentDurationS > 0)) throw new ParseError('ladder-parse', name, undefined, 'segmentDurationS must be a positive number');
  if (!Array.isArray(doc.renditions)) throw new ParseError('ladder-parse', name, undefined, 'renditions must be an array');
  const renditions: Rendition[] = doc.renditions.map((r: unknown, i: number) => {
    const line = lineOfArrayElement(text, i, 'renditions');
    const rec = r as Record<string, unknown>;
    if (typeof rec?.bitrateBps !== 'number' || !(rec.bitrateBps > 0)) throw new ParseError('ladder-parse', name, line, `rendition ${i}: bitrateBps must be a positive number`);
    return {
      id: typeof rec.id === 'string' ? rec.id : String(i),
      bitrateBps: rec.bitrateBps,
      ...(typeof rec.width === 'number' ? { width: rec.width } : {}),
      ...(typeof rec.height === 'number' ? { height: rec.height } : {}),
      ...(typeof rec.codecs === 'string' ? { codecs: rec.codecs } : {}),
    };
  });
  const rows = doc.segmentSizesBytes;
  if (!Array.isArray(rows)) throw new ParseError('ladder-parse', name, undefined, 'segmentSizesBytes must be an array (the simulator needs sizes)');
  const sizes = rows.map((row: unknown, i: number) => {
    if (!Array.isArray(row) || row.length !== renditions.length || row.some((b) => typeof b !== 'number' || !(b > 0))) {
      throw new ParseError('ladder-parse', name, lineOfArrayElement(text, i, 'segmentSizesBytes'), `segment ${i}: expected ${renditions.length} positive sizes`);
    }
    return row as number[];
  });
  const video: SimVideo = { name, renditions, segmentDurationS, segmentSizesBytes: sizes };
  return checked(video);
}

/** Any JSON ladder format, detected from its keys. */
export function parseLadderJson(text: string, name: string): SimVideo {
  const parsed = parseJsonWithLine(text);
  if (!parsed.ok) throw new ParseError('ladder-parse', name, parsed.line, parsed.message);
  const doc = parsed.value as Record<string, unknown> | null;
  if (doc && typeof doc === 'object' && 'segment_sizes_bits' in doc) return parseSabreManifest(text, name);
  return parseAbrkitLadder(text, name);
}

function toVideo(name: string, bitratesBps: number[], segmentDurationS: number, sizes: number[][]): SimVideo {
  return checked({
    name,
    renditions: bitratesBps.map((bitrateBps, i) => ({ id: String(i), bitrateBps })),
    segmentDurationS,
    segmentSizesBytes: sizes,
  });
}

function checked(video: SimVideo): SimVideo {
  if (video.segmentSizesBytes.length === 0) throw new ParseError('ladder-parse', video.name, undefined, 'the video has no segments');
  try {
    validateLadder(video);
  } catch (error) {
    throw new ParseError('ladder-parse', video.name, undefined, error instanceof Error ? error.message : String(error));
  }
  return video;
}

function numberArray(value: unknown, name: string, key: string, text: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new ParseError('ladder-parse', name, undefined, `${key} must be a non-empty array`);
  return value.map((v: unknown, i: number) => {
    if (typeof v !== 'number' || !(v > 0)) throw new ParseError('ladder-parse', name, lineOfArrayElement(text, i, key), `${key}[${i}] must be a positive number`);
    return v;
  });
}

function transpose(byRung: number[][], segments: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < segments; s++) out.push(byRung.map((sizes) => sizes[s]));
  return out;
}
