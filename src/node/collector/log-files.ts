/**
 * The collector's files: `events-NNNNNN.ndjson`, one event a line. Each stored line is the client's
 * event JSON with two fields put in front: `_ik`, the batch's Idempotency-Key, and `_bn`, the number
 * of events in that batch. A batch is appended in one write and fsynced before the client hears 2xx,
 * so on restart the dedupe index is rebuilt from the files alone: a key counts as accepted only when
 * all `_bn` of its lines are there. A batch torn by a crash can only be at the end of the newest file;
 * it is cut off (the client never got a 2xx for it, so it will send it again).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const BATCH_KEY_FIELD = '_ik';
export const BATCH_SIZE_FIELD = '_bn';
const FILE_PATTERN = /^events-(\d{6})\.ndjson$/;
const LINE_PREFIX = /^\{"_ik":"([^"\\]+)","_bn":(\d+),/;

export interface RecoveredLog {
  readonly acceptedKeys: Set<string>;
  readonly events: number;
  /** Bytes cut from the newest file's end (a torn batch or line). */
  readonly truncatedBytes: number;
  readonly currentFile: string;
  readonly currentFileBytes: number;
  readonly fileIndex: number;
}

export function logFileName(index: number): string {
  return `events-${String(index).padStart(6, '0')}.ndjson`;
}

/** Lists the log files, rebuilds the accepted-key set, and truncates a torn tail. */
export function recoverLog(dir: string): RecoveredLog {
  mkdirSync(dir, { recursive: true });
  const indices = readdirSync(dir)
    .map((name) => FILE_PATTERN.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const acceptedKeys = new Set<string>();
  let events = 0;
  let truncatedBytes = 0;
  const lastIndex = indices.at(-1) ?? 1;
  for (const index of indices) {
    const path = join(dir, logFileName(index));
    const text = readFileSync(path, 'utf8');
    let offset = 0;
    let completeEnd = 0;
    let group: { key: string; size: number; seen: number } | null = null;
    while (offset < text.length) {
      const newline = text.indexOf('\n', offset);
      if (newline === -1) break; // a partial last line
      const match = LINE_PREFIX.exec(text.slice(offset, Math.min(newline, offset + 300)));
      offset = newline + 1;
      if (!match) {
        group = null;
        continue;
      }
      const [, key, sizeText] = match;
      const size = Number(sizeText);
      if (group === null || group.key !== key) group = { key, size, seen: 0 };
      group.seen++;
      if (group.seen === group.size) {
        acceptedKeys.add(key);
        events += size;
        completeEnd = offset;
        group = null;
      }
    }
    if (index === lastIndex) {
      const bytes = Buffer.byteLength(text, 'utf8');
      const keepBytes = Buffer.byteLength(text.slice(0, completeEnd), 'utf8');
      if (keepBytes < bytes) {
        truncateSync(path, keepBytes);
        truncatedBytes = bytes - keepBytes;
      }
    }
  }
  const currentFile = join(dir, logFileName(lastIndex));
  return {
    acceptedKeys,
    events,
    truncatedBytes,
    currentFile,
    currentFileBytes: existsSync(currentFile) ? statSync(currentFile).size : 0,
    fileIndex: lastIndex,
  };
}

/** Prefixes each event line with the batch's key and size: the lines as they are stored. */
export function storedLines(key: string, eventLines: readonly string[]): string {
  const head = `{"${BATCH_KEY_FIELD}":${JSON.stringify(key)},"${BATCH_SIZE_FIELD}":${eventLines.length},`;
  return eventLines.map((line) => head + line.trimStart().slice(1) + '\n').join('');
}

/** Appends and fsyncs: when this returns, the bytes are on disk. */
export function appendDurably(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    const buffer = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
