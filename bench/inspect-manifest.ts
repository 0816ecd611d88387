/**
 * How long `abrkit eval --manifest` takes to learn the generated test stream's ladder: its HLS
 * master and DASH MPD served on loopback by a plain static server (every segment sized by HEAD),
 * inspected once into a fresh cache file, then read back from that cache; and whether the HLS
 * ladder equals the one bench/stream-ladder.ts builds from the files on disk.
 *
 *   npx tsx bench/inspect-manifest.ts [--media .cache/media] [--runs 3]
 */
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MEDIA_DIR, loadManifestVideo, readStreamInfo } from 'abrkit/node';

const { values } = parseArgs({ options: { media: { type: 'string', default: DEFAULT_MEDIA_DIR }, runs: { type: 'string', default: '3' } } });
const media = values.media!;
const runs = Number(values.runs);
const stream = readStreamInfo(media);

const server = createServer((req, res) => {
  const file = join(media, normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('content-length', size);
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
});
await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [kind, path] of [['hls', stream.hls], ['dash', stream.dash]] as const) {
  const inspectMs: number[] = [];
  const cachedMs: number[] = [];
  let summary = '';
  for (let run = 0; run < runs; run++) {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'abrkit-inspect-')), 'ladder.json');
    let t = performance.now();
    const first = await loadManifestVideo(`${origin}/${path}`, { cacheFile });
    inspectMs.push(performance.now() - t);
    t = performance.now();
    const second = await loadManifestVideo(`${origin}/${path}`, { cacheFile });
    cachedMs.push(performance.now() - t);
    if (!second.fromCache || JSON.stringify(second.video.segmentSizesBytes) !== JSON.stringify(first.video.segmentSizesBytes)) throw new Error('the cache did not give back the same ladder');
    const segments = first.video.segmentSizesBytes.length;
    summary = `${first.video.renditions.length} rungs x ${segments} segments`;
  }
  console.log(`${kind}: ${summary}; inspect over loopback median ${median(inspectMs).toFixed(0)} ms (${inspectMs.map((ms) => ms.toFixed(0)).join(', ')}), from the cache median ${median(cachedMs).toFixed(1)} ms (${cachedMs.map((ms) => ms.toFixed(1)).join(', ')})`);
}

if (stream.variants && stream.variants.some((v) => v.id !== `r${v.rung}`)) {
  // The second stream's layout (a folder per codec and rung, audio apart): per codec family, the
  // ladder's bitrates against stream.json's, its video bytes against the files, and the audio part
  // (the same on every rung of a segment) against the audio files.
  const sizesIn = (dir: string) =>
    readFileSync(join(dir, 'index.m3u8'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((uri) => statSync(join(dir, uri)).size);
  const audioBytes = sizesIn(join(media, 'hls', 'audio')).reduce((a, b) => a + b, 0);
  for (const [kind, path] of [['hls', stream.hls], ['dash', stream.dash]] as const) {
    for (const family of [...new Set(stream.variants.map((v) => v.family))]) {
      const { video } = await loadManifestVideo(`${origin}/${path}`, { codec: family as 'avc', cacheFile: join(mkdtempSync(join(tmpdir(), 'abrkit-inspect-')), 'ladder.json') });
      const variants = stream.variants.filter((v) => v.family === family).sort((a, b) => a.rung - b.rung);
      const files = variants.map((v) => sizesIn(join(media, 'hls', v.id)));
      const bitratesSame = JSON.stringify(video.renditions.map((r) => r.bitrateBps)) === JSON.stringify(stream.ladderKbps.map((k) => k * 1000));
      let audioSame = true;
      let audioTotal = 0;
      video.segmentSizesBytes.forEach((row, s) => {
        const parts = row.map((bytes, rung) => bytes - files[rung]![s]!);
        if (parts.some((p) => p !== parts[0])) audioSame = false;
        audioTotal += parts[0]!;
      });
      console.log(`${kind} ${family}: bitrates equal stream.json's: ${bitratesSame}; video bytes per segment = the files' with the same audio part on every rung: ${audioSame}; audio counted ${audioTotal} B of the audio files' ${audioBytes} B (${((100 * audioTotal) / audioBytes).toFixed(1)}%: apportioned by time over the video's ${stream.durationS} s)`);
    }
  }
  server.close();
  process.exit(0);
}

// The HLS ladder against the files on disk, as bench/stream-ladder.ts reads them.
const hls = await loadManifestVideo(`${origin}/${stream.hls}`, { cacheFile: join(mkdtempSync(join(tmpdir(), 'abrkit-inspect-')), 'ladder.json') });
const onDisk = stream.ladderKbps.map((_, rung) => {
  const dir = join(media, stream.hls, '..', `r${rung}`);
  const uris = readFileSync(join(dir, 'index.m3u8'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return uris.map((uri) => statSync(join(dir, uri)).size);
});
const same =
  JSON.stringify(hls.video.renditions.map((r) => r.bitrateBps)) === JSON.stringify(stream.ladderKbps.map((k) => k * 1000)) &&
  JSON.stringify(hls.video.segmentSizesBytes) === JSON.stringify(Array.from({ length: onDisk[0]!.length }, (_, s) => onDisk.map((sizes) => sizes[s])));
console.log(`hls ladder equals stream.json's bitrates and the segment files' sizes: ${same}`);
server.close();
