/**
 * In-memory tables to RawTable: rows as objects, or columns as arrays.
 *
 * - Typed numeric arrays (Float64Array, Int32Array, ...) are numeric columns as given (NaN = missing).
 * - Plain arrays are untyped: numbers stay numbers, strings equal to a missing token (after trimming), null,
 *   undefined and NaN are missing, booleans become 'true'/'false', Dates their ISO text, bigints numbers;
 *   then the same type inference as for CSV applies.
 * - Rows: the columns are the union of the rows' keys in first-seen order; a key absent from a row is missing.
 */
import { DataError } from '../util/errors.js';
import { DEFAULT_MISSING_TOKENS } from './csv.js';
import type { RawCell, RawColumn, RawTable } from './raw.js';

export interface MemoryTableOptions {
  name?: string;
  missingTokens?: readonly string[];
}

export function rawTableFromRows(rows: readonly Record<string, unknown>[], options: MemoryTableOptions = {}): RawTable {
  if (!Array.isArray(rows)) throw new DataError('rows must be an array of objects');
  const names: string[] = [];
  const known = new Set<string>();
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new DataError(`row ${i + 1} is not an object`);
    }
    for (const key of Object.keys(row)) {
      if (!known.has(key)) {
        known.add(key);
        names.push(key);
      }
    }
  });
  const missing = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const columns: RawColumn[] = names.map((name) => ({
    name,
    kind: 'text',
    values: rows.map((row, i) => toCell(row[name], missing, name, i)),
  }));
  return { name: options.name ?? 'table', nRows: rows.length, columns };
}

export function rawTableFromColumns(
  columns: Readonly<Record<string, ArrayLike<unknown>>>,
  options: MemoryTableOptions = {},
): RawTable {
  const names = Object.keys(columns);
  const missing = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  let nRows = -1;
  const raws: RawColumn[] = names.map((name) => {
    const values = columns[name]!;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new DataError(`column '${name}' is not an array`, { column: name });
    }
    if (nRows < 0) nRows = values.length;
    else if (values.length !== nRows) {
      throw new DataError(`ragged columns: '${name}' has ${values.length} values but '${names[0]}' has ${nRows}`, {
        column: name,
      });
    }
    if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array || values instanceof BigUint64Array)) {
      return { name, kind: 'numeric', values: Float64Array.from(values as ArrayLike<number>) };
    }
    return { name, kind: 'text', values: Array.from(values, (v, i) => toCell(v, missing, name, i)) };
  });
  return { name: options.name ?? 'table', nRows: Math.max(0, nRows), columns: raws };
}

function toCell(v: unknown, missing: ReadonlySet<string>, column: string, row: number): RawCell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? null : v;
    case 'string':
      return missing.has(v.trim()) ? null : v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return Number(v);
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      throw new DataError(`unsupported value of type ${typeof v} (row ${row + 1})`, { column });
  }
}
