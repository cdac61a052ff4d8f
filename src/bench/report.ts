/**
 * `auto-ensemble report`: a result CSV -> report.md, report.html (plots inline) and the plots as SVG files.
 *
 * The report is built once as a list of blocks (headings, paragraphs, tables, images) and rendered to both
 * Markdown and HTML, so the two always say the same thing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { budgetCurves, compareMethods, type Cell, type Comparison } from './aggregate.js';
import { budgetPlot, formatP, normalizedScorePlot, rankPlot, styleIndex } from './plots.js';
import { FAILED_PREFIX, numberCell, readResults } from './results-csv.js';
import { escapeXml } from './svg.js';
import { ConfigError } from '../util/errors.js';

type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly align?: readonly ('l' | 'r')[] }
  | { readonly kind: 'image'; readonly file: string; readonly alt: string };

export interface ReportOptions {
  /** Budget (seconds) of the budgeted methods in the main comparison (default: the largest in the file). */
  readonly budget?: number;
  readonly title?: string;
}

export interface BuiltReport {
  readonly markdown: string;
  readonly html: string;
  readonly svgs: ReadonlyMap<string, string>;
  readonly comparison: Comparison;
}

export interface WrittenReport {
  readonly dir: string;
  readonly files: readonly string[];
}

const PLOTS = { scores: 'normalized-scores.svg', budget: 'score-vs-budget.svg', ranks: 'average-ranks.svg' } as const;

/** Read a result CSV and write the report into `outDir` (default: `<csv without extension>-report/`). */
export function writeReport(csvPath: string, outDir?: string, options: ReportOptions = {}): WrittenReport {
  const rows = readResults(csvPath);
  if (rows.length === 0) throw new ConfigError(`${csvPath}: no result rows (missing or empty file)`);
  const dir = outDir ?? join(csvPath.slice(0, csvPath.length - extname(csvPath).length) + '-report');
  const report = buildReport(rows, { title: options.title ?? `Benchmark report: ${basename(csvPath, extname(csvPath))}`, ...options });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, content: string): void => {
    writeFileSync(join(dir, name), content);
    files.push(join(dir, name));
  };
  write('report.md', report.markdown);
  write('report.html', report.html);
  for (const [name, svg] of report.svgs) write(name, svg);
  return { dir, files };
}

export function buildReport(rows: readonly Readonly<Record<string, string>>[], options: ReportOptions = {}): BuiltReport {
  const comparison = compareMethods(rows, options.budget !== undefined ? { budget: options.budget } : {});
  const { curves, flat } = budgetCurves(rows);
  const styles = styleIndex(rows.map((r) => r.framework!));
  const svgs = new Map<string, string>([
    [PLOTS.scores, normalizedScorePlot(comparison, styles)],
    [PLOTS.ranks, rankPlot(comparison, styles)],
  ]);
  if (curves.length > 0) svgs.set(PLOTS.budget, budgetPlot(curves, flat, styles));
  const blocks = reportBlocks(rows, comparison, options.title ?? 'Benchmark report', svgs);
  return { markdown: toMarkdown(blocks), html: toHtml(blocks, options.title ?? 'Benchmark report', svgs), svgs, comparison };
}

function overview(rows: readonly Readonly<Record<string, string>>[], comparison: Comparison): string {
  const folds = new Set(rows.map((r) => r.fold)).size;
  const failures = rows.filter((r) => (r.info ?? '').startsWith(FAILED_PREFIX)).length;
  const versions = [...new Set(rows.map((r) => r.app_version).filter((v) => v !== undefined && v !== ''))].join(', ');
  const last = rows.map((r) => r.utc ?? '').sort().at(-1) ?? '';
  return (
    `${rows.length} result rows: ${comparison.tasks.length} datasets, up to ${folds} folds, ${comparison.methods.length} methods` +
    `${comparison.budget !== undefined ? `, budgeted methods at ${comparison.budget} s per task and fold` : ''}. ` +
    `${failures} failed run(s), each scored as the constant predictor (the AutoML Benchmark's rule). ` +
    (versions !== '' ? `Versions: ${versions}. ` : '') +
    (last !== '' ? `Last row written ${last} UTC.` : '')
  );
}

