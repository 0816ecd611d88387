import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityStartMs, llDashMpd, llDashSegment, representationsOf } from '../../../src/node/harness/ll-dash.js';
import type { LlHlsStream, LlHlsTiming } from '../../../src/node/harness/ll-hls.js';
import { startHarnessServer, type HarnessServer } from '../../../src/node/harness/server.js';

const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.42c01f,mp4a.40.2",FRAME-RATE=25\nr0/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=750000,RESOLUTION=480x270,CODECS="avc1.42c01f,mp4a.40.2"\nr1/index.m3u8\n';
const part = (rendition: number, i: number) => Buffer.from(`r${rendition} part ${String(i).padStart(2, '0')};`);
const streamOf = (timing: LlHlsTiming, parts = 12): LlHlsStream => ({
  master,
  renditions: new Map([0, 1].map((r) => [`r${r}`, { init: Buffer.from(`init ${r}`), parts: Array.from({ length: parts }, (_, i) => part(r, i)) }])),
  timing,
});

describe('LL-DASH MPD', () => {
  const stream = streamOf({ partDurationS: 1, partsPerSegment: 4, initialSegments: 3, windowSegments: 6 });

  it('reads the renditions of the master playlist', () => {
    expect(representationsOf(master)).toEqual([
      { id: 'r0', bandwidthBps: 300_000, codecs: 'avc1.42c01f,mp4a.40.2', width: 320, height: 180, frameRate: '25' },
      { id: 'r1', bandwidthBps: 750_000, codecs: 'avc1.42c01f,mp4a.40.2', width: 480, height: 270, frameRate: null },
    ]);
  });

  it('is dynamic, starts the segments out at the session start before it, a segment available after its first part', () => {
    const sessionStartMs = Date.UTC(2026, 11, 4, 3, 0, 0);
    expect(availabilityStartMs(stream, sessionStartMs)).toBe(sessionStartMs - 12_000);
    const mpd = llDashMpd(stream, { availabilityStartMs: availabilityStartMs(stream, sessionStartMs), targetLatencyS: 2.5, timeUrl: 'http://127.0.0.1:1/media/ll-dash/time' });
    expect(mpd).toContain('type="dynamic"');
    expect(mpd).toContain('availabilityStartTime="2026-12-04T02:59:48.000Z"');
    expect(mpd).toContain('<Latency referenceId="0" target="2500"/>');
    expect(mpd).toContain('<PlaybackRate min="0.95" max="1.05"/>');
    expect(mpd).toContain('duration="4000" startNumber="0"');
    expect(mpd).toContain('media="$RepresentationID$/s$Number$.m4s" availabilityTimeOffset="3.000" availabilityTimeComplete="false"');
    expect(mpd).toContain('<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="http://127.0.0.1:1/media/ll-dash/time"/>');
    expect(mpd).toContain('<Period id="0" start="PT0S" duration="PT12.000S">');
    expect(mpd).toContain('<Representation id="r1" bandwidth="750000" codecs="avc1.42c01f,mp4a.40.2" width="480" height="270"/>');
    expect(mpd).not.toContain('suggestedPresentationDelay');
  });

  it('names whole segments by number, with where each part ends', () => {
    const segment = llDashSegment(stream, 'r1/s2.m4s')!;
    expect(segment.firstPart).toBe(8);
    expect(segment.body.toString()).toBe([8, 9, 10, 11].map((i) => part(1, i).toString()).join(''));
    expect(segment.partEnds).toEqual([1, 2, 3, 4].map((n) => n * part(1, 8).length));
    expect(llDashSegment(stream, 'r1/s3.m4s')).toBeNull();
    expect(llDashSegment(stream, 'r9/s0.m4s')).toBeNull();
  });
});

describe('LL-DASH from the harness server', () => {
  // 0.25 s parts: the segment in production (segment 1) arrives over about a second.
  const stream = streamOf({ partDurationS: 0.25, partsPerSegment: 4, initialSegments: 1, windowSegments: 3 });
  let server: HarnessServer;
  beforeAll(async () => {
    server = await startHarnessServer({ mediaDir: '/nonexistent', appFiles: new Map() });
  });
  afterAll(() => server.close());
  const start = () => server.startSession({ trace: { name: 'flat', timesS: Float64Array.of(0, 100), mbps: Float64Array.of(50, 50), shiftedByS: 0 }, rttMs: 1, llDash: stream, targetLatencyS: 2 });

  it('sends the segment in production with chunked transfer encoding, each part as it is published', async () => {
    start();
    const t0 = Date.now();
    const res = await fetch(`${server.origin}/media/ll-dash/r0/s1.m4s`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reader = res.body!.getReader();
    const arrivals: { atMs: number; text: string }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push({ atMs: Date.now() - t0, text: Buffer.from(value).toString() });
    }
    expect(arrivals.map((a) => a.text).join('')).toBe([4, 5, 6, 7].map((i) => part(0, i).toString()).join(''));
    // Part 4 is out at 0.25 s, part 7 at 1 s: the response spans the production, not one burst.
    expect(arrivals[0]!.atMs).toBeGreaterThanOrEqual(200);
    expect(arrivals[arrivals.length - 1]!.atMs).toBeGreaterThanOrEqual(950);
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    const entry = server.log.find((e) => e.path === '/media/ll-dash/r0/s1.m4s')!;
    expect(entry.outcome).toBe('completed');
    expect(entry.bytesSent).toBe(4 * part(0, 4).length);
  });

  it('serves complete segments whole, the MPD, the init segments and the clock; 404 past the end', async () => {
    start();
    const complete = await fetch(`${server.origin}/media/ll-dash/r1/s0.m4s`);
    expect(complete.headers.get('content-length')).toBe(String(4 * part(1, 0).length));
    expect(await complete.text()).toBe([0, 1, 2, 3].map((i) => part(1, i).toString()).join(''));
    expect(await (await fetch(`${server.origin}/media/ll-dash/r1/init.mp4`)).text()).toBe('init 1');
    const mpd = await (await fetch(`${server.origin}/media/ll-dash/manifest.mpd`)).text();
    expect(mpd).toContain('<Latency referenceId="0" target="2000"/>');
    expect(mpd).toContain(`value="${server.origin}/media/ll-dash/time"`);
    const before = Date.now();
    const clock = Date.parse(await (await fetch(`${server.origin}/media/ll-dash/time`)).text());
    expect(clock).toBeGreaterThanOrEqual(before - 1);
    expect(clock).toBeLessThanOrEqual(Date.now() + 1);
    expect((await fetch(`${server.origin}/media/ll-dash/r0/s3.m4s`)).status).toBe(404);
  });
});
