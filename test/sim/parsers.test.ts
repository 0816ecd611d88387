import { describe, expect, it } from 'vitest';
import { parseTrace, formatTimeMbpsTrace } from '../../src/sim/trace-parsers.js';
import { parsePensieveVideo, parseLadderJson } from '../../src/sim/ladder-parsers.js';
import { ParseError } from '../../src/core/errors.js';

function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error('expected a ParseError');
}

describe('trace parsers', () => {
  it('reads time_s Mbps and shifts a trace that starts late', () => {
    const trace = parseTrace('100.5\t1.5\n101.5\t2\n\n# comment\n103.5 4\n', { name: 'late.log' });
    expect(Array.from(trace.timesS)).toEqual([0, 1, 3]);
    expect(Array.from(trace.mbps)).toEqual([1.5, 2, 4]);
    expect(trace.shiftedByS).toBe(100.5);
  });

  it.each([
    ['0 1\n1 abc\n', 2, /bandwidth 'abc' is not a number/],
    ['0 1\n1 NaN\n', 2, /not a number/],
    ['0 1\n1 -3\n', 2, /negative/],
    ['0 1\n2 1\n1 1\n', 3, /goes back/],
    ['0 1\n1 2 3\n', 2, /expected 2 fields/],
  ])('names the file and line of a malformed sample (%j)', (text, line, message) => {
    const error = parseErrorOf(() => parseTrace(text, { name: 'bad.log', format: 'time-mbps' }));
    expect(error.code).toBe('trace-parse');
    expect(error.file).toBe('bad.log');
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`bad.log:${line}`);
  });

  it('rejects traces that carry nothing or have one sample', () => {
    expect(parseErrorOf(() => parseTrace('0 0\n1 0\n', { name: 'zero' })).message).toMatch(/never carries/);
    expect(parseErrorOf(() => parseTrace('0 5\n', { name: 'one' })).message).toMatch(/at least 2 samples/);
    expect(parseErrorOf(() => parseTrace('\n\n', { name: 'empty' })).message).toMatch(/no samples/);
  });

  it('reads Mahimahi packet deliveries into 500 ms bins', () => {
    // 10 packets in (0, 500] ms, 5 in (500, 1000]: 10 * 1500 B * 8 / 0.5 s = 0.24 Mbit/s, then 0.12.
    const lines = [...Array.from({ length: 10 }, (_, i) => 10 + i * 40), ...Array.from({ length: 5 }, (_, i) => 600 + i * 80)];
    const trace = parseTrace(lines.join('\n'), { name: 'mm' });
    expect(Array.from(trace.timesS)).toEqual([0, 0.5, 1]);
    expect(trace.mbps[1]).toBeCloseTo(0.24, 12);
    expect(trace.mbps[2]).toBeCloseTo(0.12, 12);
    expect(parseErrorOf(() => parseTrace('10\n5\n', { name: 'mm-bad', format: 'mahimahi' })).line).toBe(2);
  });

  it('reads Sabre JSON with per-period latency', () => {
    const text = JSON.stringify([
      { duration_ms: 2000, bandwidth_kbps: 1000, latency_ms: 50 },
      { duration_ms: 1000, bandwidth_kbps: 3000, latency_ms: 80 },
    ]);
    const trace = parseTrace(text, { name: 'sabre.json' });
    expect(Array.from(trace.timesS)).toEqual([0, 2, 3]);
    expect(Array.from(trace.mbps)).toEqual([1, 1, 3]);
    expect(Array.from(trace.rttMs!)).toEqual([50, 50, 80]);
  });

  it('names the line of a bad Sabre entry and of a JSON syntax error', () => {
    const text = '[\n  {"duration_ms": 1000, "bandwidth_kbps": 100, "latency_ms": 10},\n  {"duration_ms": 1000, "bandwidth_kbps": -1, "latency_ms": 10}\n]';
    const error = parseErrorOf(() => parseTrace(text, { name: 's.json' }));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/bandwidth_kbps/);
    expect(parseErrorOf(() => parseTrace('[\n{"duration_ms": 1,\n', { name: 'broken.json' })).message).toMatch(/invalid JSON/);
  });

  it('round-trips through the time_s Mbps writer', () => {
    const trace = parseTrace('0 1.25\n1 2.5\n2.5 0.75\n', { name: 'rt' });
    const again = parseTrace(formatTimeMbpsTrace(trace), { name: 'rt' });
    expect(Array.from(again.timesS)).toEqual(Array.from(trace.timesS));
    expect(Array.from(again.mbps)).toEqual(Array.from(trace.mbps));
  });
});

describe('ladder parsers', () => {
  const files = [
    { name: 'video_size_0', text: '150000\n150000\n' },
    { name: 'video_size_1', text: '375000\n375000\n' },
  ];

  it('reads Pensieve video_size_N folders and infers nominal bitrates', () => {
    const video = parsePensieveVideo(files, { name: 'tiny' });
    expect(video.renditions.map((r) => r.bitrateBps)).toEqual([300_000, 750_000]);
    expect(video.segmentSizesBytes).toEqual([
      [150000, 375000],
      [150000, 375000],
    ]);
  });

  it('names the file and line of a bad chunk size, and catches missing rungs', () => {
    const error = parseErrorOf(() => parsePensieveVideo([files[0], { name: 'video_size_1', text: '1\nx\n' }], { name: 'vid' }));
    expect(error.file).toBe('vid/video_size_1');
    expect(error.line).toBe(2);
    expect(parseErrorOf(() => parsePensieveVideo([files[0], { name: 'video_size_2', text: '1\n' }], { name: 'vid' })).message).toMatch(/missing/);
    expect(parseErrorOf(() => parsePensieveVideo([files[0], { name: 'video_size_1', text: '1\n' }], { name: 'vid' })).message).toMatch(/has 1 chunks/);
  });

  it('reads Sabre manifests (bits) and abrkit ladders (bytes)', () => {
    const sabre = parseLadderJson(JSON.stringify({ segment_duration_ms: 3000, bitrates_kbps: [100, 200], segment_sizes_bits: [[300000, 600000]] }), 'm.json');
    expect(sabre.segmentDurationS).toBe(3);
    expect(sabre.segmentSizesBytes).toEqual([[37500, 75000]]);
    const own = parseLadderJson(
      JSON.stringify({ format: 'abrkit-ladder', version: 1, segmentDurationS: 2, renditions: [{ id: 'a', bitrateBps: 5e5, height: 360 }], segmentSizesBytes: [[125000]] }),
      'own.json',
    );
    expect(own.renditions[0]).toEqual({ id: 'a', bitrateBps: 5e5, height: 360 });
  });

  it('names the line of a bad manifest row and rejects unsorted ladders', () => {
    const text = '{"segment_duration_ms": 3000, "bitrates_kbps": [100, 200], "segment_sizes_bits": [\n [1, 2],\n [3]\n]}';
    const error = parseErrorOf(() => parseLadderJson(text, 'm.json'));
    expect(error.line).toBe(3);
    const unsorted = JSON.stringify({ segment_duration_ms: 3000, bitrates_kbps: [200, 100], segment_sizes_bits: [[1, 2]] });
    expect(parseErrorOf(() => parseLadderJson(unsorted, 'u.json')).message).toMatch(/sorted/);
  });
});
