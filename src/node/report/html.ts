/**
 * `abrkit report --html`: one self-contained page (no scripts, no external files) with the per-arm
 * table, and inline SVG plots: CDFs of startup time and of per-session rebuffer percentage per arm,
 * and QoE_lin per chunk by day.
 */
import { METRICS, armFigures, type ArmReport } from './arms.js';
import type { SessionQoe } from './sessions.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw as a step function (a CDF) rather than a line with markers. */
  readonly step?: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [min, max]. */
function ticks(min: number, max: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function chart(title: string, xLabel: string, yLabel: string, series: readonly Series[], labels?: readonly string[]): string {
  const width = 640;
  const height = 320;
  const m = { left: 60, right: 150, top: 30, bottom: 45 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<figure><figcaption>${escapeHtml(title)}: no data</figcaption></figure>`;
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const X = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * (width - m.left - m.right);
  const Y = (y: number) => height - m.bottom - ((y - yMin) / (yMax - yMin)) * (height - m.top - m.bottom);
  const parts: string[] = [];
  parts.push(`<text x="${width / 2 - m.right / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeHtml(title)}</text>`);
  const xTicks = labels ? all.map((p) => p[0]).filter((x, i, a) => a.indexOf(x) === i) : ticks(xMin, xMax);
  for (const t of xTicks) {
    const text = labels ? (labels[t] ?? String(t)) : String(t);
    parts.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${m.top}" y2="${height - m.bottom}" stroke="#eee"/><text x="${X(t)}" y="${height - m.bottom + 16}" text-anchor="middle" font-size="11">${escapeHtml(text)}</text>`);
  }
  for (const t of ticks(yMin, yMax)) parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/><text x="${m.left - 6}" y="${Y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    let d = '';
    s.points.forEach(([x, y], k) => {
      if (k === 0) d += `M${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      else if (s.step) d += `H${X(x).toFixed(1)}V${Y(y).toFixed(1)}`;
      else d += `L${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (!s.step) for (const [x, y] of s.points) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${color}"/>`);
    parts.push(`<rect x="${width - m.right + 12}" y="${m.top + i * 18}" width="12" height="12" fill="${color}"/><text x="${width - m.right + 30}" y="${m.top + i * 18 + 10}" font-size="12">${escapeHtml(s.name)}</text>`);
  });
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif">${parts.join('')}</svg></figure>`;
}

/** Empirical CDF points of values: (value, share of values <= it), starting at (min, 0). */
function cdf(values: readonly number[]): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return [[sorted[0]!, 0], ...sorted.map((v, i) => [v, (i + 1) / sorted.length] as [number, number])];
}

function byArm(sessions: readonly SessionQoe[], arms: readonly string[]): Map<string, SessionQoe[]> {
  return new Map(arms.map((arm) => [arm, sessions.filter((s) => s.arm === arm)]));
}

export interface HtmlReportInput {
  readonly title: string;
  /** What was read: the store and the filter, shown under the title. */
  readonly source: string;
  readonly reports: readonly ArmReport[];
  readonly sessions: readonly SessionQoe[];
}

/** The whole page as one string. */
export function htmlReport(input: HtmlReportInput): string {
  const arms = input.reports.map((r) => r.arm);
  const grouped = byArm(input.sessions, arms);
  const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
  const head = `<tr><th>metric</th>${input.reports.map((r) => `<th>${escapeHtml(r.arm || '(no arm)')} (${r.sessions})</th>${r.vsControl ? `<th>Δ ${escapeHtml(r.arm)} − ${escapeHtml(input.reports[0]!.arm)}</th>` : ''}`).join('')}</tr>`;
  const rows = METRICS.map((m) => {
    const cells = input.reports.map((r) => {
      const f = r.figures[m.id];
      const d = r.vsControl?.[m.id];
      const main = `<td>${fmt(f.value, m.digits)} <small>[${fmt(f.low, m.digits)}, ${fmt(f.high, m.digits)}]</small></td>`;
      return d ? `${main}<td class="${d.significant ? 'sig' : ''}">${d.value >= 0 ? '+' : ''}${fmt(d.value, m.digits)} <small>[${fmt(d.low, m.digits)}, ${fmt(d.high, m.digits)}]</small></td>` : main;
    });
    return `<tr><th>${escapeHtml(m.label)}${m.unit ? ` (${escapeHtml(m.unit)})` : ''}</th>${cells.join('')}</tr>`;
  }).join('\n');
  const startupCdf = chart(
    'Video startup time, CDF per arm',
    'startup (s)',
    'share of started sessions',
    arms.map((arm) => ({ name: arm || '(no arm)', step: true, points: cdf(grouped.get(arm)!.filter((s) => s.startupMs !== null).map((s) => s.startupMs! / 1000)) })),
  );
  const rebufferCdf = chart(
    'Rebuffer percentage per session, CDF per arm',
    'stall time / (watch + stall) (%)',
    'share of started sessions',
    arms.map((arm) => ({ name: arm || '(no arm)', step: true, points: cdf(grouped.get(arm)!.filter((s) => s.watchMs + s.stallMs > 0).map((s) => (100 * s.stallMs) / (s.watchMs + s.stallMs))) })),
  );
  const days = [...new Set(input.sessions.map((s) => s.day))].sort();
  const qoeByDay = chart(
    'QoE_lin per chunk by day',
    'day (UTC, session start)',
    'QoE_lin per chunk',
    arms.map((arm) => ({
      name: arm || '(no arm)',
      points: days.flatMap((day, i) => {
        const q = armFigures(grouped.get(arm)!.filter((s) => s.day === day)).qoeLinPerChunk;
        return Number.isFinite(q) ? [[i, q] as [number, number]] : [];
      }),
    })),
    days,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child{text-align:left}small{color:#666}td.sig{background:#fff3c4}figure{margin:1.5em 0}</style>
</head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.source)}</p>
<table>
${head}
${rows}
</table>
<p><small>Value [95% percentile-bootstrap interval over sessions]. Highlighted: the interval of the difference against control excludes 0. Definitions: README, "Metric definitions".</small></p>
${startupCdf}
${rebufferCdf}
${qoeByDay}
</body></html>
`;
}
