/**
 * The untyped table every reader produces before type inference and target handling turn it into a Dataset.
 *
 * Readers (ARFF, CSV, in-memory rows/columns) only split and parse; `build.ts` decides column kinds, the target
 * and the task in one place, so every source follows the same rules.
 */
import { DataError, type ErrorLocation } from '../util/errors.js';

/** A cell of an untyped column: a string as read, a number (in-memory input), or null for missing. */
export type RawCell = string | number | null;

/** A column whose type the source declared as numeric (ARFF numeric/real/integer, typed arrays). NaN = missing. */
export interface RawNumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

/** A column whose categories the source declared (ARFF nominal), in declared order. -1 = missing. */
export interface RawNominalColumn {
  readonly name: string;
  readonly kind: 'nominal';
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

/** A column of untyped cells (CSV fields, ARFF string/date attributes, plain JS arrays): types are inferred. */
export interface RawTextColumn {
  readonly name: string;
  readonly kind: 'text';
  readonly values: readonly RawCell[];
}

export type RawColumn = RawNumericColumn | RawNominalColumn | RawTextColumn;

export interface RawTable {
  /** Dataset name (file base name or the caller's name). */
  readonly name: string;
  readonly nRows: number;
  readonly columns: readonly RawColumn[];
  /** Source file, for error locations. */
  readonly file?: string;
  /** 1-based source line of each row, for error locations; absent for in-memory tables. */
  readonly rowLines?: Int32Array;
}

/** Where row `row` (0-based) of a raw table came from, plus a text for messages when there is no file line. */
export function rowLocation(table: RawTable, row: number, column?: string): ErrorLocation {
  const loc: ErrorLocation = {};
  if (table.file !== undefined) loc.file = table.file;
  if (table.rowLines !== undefined) loc.line = table.rowLines[row]!;
  if (column !== undefined) loc.column = column;
  return loc;
}

/** " (row N)" for in-memory tables whose errors cannot name a line; empty when the location has a line. */
export function rowSuffix(table: RawTable, row: number): string {
  return table.rowLines === undefined ? ` (row ${row + 1})` : '';
}

/** Throws a DataError naming every duplicated column name (with the file when known). */
export function checkUniqueNames(names: readonly string[], file?: string, line?: number): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      const loc: ErrorLocation = { column: name };
      if (file !== undefined) loc.file = file;
      if (line !== undefined) loc.line = line;
      throw new DataError(`duplicate column name '${name}'`, loc);
    }
    seen.add(name);
  }
}
