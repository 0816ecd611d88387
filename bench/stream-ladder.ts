/**
 * Writes the browser test stream's ladder (its real segment sizes, from the HLS rendition folders
 * scripts/setup-media.sh generated) as an `abrkit-ladder` file, so `abrkit eval` can replay the
 * stream's 60 s in the simulator:
 *
 *   npx tsx bench/stream-ladder.ts [--media .cache/media] [--out .cache/media/stream-ladder.json]
 *   npx abrkit eval --video .cache/media/stream-ladder.json --traces <dir> --policies robustmpc,robustmpc+learned,dqn
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MEDIA_DIR, readStreamInfo } from 'abrkit/node';

const { values } = parseArgs({ options: { media: { type: 'string', default: DEFAULT_MEDIA_DIR }, out: { type: 'string' } } });
const media = values.media!;
const out = values.out ?? join(media, 'stream-ladder.json');
const stream = readStreamInfo(media);

/** Segment file sizes of one rendition (scripts/setup-media.sh's r<N> folders beside the master playlist), in playlist order. */
function segmentSizes(rung: number): number[] {
  const dir = join(media, dirname(stream.hls), `r${rung}`);
  const playlist = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  const uris = playlist.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return uris.map((uri) => statSync(join(dir, uri)).size);
}

const perRung = stream.ladderKbps.map((_, rung) => segmentSizes(rung));
const count = perRung[0].length;
if (perRung.some((sizes) => sizes.length !== count)) throw new Error('stream-ladder: renditions have different segment counts');
const ladder = {
  format: 'abrkit-ladder',
  version: 1,
  segmentDurationS: stream.segmentDurationS,
  renditions: stream.ladderKbps.map((kbps, i) => ({ id: String(i), bitrateBps: kbps * 1000 })),
  segmentSizesBytes: Array.from({ length: count }, (_, segment) => perRung.map((sizes) => sizes[segment])),
};
writeFileSync(out, JSON.stringify(ladder) + '\n');
console.log(`${out}: ${count} segments x ${perRung.length} rungs of ${stream.segmentDurationS} s`);
