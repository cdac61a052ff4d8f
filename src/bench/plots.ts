/**
 * The report's plots as standalone SVG documents:
 * - normalized score per dataset by method (dot plot; 0 = constant predictor, 1 = best method on the dataset);
 * - mean normalized score vs. search time budget (one line per budgeted method, budget-free methods dashed);
 * - average rank per method (bars; lower is better).
 */
import type { BudgetCurve, Comparison } from './aggregate.js';
import { CONSTANT_FRAMEWORK } from './methods.js';
import { PALETTE, SHAPES, escapeXml, fmt, legend, line, marker, niceTicks, svgDocument, text } from './svg.js';

const WIDTH = 820;

/** Palette slot of each framework, shared by all plots so a method keeps its color and marker everywhere. */
export type StyleIndex = ReadonlyMap<string, number>;

export function styleIndex(frameworks: readonly string[]): StyleIndex {
  return new Map([...new Set(frameworks)].map((f, i) => [f, i]));
}

function styleOf(styles: StyleIndex, framework: string): { color: string; shape: (typeof SHAPES)[number]; slot: number } {
  const slot = styles.get(framework) ?? styles.size;
  return { color: PALETTE[slot % PALETTE.length]!, shape: SHAPES[slot % SHAPES.length]!, slot };
}

/** Scores below this are drawn at the left edge with an arrow (a method far worse than the constant predictor). */
const LOW_CLIP = -0.5;

export function normalizedScorePlot(comparison: Comparison, styles: StyleIndex): string {
  // The constant predictor is 0 by definition: leaving it out lets the axis zoom in on the methods that matter.
  const methods = comparison.methods.filter((m) => m.framework !== CONSTANT_FRAMEWORK);
  const tasks = comparison.tasks.map((t) => t.name);
  const left = 150;
  const right = WIDTH - 30;
  const top = 56;
  const rowHeight = Math.max(24, 4 * methods.length + 10);
  const plotBottom = top + rowHeight * tasks.length;
  const values = tasks.flatMap((t) => methods.map((m) => comparison.cells.get(t)?.get(m.label)?.normalized ?? NaN)).filter(Number.isFinite);
  const lo = Math.max(LOW_CLIP, Math.min(0.9, Math.floor(Math.min(1, ...values) * 10) / 10));
  const x = (v: number): number => left + ((Math.max(v, lo) - lo) / (1 - lo)) * (right - left);
  const body: string[] = [
    text(WIDTH / 2, 22, 'Normalized score per dataset by method', 'text-anchor="middle" font-size="14" font-weight="bold"'),
    text(WIDTH / 2, 40, `1 = best method on the dataset, 0 = constant predictor (not drawn)${lo > LOW_CLIP ? '' : '; ◀ = below the axis'}`, 'text-anchor="middle" fill="#555"'),
  ];
  tasks.forEach((_task, i) => {
    const y = top + rowHeight * i + rowHeight / 2;
    if (i % 2 === 0) body.push(`<rect x="${left}" y="${fmt(y - rowHeight / 2)}" width="${right - left}" height="${rowHeight}" fill="#f4f4f4"/>`);
  });
  for (const tick of niceTicks(lo, 1, 6)) {
    body.push(line(x(tick), top, x(tick), plotBottom, `stroke="${tick === 1 ? '#999' : '#dddddd'}"`));
    body.push(text(x(tick), plotBottom + 16, fmt(tick), 'text-anchor="middle" fill="#444"'));
  }
  body.push(text((left + right) / 2, plotBottom + 34, 'normalized score (higher is better)', 'text-anchor="middle" fill="#444"'));
  tasks.forEach((task, i) => {
    const y = top + rowHeight * i + rowHeight / 2;
    body.push(text(left - 8, y + 4, `${task} (${comparison.tasks[i]!.metric.replace('neg_', '')})`, 'text-anchor="end" fill="#222"'));
    methods.forEach((m, j) => {
      const v = comparison.cells.get(task)?.get(m.label)?.normalized;
      if (v === undefined || !Number.isFinite(v)) return;
      const { color, shape } = styleOf(styles, m.framework);
      const yy = y + (j - (methods.length - 1) / 2) * 4;
      const title = `<title>${escapeXml(m.label)}: ${v.toFixed(3)}</title>`;
      if (v < lo) body.push(`<g>${title}${text(left + 2, yy + 4, '◀', `fill="${color}"`)}</g>`);
      else body.push(`<g>${title}${marker(shape, x(v), yy, 4.5, color, 'fill-opacity="0.85"')}</g>`);
    });
  });
  const key = legend(methods.map((m) => ({ label: m.label, ...styleOf(styles, m.framework) })), left, plotBottom + 58, right - left);
  body.push(...key.svg);
  return svgDocument(WIDTH, plotBottom + 58 + key.height, body, 'Normalized score per dataset by method');
}

