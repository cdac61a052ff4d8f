/**
 * Rows of cells as aligned text columns (two-space indent, two spaces between columns, a dashed rule under the
 * header). Columns whose every cell looks numeric are right-aligned, the rest left-aligned.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+(e[-+]?\d+)?[%sx]?$|^-$/i.test(r[j] ?? '')));
  const line = (cells: readonly string[]): string =>
    '  ' +
    cells
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
