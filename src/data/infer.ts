/**
 * Column type inference for untyped columns (CSV fields, ARFF string/date attributes, plain JS arrays).
 *
 * The rule, in order (see docs/datasets.md):
 * 1. An override in `columnTypes` wins: 'numeric' (every value must be a finite number), 'categorical', 'drop'.
 * 2. A column with no values at all (every cell missing) is dropped.
 * 3. Every value a number:
 *    - a non-finite one ('inf', '1e999') is an error;
 *    - numbers written with a leading zero ('007', '0123') are codes: categorical, keeping the text;
 *    - integer-valued with at most `maxCodeCardinality` (10) distinct values, each seen twice on average
 *      (non-missing count >= 2 x distinct), is categorical (codes); categories sorted by numeric value;
 *    - otherwise numeric.
 * 4. Mostly numbers (>= 90% of at least 10 values) with at most 3 distinct other tokens is an error: the other
 *    tokens are probably unlisted missing markers ('-', 'missing'); set `missingTokens` or `columnTypes`.
 * 5. Otherwise categorical (categories sorted by numeric value when all look numeric, else by text), except an
 *    ID-like column (at least 20 values, all distinct), which is dropped: it cannot help a model generalise.
 */
import { DataError } from '../util/errors.js';
import type { CategoricalColumn, Column } from './dataset.js';
import { rowLocation, rowSuffix, type RawCell, type RawTable, type RawTextColumn } from './raw.js';

export type ColumnType = 'numeric' | 'categorical' | 'drop';

export interface InferOptions {
  /** Integer-valued columns with at most this many distinct values are categorical (default 10). */
  maxCodeCardinality?: number;
}

export const DEFAULT_MAX_CODE_CARDINALITY = 10;
/** Text columns with at least this many values, all distinct, are ID-like and dropped. */
export const ID_LIKE_MIN_VALUES = 20;

export type InferResult = { column: Column } | { dropped: string };

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:inf|infinity)$/i;
const LEADING_ZERO_RE = /^[+-]?0\d/;

/** What the cells of one column look like. */
export interface CellScan {
  nonMissing: number;
  numbers: Float64Array;
  /** Count of cells that are finite numbers (numbers[i] is NaN elsewhere). */
  numeric: number;
  /** First row with a non-finite number ('inf', '1e999', Infinity), or -1. */
  firstNonFinite: number;
  /** First row with a non-number text, or -1. */
  firstOther: number;
  /** Distinct non-number texts, up to 4. */
  otherTokens: Set<string>;
  leadingZero: boolean;
}

/** Classifies every cell of a column as missing, finite number, non-finite number or other text. */
export function scanCells(values: readonly RawCell[]): CellScan {
  const n = values.length;
  const numbers = new Float64Array(n).fill(NaN);
  const scan: CellScan = {
    nonMissing: 0,
    numbers,
    numeric: 0,
    firstNonFinite: -1,
    firstOther: -1,
    otherTokens: new Set(),
    leadingZero: false,
  };
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) continue;
      scan.nonMissing++;
      if (Number.isFinite(v)) {
        numbers[i] = v;
        scan.numeric++;
      } else if (scan.firstNonFinite < 0) scan.firstNonFinite = i;
      continue;
    }
    scan.nonMissing++;
    if (NUMBER_RE.test(v)) {
      const x = Number(v);
      if (Number.isFinite(x)) {
        numbers[i] = x;
        scan.numeric++;
        if (!scan.leadingZero && LEADING_ZERO_RE.test(v)) scan.leadingZero = true;
      } else if (scan.firstNonFinite < 0) scan.firstNonFinite = i;
    } else if (NON_FINITE_RE.test(v)) {
      if (scan.firstNonFinite < 0) scan.firstNonFinite = i;
    } else {
      if (scan.firstOther < 0) scan.firstOther = i;
      if (scan.otherTokens.size < 4) scan.otherTokens.add(v);
    }
  }
  return scan;
}

