/**
 * The NDJSON sink: batches appended to `events-NNNNNN.ndjson` (see log-files.ts for the layout), a
 * group of batches in one write and one fsync. The dedupe index is rebuilt from the files at start, so
 * this sink belongs to one collector process: several collectors need several folders (or ClickHouse).
 */
import { existsSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { appendDurably, logFileName, recoverLog, storedLines } from './log-files.js';
import type { BatchOutcome, EventSink, IncomingBatch } from './sink.js';

export interface NdjsonSinkOptions {
  readonly outDir: string;
  /** A log file is closed and a new one started past this size. */
  readonly maxFileBytes: number;
}

export interface NdjsonSink extends EventSink {
  readonly recovered: { readonly batches: number; readonly events: number; readonly truncatedBytes: number };
}

export function openNdjsonSink(options: NdjsonSinkOptions): NdjsonSink {
  const recovered = recoverLog(options.outDir);
  const accepted = recovered.acceptedKeys;
  let fileIndex = recovered.fileIndex;
  let currentFile = recovered.currentFile;
  let currentBytes = recovered.currentFileBytes;
  if (!existsSync(currentFile)) {
    appendDurably(currentFile, '');
    fsyncDir(options.outDir);
  }

  return {
    kind: 'ndjson',
    recovered: { batches: accepted.size, events: recovered.events, truncatedBytes: recovered.truncatedBytes },
    async store(batches: readonly IncomingBatch[]): Promise<BatchOutcome[]> {
      const outcomes: BatchOutcome[] = [];
      const newKeys: string[] = [];
      let pending = '';
      let pendingBytes = 0;
      for (const batch of batches) {
        if (accepted.has(batch.key) || newKeys.includes(batch.key)) {
          outcomes.push('duplicate');
          continue;
        }
        const text = storedLines(batch.key, batch.events.map((e) => e.line));
        const bytes = Buffer.byteLength(text, 'utf8');
        if (currentBytes + pendingBytes > 0 && currentBytes + pendingBytes + bytes > options.maxFileBytes) {
          if (pending !== '') appendDurably(currentFile, pending);
          fileIndex++;
          currentFile = join(options.outDir, logFileName(fileIndex));
          currentBytes = 0;
          pending = '';
          pendingBytes = 0;
          appendDurably(currentFile, '');
          fsyncDir(options.outDir);
        }
        pending += text;
        pendingBytes += bytes;
        newKeys.push(batch.key);
        outcomes.push('accepted');
      }
      if (pending !== '') {
        appendDurably(currentFile, pending);
        currentBytes += pendingBytes;
      }
      for (const key of newKeys) accepted.add(key);
      return outcomes;
    },
    async close() {},
  };
}

/** Makes a new file's directory entry durable (POSIX needs the directory fsynced as well). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the file's own fsync is what they offer.
  }
}
