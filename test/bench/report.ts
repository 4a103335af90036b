import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber } from './stats';

export interface Figure {
  /** Its number in the table; stable across partial runs (BENCH_ONLY). Defaults to its place in the list. */
  readonly number?: number;
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  /** Every measured run, in order. */
  readonly runs: readonly number[];
  readonly median: number;
  /** Null when the figure is informational. */
  readonly target: { readonly text: string; readonly pass: boolean } | null;
  readonly note?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly environment: Record<string, string>;
  readonly settings: Record<string, string | number>;
  readonly figures: readonly Figure[];
  readonly method: readonly string[];
  readonly allTargetsMet: boolean;
  /** Set when only some sections ran (BENCH_ONLY): what ran. */
  readonly partial?: string;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'MiB') return `${formatNumber(value, 1)} MiB`;
  if (unit === 's') return `${formatNumber(value, 1)} s`;
  return `${formatNumber(value)} ${unit}`;
}

export function markdownTable(figures: readonly Figure[]): string {
  const lines = ['| # | Measure | Median | Runs | Target | Result |', '|---|---|---:|---|---|---|'];
  figures.forEach((f, i) => {
    const runs = f.runs.map((r) => formatNumber(r, f.unit === 'MiB' || f.unit === 's' ? 1 : 0)).join(' / ');
    const result = f.target ? (f.target.pass ? '**pass**' : '**FAIL**') : '—';
    lines.push(`| ${f.number ?? i + 1} | ${f.label} | ${formatValue(f.median, f.unit)} | ${runs} | ${f.target?.text ?? '—'} | ${result} |`);
  });
  return lines.join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const env = Object.entries(report.environment).map(([k, v]) => `| ${k} | ${v} |`);
  const settings = Object.entries(report.settings).map(([k, v]) => `| ${k} | ${v} |`);
  const notes = report.figures.filter((f) => f.note).map((f) => `- **${f.label}**: ${f.note}`);
  return [
    `# Benchmark: event store, Kafka, REST`,
    '',
    `Run ${report.startedAt} → ${report.finishedAt} (${report.durationSeconds.toFixed(0)} s) by \`npm run bench\` (test/bench/run.ts).`,
    '',
    ...(report.partial ? [`**Partial run** (${report.partial}): only the figures below were measured.`, ''] : []),
    report.allTargetsMet ? 'All targets met.' : '**Not every target was met** — see the table.',
    '',
    '## Results (medians)',
    '',
    markdownTable(report.figures),
    '',
    ...(notes.length ? ['Notes on individual figures:', '', ...notes, ''] : []),
    '## Method',
    '',
    ...report.method.map((m) => `- ${m}`),
    '',
    '## Environment',
    '',
    '| | |',
    '|---|---|',
    ...env,
    '',
    '## Settings',
    '',
    '| | |',
    '|---|---|',
    ...settings,
    '',
  ].join('\n');
}

/**
 * Writes bench-results/event-store-<timestamp>.{md,json} and, for a full run, docs/bench/latest.md (a
 * partial run leaves the last full report there; latestPath is then null); returns the paths.
 */
export function writeReport(repoRoot: string, report: BenchReport): { markdownPath: string; jsonPath: string; latestPath: string | null } {
  const stamp = report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const resultsDir = join(repoRoot, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const markdown = renderMarkdown(report);
  const markdownPath = join(resultsDir, `event-store-${stamp}.md`);
  const jsonPath = join(resultsDir, `event-store-${stamp}.json`);
  writeFileSync(markdownPath, markdown);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  if (report.partial) return { markdownPath, jsonPath, latestPath: null };
  const latestDir = join(repoRoot, 'docs', 'bench');
  mkdirSync(latestDir, { recursive: true });
  const latestPath = join(latestDir, 'latest.md');
  writeFileSync(latestPath, markdown);
  return { markdownPath, jsonPath, latestPath };
}
