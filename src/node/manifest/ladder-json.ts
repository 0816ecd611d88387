/**
 * A simulator video written as abrkit's ladder JSON (the format `parseAbrkitLadder` in
 * src/sim/ladder-parsers.ts reads), with a `source` record of the manifest it was learnt from. One
 * rendition and one segment row per line, so the file reads and diffs well.
 */
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { CodecFamily, StreamKind } from './types.js';

/** What the ladder was learnt from; `parseAbrkitLadder` ignores it, the manifest cache checks it. */
export interface LadderSource {
  /** The manifest's absolute URL as asked for (`file:` for a local file), before any redirect. */
  readonly manifest: string;
  readonly kind: StreamKind;
  readonly codec: CodecFamily;
  /** The audio rendition whose bytes are in the sizes, or null (muxed, or none). */
  readonly audio: string | null;
  /** The encryption method (`AES-128`, `cenc`, ...) or null: the sizes are of what is downloaded, encrypted or not. */
  readonly encryption: string | null;
  /** ISO 8601 time of the inspection. */
  readonly inspectedAt: string;
}

export function formatLadderJson(video: SimVideo, source: LadderSource): string {
  const renditions = video.renditions.map((r) =>
    JSON.stringify({
      id: r.id,
      bitrateBps: r.bitrateBps,
      ...(r.width === undefined ? {} : { width: r.width }),
      ...(r.height === undefined ? {} : { height: r.height }),
      ...(r.codecs === undefined ? {} : { codecs: r.codecs }),
      ...(r.frameRate === undefined ? {} : { frameRate: r.frameRate }),
    }),
  );
  const rows = (video.segmentSizesBytes ?? []).map((row) => JSON.stringify(row));
  return [
    '{',
    '  "format": "abrkit-ladder",',
    '  "version": 1,',
    `  "source": ${JSON.stringify(source)},`,
    `  "segmentDurationS": ${video.segmentDurationS},`,
    '  "renditions": [',
    renditions.map((r) => `    ${r}`).join(',\n'),
    '  ],',
    '  "segmentSizesBytes": [',
    rows.map((r) => `    ${r}`).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
