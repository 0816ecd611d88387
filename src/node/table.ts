/** Markdown tables of evaluation results, as the CLI and the benchmarks print them. */
import { OPTIMAL_POLICY_NAME, type EvaluationResult, type PolicySummary } from '../sim/evaluate.js';

/** Renders rows as a GitHub-flavoured Markdown table (readable in a terminal and pasteable in notes). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The summary table `abrkit eval` prints; callers may append columns (browser-eval adds decision cost). */
export function formatSummary(
  result: Pick<EvaluationResult, 'summary'>,
  extraColumns: readonly { header: string; cell(summary: PolicySummary): string }[] = [],
): string {
  const hasOptimal = result.summary.some((s) => s.policy === OPTIMAL_POLICY_NAME);
  const headers = ['policy', 'QoE/chunk', 'median', ...(hasOptimal ? ['% of optimal'] : []), 'bitrate kbps', 'rebuffer s', 'stalls', 'switches', 'startup s', 'wasted MB', ...extraColumns.map((c) => c.header)];
  const rows = result.summary.map((s) => [
    s.policy,
    s.qoe.toFixed(3),
    s.qoeMedian.toFixed(3),
    ...(hasOptimal ? [s.qoeOfOptimal === null ? '-' : `${(s.qoeOfOptimal * 100).toFixed(1)}%`] : []),
    s.bitrateKbps.toFixed(0),
    s.rebufferS.toFixed(2),
    s.stalls.toFixed(2),
    s.switches.toFixed(2),
    s.startupS.toFixed(2),
    (s.wastedBytes / 1e6).toFixed(2),
    ...extraColumns.map((c) => c.cell(s)),
  ]);
  return markdownTable(headers, rows);
}
