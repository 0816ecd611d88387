/**
 * Low-latency DASH from the same CMAF parts as the LL-HLS copy (ll-hls.ts): a dynamic MPD whose
 * SegmentTemplate (`$Number$`, 4 s segments) names the LL-HLS whole-segment files, with
 * `availabilityTimeOffset` = segment - part duration (`availabilityTimeComplete="false"`: a segment
 * may be requested once its first part is out), a `ServiceDescription` (latency target,
 * playback rate 0.95-1.05) and a `UTCTiming` element pointing at the harness's clock. Its
 * `availabilityStartTime` is the session clock's start minus the segments out at the start, so
 * the MPD's timeline and the LL-HLS publication schedule are the same: segment N is complete when
 * the LL-HLS playlist lists it whole. The server answers a request for the segment still being
 * produced with chunked transfer encoding, each part written as it is published (server.ts).
 */
import type { LlHlsStream } from './ll-hls.js';

/** The harness clock's path under `/media/ll-dash/` (`urn:mpeg:dash:utc:http-iso:2014`: an ISO 8601 date). */
export const LL_DASH_TIME_PATH = 'time';

/** DASH-IF's low-latency guidelines: catch-up within 0.95x-1.05x (what dash.js and hls.js also use). */
const PLAYBACK_RATE_MIN = 0.95;
const PLAYBACK_RATE_MAX = 1.05;

/** One representation as the master playlist describes it. */
export interface LlDashRepresentation {
  readonly id: string;
  readonly bandwidthBps: number;
  readonly codecs: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: string | null;
}

/** The renditions of an LL-HLS master playlist (`#EXT-X-STREAM-INF` lines and the URI after each). */
export function representationsOf(master: string): LlDashRepresentation[] {
  const lines = master.split(/\r?\n/);
  const out: LlDashRepresentation[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const uri = lines[i + 1] ?? '';
    const attr = (name: string): string | null => new RegExp(`(?:^|[:,])${name}=("[^"]*"|[^,]*)`).exec(line)?.[1]?.replace(/^"|"$/g, '') ?? null;
    const [width, height] = (attr('RESOLUTION') ?? '0x0').split('x').map(Number);
    out.push({ id: uri.replace(/\/index\.m3u8$/, ''), bandwidthBps: Number(attr('BANDWIDTH') ?? 0), codecs: attr('CODECS') ?? '', width: width ?? 0, height: height ?? 0, frameRate: attr('FRAME-RATE') });
  });
  return out;
}

/** xs:duration with millisecond precision (`PT3.000S`). */
function isoDuration(seconds: number): string {
  return `PT${seconds.toFixed(3)}S`;
}

export interface LlDashMpdOptions {
  /** Wall time (ms since the epoch) at which segment 0 would have started being produced. */
  readonly availabilityStartMs: number;
  readonly targetLatencyS: number;
  /** Absolute URL of the harness clock (the UTCTiming value). */
  readonly timeUrl: string;
}

/** The wall time (ms) segment 0 started for a session whose clock started at `sessionStartMs`. */
export function availabilityStartMs(stream: LlHlsStream, sessionStartMs: number): number {
  const { partDurationS, partsPerSegment, initialSegments } = stream.timing;
  return sessionStartMs - initialSegments * partsPerSegment * partDurationS * 1000;
}

/** The dynamic MPD of `stream` (the same for every request of a session: the template names every segment). */
export function llDashMpd(stream: LlHlsStream, options: LlDashMpdOptions): string {
  const { partDurationS, partsPerSegment, windowSegments } = stream.timing;
  const segmentS = partDurationS * partsPerSegment;
  const totalParts = stream.renditions.values().next().value?.parts.length ?? 0;
  const contentS = totalParts * partDurationS;
  const representations = representationsOf(stream.master).filter((r) => stream.renditions.has(r.id));
  const maxWidth = Math.max(0, ...representations.map((r) => r.width));
  const maxHeight = Math.max(0, ...representations.map((r) => r.height));
  // Milliseconds as the timescale: the segment and part durations are whole milliseconds.
  const segmentMs = Math.round(segmentS * 1000);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011,http://www.dashif.org/guidelines/low-latency-live-v5" type="dynamic"`,
    `  availabilityStartTime="${new Date(options.availabilityStartMs).toISOString()}" publishTime="${new Date(options.availabilityStartMs).toISOString()}"`,
    // No suggestedPresentationDelay: the ServiceDescription's latency target is the low-latency way to
    // say it (shaka would add a suggested delay behind its seek range end, on top of the target).
    `  minBufferTime="${isoDuration(partDurationS)}" maxSegmentDuration="${isoDuration(segmentS)}" timeShiftBufferDepth="${isoDuration(windowSegments * segmentS)}">`,
    '  <ServiceDescription id="0">',
    `    <Latency referenceId="0" target="${Math.round(options.targetLatencyS * 1000)}"/>`,
    `    <PlaybackRate min="${PLAYBACK_RATE_MIN}" max="${PLAYBACK_RATE_MAX}"/>`,
    '  </ServiceDescription>',
    `  <Period id="0" start="PT0S" duration="${isoDuration(contentS)}">`,
    `    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${maxWidth}" maxHeight="${maxHeight}">`,
    `      <SegmentTemplate timescale="1000" duration="${segmentMs}" startNumber="0" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/s$Number$.m4s" availabilityTimeOffset="${(segmentS - partDurationS).toFixed(3)}" availabilityTimeComplete="false"/>`,
    ...representations.map((r) => `      <Representation id="${r.id}" bandwidth="${r.bandwidthBps}" codecs="${r.codecs}" width="${r.width}" height="${r.height}"${r.frameRate ? ` frameRate="${r.frameRate}"` : ''}/>`),
    '    </AdaptationSet>',
    '  </Period>',
    `  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="${options.timeUrl}"/>`,
    '</MPD>',
    '',
  ].join('\n');
}

/** What a `ll-dash/<rendition>/s<N>.m4s` segment needs: its bytes, and the parts count published when each part is out. */
export function llDashSegment(stream: LlHlsStream, path: string): { body: Buffer; partEnds: readonly number[]; firstPart: number } | null {
  const match = /^([^/]+)\/s(\d+)\.m4s$/.exec(path);
  const rendition = match ? stream.renditions.get(match[1]!) : undefined;
  if (!match || !rendition) return null;
  const k = stream.timing.partsPerSegment;
  const first = Number(match[2]) * k;
  if (first >= rendition.parts.length) return null;
  const parts = rendition.parts.slice(first, Math.min(rendition.parts.length, first + k));
  const partEnds: number[] = [];
  let bytes = 0;
  for (const part of parts) partEnds.push((bytes += part.length));
  return { body: Buffer.concat(parts), partEnds, firstPart: first };
}
