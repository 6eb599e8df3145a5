import { percentile, type LoadResult } from './load.js';

/** One line of the table: a measured figure and the baseline it is read against. */
export interface Row {
  scenario: string;
  measured: LoadResult;
  baselineName: string;
  baseline: LoadResult;
  /** The SPEC §12 bar, as text, when there is one. */
  bar?: string;
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export function formatRows(rows: Row[]): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'baseline',
    'base req/s',
    'base p50 ms',
    'base p99 ms',
    'slowdown',
    'bar',
  ];
  const lines = rows.map((row) => {
    const m = row.measured;
    const b = row.baseline;
    // Failed calls (errors) are not throughput.
    const rate = (m.calls - m.errors) / m.seconds;
    const baseRate = (b.calls - b.errors) / b.seconds;
    return [
      row.scenario,
      fixed(rate, 0),
      fixed(percentile(m.latencies, 50), 2),
      fixed(percentile(m.latencies, 95), 2),
      fixed(percentile(m.latencies, 99), 2),
      `${m.errors} (${fixed((100 * m.errors) / Math.max(1, m.calls), 1)}%)`,
      row.baselineName,
      fixed(baseRate, 0),
      fixed(percentile(b.latencies, 50), 2),
      fixed(percentile(b.latencies, 99), 2),
      `${fixed(baseRate / rate, 2)}x`,
      row.bar ?? '',
    ];
  });
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((l) => l[i]!.length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join(
    '\n',
  );
}
