import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from './figure.js';
import type { MachineInfo } from './machine.js';

/** Everything one bench run measured: what `results/latest.json` holds. */
export interface BenchReport {
  readonly schema: 1;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly smoke: boolean;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly figures: readonly Figure[];
}

const SI = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** A figure value for the table: rates and byte counts with SI / binary prefixes. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'pending';
  if (unit === 'bytes') return `${(value / 2 ** 20).toFixed(0)} MiB`;
  if (unit === 'B/bar') return value.toFixed(1);
  if (unit === 'ms') return value.toFixed(0);
  for (const [scale, prefix] of SI) if (Math.abs(value) >= scale) return `${(value / scale).toFixed(2)}${prefix}`;
  return value.toFixed(2);
}

/** The figures as a Markdown table (figure, case, median, min..max, unit, target, note). */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [
    ['#', 'figure', 'median', 'min..max', 'unit', 'target', 'note'],
    ...figures.map((f) => [
      String(f.figure),
      f.label,
      formatValue(f.median, f.unit),
      f.median === null ? '' : `${formatValue(f.min, f.unit)}..${formatValue(f.max, f.unit)}`,
      f.unit,
      f.target === undefined ? '' : `${f.target.met ? 'met' : 'MISSED'}: ${f.target.text}`,
      f.note ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/**
 * Writes the report as JSON. A complete real run (`complete`) writes `latest.json`, the stable name
 * to commit, plus a timestamped copy; a smoke run writes `smoke-latest.json`; a run of some
 * figures only (`--only`) writes just a timestamped `...-partial.json`. Returns the paths written.
 */
export function writeReport(report: BenchReport, dir: string, complete: boolean): string[] {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const paths: string[] = [];
  if (report.smoke) paths.push(join(dir, 'smoke-latest.json'));
  else if (complete) paths.push(join(dir, 'latest.json'), join(dir, `${stamp}.json`));
  else paths.push(join(dir, `${stamp}-partial.json`));
  for (const path of paths) writeFileSync(path, text);
  return paths;
}
