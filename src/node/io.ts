/** Traces and ladders from disk (a file or a folder), for the CLI, training and benchmarks. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Trace } from '../sim/trace.js';
import { parseTrace } from '../sim/trace-parsers.js';
import { parseLadderJson, parsePensieveVideo, type SimVideo } from '../sim/ladder-parsers.js';
import { ParseError } from '../core/errors.js';

/** Reads one trace file, or every trace file in a directory sorted by name. Hidden files are skipped. */
export function loadTraces(path: string): Trace[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => !name.startsWith('.'))
        .sort()
        .map((name) => join(path, name))
        .filter((file) => statSync(file).isFile())
    : [path];
  if (files.length === 0) throw new ParseError('trace-parse', path, undefined, 'no trace files in the directory');
  return files.map((file) => parseTrace(readFileSync(file, 'utf8'), { name: basename(file) }));
}

/**
 * Reads a video: a Pensieve `video_size_N` directory, a JSON ladder (Sabre manifest or abrkit's
 * own), or a directory holding exactly one JSON ladder.
 */
export function loadVideo(path: string, options: { bitratesKbps?: readonly number[]; segmentDurationS?: number } = {}): SimVideo {
  if (statSync(path).isDirectory()) {
    const names = readdirSync(path).sort();
    const sizeFiles = names.filter((name) => /^video_size_\d+$/.test(name));
    if (sizeFiles.length > 0) {
      return parsePensieveVideo(
        sizeFiles.map((name) => ({ name, text: readFileSync(join(path, name), 'utf8') })),
        { name: basename(path), ...options },
      );
    }
    const jsons = names.filter((name) => extname(name) === '.json');
    if (jsons.length !== 1) {
      throw new ParseError('ladder-parse', path, undefined, 'expected video_size_N files or exactly one .json ladder');
    }
    return parseLadderJson(readFileSync(join(path, jsons[0]), 'utf8'), join(path, jsons[0]));
  }
  return parseLadderJson(readFileSync(path, 'utf8'), path);
}
