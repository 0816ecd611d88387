/**
 * A DASH manifest for a stream whose renditions are already packaged as HLS fMP4 (init.mp4 +
 * seg000.m4s, ...): one adaptation set per video codec and one for audio, SegmentTemplate by
 * number pointing at the HLS folders, so both manifests play the very same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StreamVariant } from '../../pages/protocol.js';
import type { TestStreamSpec } from './test-streams.js';

export function writeDashManifest(spec: TestStreamSpec, variants: readonly StreamVariant[], durationS: number, file: string): void {
  const template = (folder: string) =>
    `<SegmentTemplate timescale="1000" duration="${spec.segmentDurationS * 1000}" startNumber="0" initialization="../hls/${folder}/init.mp4" media="../hls/${folder}/seg$Number%03d$.m4s"/>`;
  const sets: string[] = [];
  spec.codecs.forEach((codec, setId) => {
    const reps = variants
      .filter((v) => v.family === codec.family)
      .map((v) => {
        const [width, height] = v.size.split('x');
        const videoBps = (v.totalKbps - spec.audioKbps) * 1000;
        return `      <Representation id="${v.id}" bandwidth="${videoBps}" width="${width}" height="${height}" codecs="${v.codecs}">\n        ${template(v.id)}\n      </Representation>`;
      });
    sets.push(`    <AdaptationSet id="${setId}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" frameRate="${spec.fps}">\n${reps.join('\n')}\n    </AdaptationSet>`);
  });
  sets.push(
    `    <AdaptationSet id="${spec.codecs.length}" contentType="audio" mimeType="audio/mp4" lang="en" segmentAlignment="true" startWithSAP="1">\n      <Representation id="audio" bandwidth="${spec.audioKbps * 1000}" codecs="mp4a.40.2" audioSamplingRate="48000">\n        ${template('audio')}\n      </Representation>\n    </AdaptationSet>`,
  );
  const mpd = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" minBufferTime="PT${spec.segmentDurationS}S" mediaPresentationDuration="PT${durationS}S">
  <Period id="0" start="PT0S">
${sets.join('\n')}
  </Period>
</MPD>
`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, mpd);
}