function reportBlocks(rows: readonly Readonly<Record<string, string>>[], c: Comparison, title: string, svgs: ReadonlyMap<string, string>): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: title }, { kind: 'paragraph', text: overview(rows, c) }];
  blocks.push({ kind: 'heading', level: 2, text: 'Summary' }, summaryTable(c));
  blocks.push({
    kind: 'paragraph',
    text:
      'Average rank: per dataset, methods are ranked by their mean result over folds (1 = best, ties share the average rank), ' +
      `then ranks are averaged over the ${c.completeTasks.length} datasets where every method has a result. ` +
      'Normalized score: 0 = constant predictor, 1 = best method on that dataset; the mean is over the same datasets.',
  });
  if (c.friedman !== undefined) {
    const f = c.friedman;
    blocks.push({
      kind: 'paragraph',
      text:
        `Friedman test over ${f.nBlocks} datasets and ${c.methods.length} methods: χ² = ${f.statistic.toFixed(3)}, df = ${f.df}, ` +
        `p = ${formatP(f.pValue)} (${f.pValue < 0.05 ? 'the methods differ at the 5% level' : 'no significant difference at the 5% level'}).`,
    });
  }
  blocks.push({ kind: 'image', file: PLOTS.ranks, alt: 'average ranks' }, { kind: 'image', file: PLOTS.scores, alt: 'normalized score per dataset' });
  if (svgs.has(PLOTS.budget)) blocks.push({ kind: 'image', file: PLOTS.budget, alt: 'score vs time budget' });
  if (c.pairwise.length > 0) {
    blocks.push({ kind: 'heading', level: 2, text: 'Pairwise Wilcoxon signed-rank tests' }, pairwiseTable(c));
    blocks.push({
      kind: 'paragraph',
      text:
        'W/T/L: datasets where A has a higher / equal / lower mean result than B. The two-sided Wilcoxon signed-rank test is on ' +
        "the per-dataset normalized scores (zero differences dropped; exact p without ties for up to 50 datasets, else the normal " +
        "approximation); Holm's step-down correction is over all pairs; * = Holm p < 0.05. Sorted by p.",
    });
  }
  blocks.push({ kind: 'heading', level: 2, text: 'Per-dataset results' }, datasetTable(c));
  blocks.push({
    kind: 'paragraph',
    text: 'Mean ± standard deviation over folds of the main metric (AUC: higher is better; log loss and RMSE: lower is better); the best mean per dataset in bold; † = at least one failed fold.',
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Time and size' }, timeTable(c));
  return blocks;
}

function summaryTable(c: Comparison): Block {
  const labels = c.methods.map((m) => m.label).sort((a, b) => (c.averageRank.get(a) ?? Infinity) - (c.averageRank.get(b) ?? Infinity));
  const rows = labels.map((label) => {
    const cells = c.completeTasks.map((t) => c.cells.get(t)!.get(label)!);
    const all = c.tasks.map((t) => c.cells.get(t.name)!.get(label)).filter((x): x is Cell => x !== undefined);
    const failures = all.reduce((s, x) => s + x.failures, 0);
    const folds = all.reduce((s, x) => s + x.folds, 0);
    return [label, num(c.averageRank.get(label), 2), num(meanOf(cells.map((x) => x.normalized)), 3), String(all.length), `${failures}/${folds}`];
  });
  return { kind: 'table', header: ['method', 'average rank', 'mean normalized score', 'datasets', 'failed folds'], rows, align: ['l', 'r', 'r', 'r', 'r'] };
}

function pairwiseTable(c: Comparison): Block {
  const sorted = [...c.pairwise].sort((x, y) => x.test.pValue - y.test.pValue);
  const rows = sorted.map((p) => [p.a, p.b, `${p.wins}/${p.ties}/${p.losses}`, num(p.test.statistic, 1), String(p.test.n), formatP(p.test.pValue), formatP(p.holmP) + (p.holmP < 0.05 ? ' *' : '')]);
  return { kind: 'table', header: ['A', 'B', 'W/T/L', 'W', 'n', 'p', 'Holm p'], rows, align: ['l', 'l', 'r', 'r', 'r', 'r', 'r'] };
}

function datasetTable(c: Comparison): Block {
  const labels = c.methods.map((m) => m.label);
  const rows = c.tasks.map((task) => {
    const sign = task.metric.startsWith('neg_') ? -1 : 1;
    const byMethod = c.cells.get(task.name)!;
    const best = Math.max(...labels.map((l) => byMethod.get(l)?.mean ?? -Infinity));
    const cells = labels.map((l) => {
      const cell = byMethod.get(l);
      if (cell === undefined || !Number.isFinite(cell.mean)) return '-';
      const spread = cell.folds > 1 ? ` ± ${cell.std.toFixed(4)}` : '';
      const value = `${(sign * cell.mean).toFixed(4)}${spread}${cell.failures > 0 ? ' †' : ''}`;
      return cell.mean === best ? `**${value}**` : value;
    });
    return [task.name, task.metric.replace('neg_', ''), ...cells];
  });
  return { kind: 'table', header: ['dataset', 'metric', ...labels], rows, align: ['l', 'l', ...labels.map(() => 'r' as const)] };
}

function timeTable(c: Comparison): Block {
  const rows = c.methods.map(({ label }) => {
    const all = c.tasks.map((t) => c.cells.get(t.name)!.get(label)).filter((x): x is Cell => x !== undefined);
    return [
      label,
      num(meanOf(all.map((x) => x.trainSeconds)), 2),
      num(meanOf(all.map((x) => x.predictSeconds)), 3),
      num(meanOf(all.map((x) => x.trials)), 1),
      num(meanOf(all.map((x) => x.ensembleSize)), 1),
    ];
  });
  return {
    kind: 'table',
    header: ['method', 'mean training s', 'mean prediction s', 'mean trials', 'mean ensemble size'],
    rows,
    align: ['l', 'r', 'r', 'r', 'r'],
  };
}

function meanOf(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

function num(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'heading') out.push(`${'#'.repeat(b.level)} ${b.text}`, '');
    else if (b.kind === 'paragraph') out.push(b.text, '');
    else if (b.kind === 'image') out.push(`![${b.alt}](${b.file})`, '');
    else {
      const cell = (s: string): string => s.replace(/\|/g, '\\|');
      out.push(`| ${b.header.map(cell).join(' | ')} |`);
      out.push(`|${b.header.map((_, i) => (b.align?.[i] === 'r' ? '---:' : '---')).join('|')}|`);
      for (const row of b.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

function inlineMarkdown(text: string): string {
  return escapeXml(text).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
}

function toHtml(blocks: readonly Block[], title: string, svgs: ReadonlyMap<string, string>): string {
  const body: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'heading') body.push(`<h${b.level}>${escapeXml(b.text)}</h${b.level}>`);
    else if (b.kind === 'paragraph') body.push(`<p>${inlineMarkdown(b.text)}</p>`);
    else if (b.kind === 'image') body.push(`<figure>${(svgs.get(b.file) ?? '').replace(/^<\?xml[^>]*>/, '')}</figure>`);
    else {
      const align = (i: number): string => (b.align?.[i] === 'r' ? ' class="r"' : '');
      body.push('<table>', `<thead><tr>${b.header.map((h, i) => `<th${align(i)}>${escapeXml(h)}</th>`).join('')}</tr></thead>`, '<tbody>');
      for (const row of b.rows) body.push(`<tr>${row.map((v, i) => `<td${align(i)}>${inlineMarkdown(v)}</td>`).join('')}</tr>`);
      body.push('</tbody></table>');
    }
  }
  const style =
    'body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}' +
    'table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px}' +
    'th{background:#f3f3f3}td.r,th.r{text-align:right}tbody tr:nth-child(even){background:#fafafa}figure{margin:1.5em 0}' +
    'svg{max-width:100%;height:auto}';
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${style}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

/** Rows of a result file that failed (for CLI messages). */
export function failedRows(rows: readonly Readonly<Record<string, string>>[]): number {
  return rows.filter((r) => (r.info ?? '').startsWith(FAILED_PREFIX) || !Number.isFinite(numberCell(r, 'result'))).length;
}