export function budgetPlot(curves: readonly BudgetCurve[], flat: readonly { label: string; score: number }[], styles: StyleIndex): string {
  const others = flat.filter((f) => f.label !== CONSTANT_FRAMEWORK && Number.isFinite(f.score));
  const left = 70;
  const right = WIDTH - 30;
  const top = 56;
  const bottom = 380;
  const budgets = [...new Set(curves.flatMap((c) => c.points.map((p) => p.budget)))].sort((a, b) => a - b);
  const scores = [...curves.flatMap((c) => c.points.map((p) => p.score)), ...others.map((f) => f.score)].filter(Number.isFinite);
  const yLo = Math.max(LOW_CLIP, Math.min(0.9, Math.floor(Math.min(1, ...scores) * 10) / 10));
  const logScale = budgets.length > 1 && budgets[budgets.length - 1]! / budgets[0]! >= 4;
  const tx = (b: number): number => (logScale ? Math.log(b) : b);
  const bMin = tx(budgets[0] ?? 1);
  const bMax = tx(budgets[budgets.length - 1] ?? 1);
  const pad = 40;
  const x = (b: number): number => (bMax === bMin ? (left + right) / 2 : left + pad + ((tx(b) - bMin) / (bMax - bMin)) * (right - left - 2 * pad));
  const y = (s: number): number => bottom - ((Math.max(s, yLo) - yLo) / (1 - yLo)) * (bottom - top);
  const body: string[] = [
    text(WIDTH / 2, 22, 'Mean normalized score vs. search time budget', 'text-anchor="middle" font-size="14" font-weight="bold"'),
    text(WIDTH / 2, 40, 'dashed: methods without a time budget; 0 = constant predictor', 'text-anchor="middle" fill="#555"'),
  ];
  for (const tick of niceTicks(yLo, 1, 6)) {
    body.push(line(left, y(tick), right, y(tick), 'stroke="#e3e3e3"'));
    body.push(text(left - 8, y(tick) + 4, fmt(tick), 'text-anchor="end" fill="#444"'));
  }
  for (const b of budgets) body.push(text(x(b), bottom + 16, `${fmt(b)} s`, 'text-anchor="middle" fill="#444"'));
  body.push(line(left, bottom, right, bottom, 'stroke="#999"'), line(left, top, left, bottom, 'stroke="#999"'));
  body.push(text((left + right) / 2, bottom + 34, `search time budget per task and fold${logScale ? ' (log scale)' : ''}`, 'text-anchor="middle" fill="#444"'));
  body.push(text(18, (top + bottom) / 2, 'mean normalized score', `text-anchor="middle" fill="#444" transform="rotate(-90 18 ${(top + bottom) / 2})"`));
  for (const f of others) {
    const { color, shape } = styleOf(styles, f.label);
    body.push(`<g><title>${escapeXml(f.label)}: ${f.score.toFixed(3)}</title>${line(left, y(f.score), right, y(f.score), `stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"`)}</g>`);
    body.push(marker(shape, right, y(f.score), 4.5, color));
  }
  for (const curve of curves) {
    const { color, shape } = styleOf(styles, curve.framework);
    const pts = curve.points.filter((p) => Number.isFinite(p.score));
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${fmt(x(p.budget))},${fmt(y(p.score))}`).join(' ')}"/>`);
    for (const p of pts) body.push(`<g><title>${escapeXml(curve.framework)} ${p.budget}s: ${p.score.toFixed(3)} (${p.tasks} tasks)</title>${marker(shape, x(p.budget), y(p.score), 5, color)}</g>`);
  }
  const entries = [...curves.map((c) => c.framework), ...others.map((f) => f.label)].map((label) => ({ label, ...styleOf(styles, label) }));
  const key = legend(entries, left, bottom + 58, right - left);
  body.push(...key.svg);
  return svgDocument(WIDTH, bottom + 58 + key.height, body, 'Mean normalized score vs. time budget');
}

export function rankPlot(comparison: Comparison, styles: StyleIndex): string {
  const entries = [...comparison.averageRank].filter(([, r]) => Number.isFinite(r)).sort((a, b) => a[1] - b[1]);
  const left = 200;
  const right = WIDTH - 60;
  const top = 48;
  const barHeight = 22;
  const k = comparison.methods.length;
  const x = (r: number): number => left + ((r - 1) / Math.max(1, k - 1)) * (right - left);
  const bottom = top + entries.length * (barHeight + 6);
  const friedman = comparison.friedman;
  const subtitle =
    friedman !== undefined ? `Friedman χ² = ${friedman.statistic.toFixed(2)}, df = ${friedman.df}, p = ${formatP(friedman.pValue)}, ${friedman.nBlocks} datasets` : '';
  const body: string[] = [
    text(WIDTH / 2, 20, 'Average rank over datasets (1 = best)', 'text-anchor="middle" font-size="14" font-weight="bold"'),
    text(WIDTH / 2, 36, subtitle, 'text-anchor="middle" fill="#555"'),
  ];
  for (let r = 1; r <= k; r++) {
    body.push(line(x(r), top - 4, x(r), bottom, 'stroke="#e3e3e3"'), text(x(r), bottom + 16, String(r), 'text-anchor="middle" fill="#444"'));
  }
  const colorOf = new Map(comparison.methods.map((m) => [m.label, styleOf(styles, m.framework).color]));
  entries.forEach(([label, rank], i) => {
    const yy = top + i * (barHeight + 6);
    body.push(`<rect x="${left}" y="${yy}" width="${fmt(Math.max(1, x(rank) - left))}" height="${barHeight}" fill="${colorOf.get(label)}" fill-opacity="0.85"/>`);
    body.push(text(left - 8, yy + barHeight / 2 + 4, label, 'text-anchor="end" fill="#222"'));
    body.push(text(x(rank) + 6, yy + barHeight / 2 + 4, rank.toFixed(2), 'fill="#222"'));
  });
  return svgDocument(WIDTH, bottom + 30, body, 'Average rank per method');
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '-';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}
