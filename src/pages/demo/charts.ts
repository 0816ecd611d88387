/**
 * The demo's charts (uPlot). Every series is resampled on one time grid (GRID_S), which is what
 * uPlot wants (one shared x array) and keeps redraws cheap: a 60 s session is a few hundred points.
 */
import uPlot from 'uplot';
import type { SessionState } from './session.js';
import type { Trace } from '../../sim/trace.js';

const GRID_S = 0.25;
export const COLORS = Object.freeze({
  capacity: '#9aa5b1',
  measured: '#1f77b4',
  predicted: '#ff7f0e',
  band: 'rgba(255, 127, 14, 0.18)',
  chosen: '#2ca02c',
  buffer: '#1f77b4',
  stall: 'rgba(214, 39, 40, 0.25)',
  qoe: '#6f42c1',
  a: '#1f77b4',
  b: '#d62728',
  stallA: 'rgba(31, 119, 180, 0.22)',
  stallB: 'rgba(214, 39, 40, 0.22)',
});

/** Bandwidth of the trace at session time `tS` (the server loops the trace; sample k covers (t[k-1], t[k]]). */
export function capacityAt(trace: Trace, tS: number): number {
  const { timesS, mbps } = trace;
  const n = timesS.length;
  const span = timesS[n - 1]! - timesS[0]!;
  const t = timesS[0]! + (span > 0 ? tS % span : 0);
  let low = 1;
  let high = n - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (timesS[mid]! >= t) high = mid;
    else low = mid + 1;
  }
  return mbps[low]!;
}

function grid(endS: number): number[] {
  const n = Math.max(2, Math.ceil(endS / GRID_S) + 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * GRID_S * 1000) / 1000);
}

/** The value of a step function (last point at or before t) on the grid; `null` before its first point. */
function stepOnGrid<T>(xs: readonly number[], points: readonly T[], time: (p: T) => number, value: (p: T) => number | null): (number | null)[] {
  const out: (number | null)[] = [];
  let k = -1;
  for (const x of xs) {
    while (k + 1 < points.length && time(points[k + 1]!) <= x + 1e-9) k++;
    out.push(k < 0 ? null : value(points[k]!));
  }
  return out;
}

/** Point events on the nearest grid step; `null` elsewhere. */
function pointsOnGrid<T>(xs: readonly number[], points: readonly T[], time: (p: T) => number, value: (p: T) => number): (number | null)[] {
  const out: (number | null)[] = xs.map(() => null);
  for (const p of points) {
    const i = Math.round(time(p) / GRID_S);
    if (i >= 0 && i < out.length) out[i] = value(p);
  }
  return out;
}

function withinGrid(xs: readonly number[], endS: number, values: (number | null)[]): (number | null)[] {
  return values.map((v, i) => (xs[i]! <= endS + 1e-9 ? v : null));
}

const stepped = uPlot.paths.stepped!({ align: 1 });
const noLine = () => null;
/** Lines only: uPlot otherwise dots sparse series. */
const NO_POINTS = Object.freeze({ show: false });

