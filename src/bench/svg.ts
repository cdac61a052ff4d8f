/** Minimal SVG building blocks for the report's plots: escaped text, a palette, axis ticks. */

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f3b73',
  '#8c564b',
];

/** Marker shapes cycled with the palette, so methods stay apart in grey-scale too. */
export const SHAPES = ['circle', 'square', 'diamond', 'triangle'] as const;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/\.?0+$/, '');
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${fmt(x)}" y="${fmt(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs = ''): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" ${attrs}/>`;
}

export function marker(shape: (typeof SHAPES)[number], x: number, y: number, r: number, color: string, extra = ''): string {
  const style = `fill="${color}" stroke="#222" stroke-width="0.6" ${extra}`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${fmt(r)}" ${style}/>`;
    case 'square':
      return `<rect x="${fmt(x - r)}" y="${fmt(y - r)}" width="${fmt(2 * r)}" height="${fmt(2 * r)}" ${style}/>`;
    case 'diamond':
      return `<polygon points="${fmt(x)},${fmt(y - r * 1.3)} ${fmt(x + r * 1.3)},${fmt(y)} ${fmt(x)},${fmt(y + r * 1.3)} ${fmt(x - r * 1.3)},${fmt(y)}" ${style}/>`;
    case 'triangle':
      return `<polygon points="${fmt(x)},${fmt(y - r * 1.3)} ${fmt(x + r * 1.2)},${fmt(y + r)} ${fmt(x - r * 1.2)},${fmt(y + r)}" ${style}/>`;
  }
}

/** Roughly `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function svgDocument(width: number, height: number, body: readonly string[], title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="Helvetica, Arial, sans-serif" font-size="12">',
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly shape: (typeof SHAPES)[number];
}

/** A legend of colored markers in rows that wrap at `width`; returns its SVG and its height. */
export function legend(entries: readonly LegendEntry[], x0: number, y0: number, width: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let x = x0;
  let y = y0;
  for (const { label, color, shape } of entries) {
    // About 7 px per character at 12 px Helvetica, plus the marker and a gap.
    const w = 30 + label.length * 7;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += 18;
    }
    svg.push(marker(shape, x + 6, y - 4, 5, color));
    svg.push(text(x + 15, y, label, 'fill="#222"'));
    x += w;
  }
  return { svg, height: y - y0 + 18 };
}
