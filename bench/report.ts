// The benchmark's one table (scenario, Castellan, baseline, ratio, budget) and its JSON twin.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadResult } from './load.ts';
import { spread, type Spread } from './stats.ts';

/** Several runs of one job against one server. */
export interface Measure {
  readonly throughput: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  /** Signed-in flows that still met a sign-in or consent page. */
  readonly interactive: number;
  /** Server CPU time (user + system, µs) per completed unit, where it was measured. */
  readonly cpuPerUnit?: Spread;
}

export interface Cell {
  readonly text: string;
  readonly measure?: Measure;
}

export interface Budget {
  readonly text: string;
  readonly pass: boolean;
}

export interface Row {
  readonly id: string;
  readonly scenario: string;
  readonly castellan: Cell;
  readonly baseline: Cell;
  readonly ratio?: number;
  /** What the ratio divides (when not Castellan / baseline throughput). */
  readonly ratioOf?: string;
  readonly budget?: Budget;
  readonly note?: string;
}

export function measureOf(results: readonly LoadResult[]): Measure {
  const firstError = results.find((r) => r.firstError)?.firstError;
  return {
    throughput: spread(results.map((r) => r.throughput)),
    p50: spread(results.map((r) => r.p50)),
    p99: spread(results.map((r) => r.p99)),
    completed: results.reduce((n, r) => n + r.completed, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    interactive: results.reduce((n, r) => n + r.interactive, 0),
    ...(firstError ? { firstError } : {}),
  };
}

export function count(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 100 ? `${Math.round(value)}` : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** `7,512/s [7,301–7,733] p99 12.3 ms`, with errors when there were any. */
export function throughputCell(measure: Measure, unit = '/s'): Cell {
  const t = measure.throughput;
  const errors = measure.errors > 0 ? ` ${measure.errors} ERRORS` : '';
  return { text: `${count(t.median)}${unit} [${count(t.min)}–${count(t.max)}] p99 ${ms(measure.p99.median)} ms${errors}`, measure };
}

export function latencyCell(idle: Measure, loaded: Measure): Cell {
  const errors = idle.errors + loaded.errors > 0 ? ` ${idle.errors + loaded.errors} ERRORS` : '';
  return { text: `p99 idle ${ms(idle.p99.median)} → ${ms(loaded.p99.median)} ms [${ms(loaded.p99.min)}–${ms(loaded.p99.max)}]${errors}` };
}

export function ratioOf(a: Measure | undefined, b: Measure | undefined): number | undefined {
  return a && b ? a.throughput.median / b.throughput.median : undefined;
}

export function atLeast(ratio: number | undefined, minimum: number, label = `≥ ${minimum}×`): Budget | undefined {
  return ratio === undefined ? undefined : { text: label, pass: ratio >= minimum };
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['#', 'Scenario', 'Castellan', 'Baseline (oidc-provider)', 'Ratio', 'Budget', ''];
  const lines = rows.map((r) => [
    r.id,
    r.scenario,
    r.castellan.text,
    r.baseline.text,
    r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}×${r.ratioOf ? ` (${r.ratioOf})` : ''}`,
    r.budget?.text ?? '—',
    r.budget ? (r.budget.pass ? 'PASS' : 'FAIL') : '',
  ]);
  const widths = header.map((h, i) => Math.max([...h].length, ...lines.map((l) => [...l[i]!].length)));
  const render = (cells: readonly string[]): string => cells.map((c, i) => pad(c, widths[i]!)).join(' | ').trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.id}: ${r.note}`);
  return [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render), ...(notes.length > 0 ? ['', 'Notes:', ...notes] : [])].join('\n');
}

export async function writeResults(directory: string, stamp: string, document: unknown): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = join(directory, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