function baseOptions(title: string, width: number, height: number, yLabel: string): uPlot.Options {
  return {
    title,
    width,
    height,
    series: [{ label: 'time (s)', value: (_u, v) => (v === null ? '-' : `${v.toFixed(1)} s`) }],
    axes: [{ label: 'session time (s)' }, { label: yLabel }],
    scales: { x: { time: false } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

/** Draws shaded spans (stalls) behind the series. */
function spansHook(getSpans: () => { startS: number; endS: number; color: string }[]): uPlot.Hooks.Arrays {
  return {
    drawClear: [
      (u: uPlot) => {
        const { ctx, bbox } = u;
        ctx.save();
        for (const span of getSpans()) {
          const x0 = u.valToPos(span.startS, 'x', true);
          const x1 = u.valToPos(span.endS, 'x', true);
          ctx.fillStyle = span.color;
          ctx.fillRect(Math.max(bbox.left, x0), bbox.top, Math.max(2, Math.min(bbox.left + bbox.width, x1) - Math.max(bbox.left, x0)), bbox.height);
        }
        ctx.restore();
      },
    ],
  };
}

export interface ChartSet {
  update(): void;
  /** Fits every chart to its container's width. */
  resize(): void;
  destroy(): void;
}

function chartWidth(container: HTMLElement): number {
  return Math.max(280, Math.floor(container.clientWidth) - 4);
}

/** The three live charts of one session: throughput/bitrate, buffer with stalls, running QoE. */
export function createLiveCharts(containers: { throughput: HTMLElement; buffer: HTMLElement; qoe: HTMLElement }, getState: () => SessionState | null, getTrace: () => Trace | null, endS: () => number): ChartSet {
  let stallSpans: { startS: number; endS: number; color: string }[] = [];
  const tp = baseOptions('Throughput and bitrate', chartWidth(containers.throughput), 240, 'Mbit/s');
  tp.series.push(
    { label: 'link capacity (trace)', stroke: COLORS.capacity, width: 1, paths: stepped, dash: [4, 3], points: NO_POINTS },
    { label: 'measured (per segment)', stroke: COLORS.measured, paths: noLine, points: { show: true, size: 7, fill: COLORS.measured } },
    { label: 'predicted (band: error bound)', stroke: COLORS.predicted, width: 2, paths: stepped, points: NO_POINTS },
    { label: 'prediction upper', stroke: 'transparent', paths: stepped, points: NO_POINTS, class: 'band-edge' },
    { label: 'prediction lower', stroke: 'transparent', paths: stepped, points: NO_POINTS, class: 'band-edge' },
    { label: 'chosen bitrate', stroke: COLORS.chosen, width: 2.5, paths: stepped, points: NO_POINTS },
  );
  tp.bands = [{ series: [4, 5], fill: COLORS.band }];
  const buf = baseOptions('Buffer level (red: stalls)', chartWidth(containers.buffer), 180, 'seconds');
  buf.series.push({ label: 'buffer ahead', stroke: COLORS.buffer, width: 2, fill: 'rgba(31, 119, 180, 0.08)', points: NO_POINTS });
  buf.hooks = spansHook(() => stallSpans);
  const q = baseOptions('Running QoE_lin (mean per segment)', chartWidth(containers.qoe), 180, 'QoE');
  q.series.push({ label: 'QoE_lin', stroke: COLORS.qoe, width: 2, points: NO_POINTS });

  const empty = (n: number): uPlot.AlignedData => [[0, 1], ...Array.from({ length: n }, () => [null, null])] as unknown as uPlot.AlignedData;
  const charts = {
    throughput: new uPlot(tp, empty(6), containers.throughput),
    buffer: new uPlot(buf, empty(1), containers.buffer),
    qoe: new uPlot(q, empty(1), containers.qoe),
  };

  return {
    update() {
      const state = getState();
      const trace = getTrace();
      const total = Math.max(endS(), state?.nowS ?? 0);
      const xs = grid(total);
      const now = state?.nowS ?? 0;
      const capacity = trace ? xs.map((x) => capacityAt(trace, x)) : xs.map(() => null);
      if (!state) {
        charts.throughput.setData([xs, capacity, ...Array.from({ length: 5 }, () => xs.map(() => null))] as uPlot.AlignedData);
        charts.buffer.setData([xs, xs.map(() => null)] as uPlot.AlignedData);
        charts.qoe.setData([xs, xs.map(() => null)] as uPlot.AlignedData);
        stallSpans = [];
        return;
      }
      const dec = state.decisions;
      charts.throughput.setData([
        xs,
        capacity,
        pointsOnGrid(xs, state.throughput, (p) => p.tS, (p) => p.mbps),
        withinGrid(xs, now, stepOnGrid(xs, dec, (d) => d.tS, (d) => d.predictedMbps)),
        withinGrid(xs, now, stepOnGrid(xs, dec, (d) => d.tS, (d) => d.highMbps)),
        withinGrid(xs, now, stepOnGrid(xs, dec, (d) => d.tS, (d) => d.lowMbps)),
        withinGrid(xs, now, stepOnGrid(xs, state.fetched, (f) => f.tS, (f) => f.kbps / 1000)),
      ] as uPlot.AlignedData);
      stallSpans = state.stalls.map((s) => ({ startS: s.startS, endS: s.endS ?? now, color: COLORS.stall }));
      charts.buffer.setData([xs, withinGrid(xs, now, stepOnGrid(xs, state.buffer, (b) => b.tS, (b) => b.bufferS))] as uPlot.AlignedData);
      charts.qoe.setData([xs, withinGrid(xs, now, stepOnGrid(xs, state.qoe, (p) => p.tS, (p) => p.qoe))] as uPlot.AlignedData);
    },
    resize() {
      charts.throughput.setSize({ width: chartWidth(containers.throughput), height: charts.throughput.height });
      charts.buffer.setSize({ width: chartWidth(containers.buffer), height: charts.buffer.height });
      charts.qoe.setSize({ width: chartWidth(containers.qoe), height: charts.qoe.height });
    },
    destroy() {
      for (const chart of Object.values(charts)) chart.destroy();
    },
  };
}

/** Compare mode: two sessions overlaid (bitrate over the trace, buffer with both stalls, running QoE). */
export function createCompareCharts(containers: { bitrate: HTMLElement; buffer: HTMLElement; qoe: HTMLElement }, a: SessionState, b: SessionState, trace: Trace): ChartSet {
  const total = Math.max(a.nowS, b.nowS, 1);
  const xs = grid(total);
  const br = baseOptions('Chosen bitrate over the same trace', chartWidth(containers.bitrate), 220, 'Mbit/s');
  br.series.push(
    { label: 'link capacity (trace)', stroke: COLORS.capacity, width: 1, paths: stepped, dash: [4, 3], points: NO_POINTS },
    { label: `A: ${a.label}`, stroke: COLORS.a, width: 2.5, paths: stepped, points: NO_POINTS },
    { label: `B: ${b.label}`, stroke: COLORS.b, width: 2.5, paths: stepped, points: NO_POINTS },
  );
  const buf = baseOptions('Buffer level (shaded: stalls, in each run\'s colour)', chartWidth(containers.buffer), 180, 'seconds');
  buf.series.push({ label: `A: ${a.label}`, stroke: COLORS.a, width: 2, points: NO_POINTS }, { label: `B: ${b.label}`, stroke: COLORS.b, width: 2, points: NO_POINTS });
  const spans = [
    ...a.stalls.map((s) => ({ startS: s.startS, endS: s.endS ?? a.nowS, color: COLORS.stallA })),
    ...b.stalls.map((s) => ({ startS: s.startS, endS: s.endS ?? b.nowS, color: COLORS.stallB })),
  ];
  buf.hooks = spansHook(() => spans);
  const q = baseOptions('Running QoE_lin', chartWidth(containers.qoe), 180, 'QoE');
  q.series.push({ label: `A: ${a.label}`, stroke: COLORS.a, width: 2, points: NO_POINTS }, { label: `B: ${b.label}`, stroke: COLORS.b, width: 2, points: NO_POINTS });
  const fetched = (s: SessionState) => withinGrid(xs, s.nowS, stepOnGrid(xs, s.fetched, (f) => f.tS, (f) => f.kbps / 1000));
  const buffer = (s: SessionState) => withinGrid(xs, s.nowS, stepOnGrid(xs, s.buffer, (p) => p.tS, (p) => p.bufferS));
  const qoe = (s: SessionState) => withinGrid(xs, s.nowS, stepOnGrid(xs, s.qoe, (p) => p.tS, (p) => p.qoe));
  const charts = [
    new uPlot(br, [xs, xs.map((x) => capacityAt(trace, x)), fetched(a), fetched(b)] as uPlot.AlignedData, containers.bitrate),
    new uPlot(buf, [xs, buffer(a), buffer(b)] as uPlot.AlignedData, containers.buffer),
    new uPlot(q, [xs, qoe(a), qoe(b)] as uPlot.AlignedData, containers.qoe),
  ];
  return {
    update: () => undefined,
    resize() {
      const boxes = [containers.bitrate, containers.buffer, containers.qoe];
      charts.forEach((chart, i) => chart.setSize({ width: chartWidth(boxes[i]!), height: chart.height }));
    },
    destroy() {
      for (const chart of charts) chart.destroy();
    },
  };
}