/** Distinct finite values when all are integers, or -1 when some value is not an integer. */
export function integerCardinality(numbers: Float64Array, limit: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < numbers.length; i++) {
    const x = numbers[i]!;
    if (Number.isNaN(x)) continue;
    if (!Number.isInteger(x)) return -1;
    if (seen.size <= limit) seen.add(x);
  }
  return seen.size;
}

/** True when a scanned all-numeric column looks like integer codes (rule 3 of the module doc). */
export function isCodeLike(scan: CellScan, maxCodeCardinality: number): boolean {
  const distinct = integerCardinality(scan.numbers, maxCodeCardinality);
  return distinct > 0 && distinct <= maxCodeCardinality && scan.nonMissing >= 2 * distinct;
}

/** Infers the kind of an untyped column; see the module doc for the rule. */
export function inferColumn(
  table: RawTable,
  raw: RawTextColumn,
  override: ColumnType | undefined,
  options: InferOptions = {},
): InferResult {
  if (override === 'drop') return { dropped: 'dropped by columnTypes' };
  const scan = scanCells(raw.values);
  const name = raw.name;
  if (override === 'categorical') return { column: categoricalFromCells(name, raw.values) };
  if (override === 'numeric') {
    const bad = scan.firstOther >= 0 ? scan.firstOther : scan.firstNonFinite;
    if (bad >= 0) throw valueError(table, bad, name, raw.values[bad], 'is not a finite number (column typed numeric)');
    return { column: { name, kind: 'numeric', values: scan.numbers } };
  }
  if (scan.nonMissing === 0) return { dropped: 'every value is missing' };
  if (scan.firstOther < 0) {
    if (scan.firstNonFinite >= 0) {
      throw valueError(table, scan.firstNonFinite, name, raw.values[scan.firstNonFinite], 'is a non-finite number');
    }
    const maxCodes = options.maxCodeCardinality ?? DEFAULT_MAX_CODE_CARDINALITY;
    if (scan.leadingZero || isCodeLike(scan, maxCodes)) return { column: categoricalFromCells(name, raw.values) };
    return { column: { name, kind: 'numeric', values: scan.numbers } };
  }
  if (scan.nonMissing >= 10 && scan.numeric >= 0.9 * scan.nonMissing && scan.otherTokens.size <= 3) {
    const tokens = [...scan.otherTokens].map((t) => `'${t}'`).join(', ');
    throw valueError(
      table,
      scan.firstOther,
      name,
      raw.values[scan.firstOther],
      `is not a number in an otherwise numeric column (other tokens: ${tokens}); ` +
        `add it to missingTokens, or set columnTypes to 'categorical' or 'numeric' for this column`,
    );
  }
  const column = categoricalFromCells(name, raw.values);
  if (scan.nonMissing >= ID_LIKE_MIN_VALUES && column.categories.length === scan.nonMissing) {
    return { dropped: `ID-like: all ${scan.nonMissing} values are distinct` };
  }
  return { column };
}

function valueError(table: RawTable, row: number, column: string, value: RawCell | undefined, what: string): DataError {
  return new DataError(`value '${String(value)}' ${what}${rowSuffix(table, row)}`, rowLocation(table, row, column));
}

/** Text of a cell as a category name. */
function cellText(v: RawCell): string {
  return typeof v === 'number' ? String(v) : v!;
}

/**
 * Sorted distinct category names of the given cells: by numeric value when every name looks like a finite
 * number (ties by text), else by UTF-16 code units (locale-independent, so results are the same everywhere).
 */
export function sortedCategories(names: Iterable<string>): string[] {
  const list = [...names];
  const allNumeric = list.every((s) => NUMBER_RE.test(s) && Number.isFinite(Number(s)));
  if (allNumeric) return list.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Builds a categorical column (sorted categories) from cells; missing cells get code -1. */
export function categoricalFromCells(name: string, values: readonly RawCell[]): CategoricalColumn {
  const distinct = new Set<string>();
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    distinct.add(cellText(v));
  }
  const categories = sortedCategories(distinct);
  const index = new Map<string, number>();
  categories.forEach((c, k) => index.set(c, k));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? -1 : index.get(cellText(v))!;
  }
  return { name, kind: 'categorical', codes, categories };
}
