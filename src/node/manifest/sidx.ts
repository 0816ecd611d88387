/**
 * The ISO BMFF segment index box (`sidx`, ISO/IEC 14496-12 section 8.16.3): per-subsegment byte
 * sizes and durations, which is where a DASH SegmentBase's segments are. Reads the bytes a DASH
 * `indexRange` points at; other boxes in that range before the `sidx` are skipped.
 */
import { ParseError } from '../../core/errors.js';
import type { ByteRange } from './types.js';

export interface SidxReference {
  readonly byteRange: ByteRange;
  readonly durationS: number;
}

/**
 * `bytes` are the file's bytes from `fileOffset` on (the DASH `indexRange`). Returns the
 * referenced subsegments in order, with absolute byte ranges in the file.
 */
export function parseSidx(bytes: Uint8Array, fileOffset: number, file: string): SidxReference[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (detail: string): never => {
    throw new ParseError('manifest-parse', file, undefined, `sidx at byte ${fileOffset}: ${detail}`);
  };
  let box = 0;
  for (;;) {
    if (box + 8 > bytes.byteLength) fail('no sidx box in the index range');
    let size = view.getUint32(box);
    const type = String.fromCharCode(...bytes.subarray(box + 4, box + 8));
    let header = 8;
    if (size === 1) {
      if (box + 16 > bytes.byteLength) fail('truncated box header');
      size = Number(view.getBigUint64(box + 8));
      header = 16;
    }
    if (size < header) fail(`box '${type}' has a size of ${size}`);
    if (type === 'sidx') {
      if (box + size > bytes.byteLength) fail(`the box is ${size} bytes, the index range holds ${bytes.byteLength - box}`);
      return references(box, size, header);
    }
    box += size;
  }

  function references(start: number, size: number, header: number): SidxReference[] {
    let at = start + header;
    const version = view.getUint8(at);
    at += 4; // version, flags
    at += 4; // reference_ID
    const timescale = view.getUint32(at);
    at += 4;
    if (timescale === 0) fail('timescale is 0');
    let firstOffset: number;
    if (version === 0) {
      at += 4; // earliest_presentation_time
      firstOffset = view.getUint32(at);
      at += 4;
    } else {
      at += 8;
      firstOffset = Number(view.getBigUint64(at));
      at += 8;
    }
    at += 2; // reserved
    const count = view.getUint16(at);
    at += 2;
    if (at + count * 12 > start + size) fail(`${count} references do not fit in the box`);
    // The first subsegment starts right after the sidx box, plus first_offset.
    let offset = fileOffset + start + size + firstOffset;
    const out: SidxReference[] = [];
    for (let i = 0; i < count; i++, at += 12) {
      const word = view.getUint32(at);
      if (word >>> 31 === 1) fail(`reference ${i} points at another sidx (hierarchical indexes are not supported)`);
      const length = word & 0x7fffffff;
      out.push({ byteRange: { offset, length }, durationS: view.getUint32(at + 4) / timescale });
      offset += length;
    }
    return out;
  }
}
