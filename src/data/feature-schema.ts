import type { CategoricalColumn, Column, FeatureTable } from './dataset.js';
import { DataError } from '../util/errors.js';
import { rowLocation, type RawCell, type RawTable } from './raw.js';

/** What a fitted ensemble expects as input: each training feature's name, kind and known categories. */
export interface FeatureSpec {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Training categories, in code order (categorical features only). */
  readonly categories?: readonly string[];
}

export type FeatureSchema = readonly FeatureSpec[];

export function featureSchemaOf(table: FeatureTable): FeatureSchema {
  return table.features.map((c) =>
    c.kind === 'numeric' ? { name: c.name, kind: 'numeric' } : { name: c.name, kind: 'categorical', categories: [...c.categories] },
  );
}

/**
 * Rows as users send them (`{ feature: value }` objects) to a FeatureTable in the schema's column order.
 *
 * Documented behaviour (docs/bundle-format.md):
 * - a schema feature absent from a row's keys in EVERY row is a missing column: DataError naming it;
 *   absent from some rows only, or null / undefined / '' / NaN: a missing value;
 * - keys that are not schema features are ignored;
 * - numeric features take numbers or numeric strings; anything else is a DataError naming row and column;
 * - categorical features take strings (numbers and booleans are converted with String()); a category unseen in
 *   training is kept as an 'unknown' category that every member treats as unseen, never as another category.
 */
export function rowsToFeatureTable(rows: readonly Record<string, unknown>[], schema: FeatureSchema): FeatureTable {
  if (!Array.isArray(rows)) throw new DataError('rows must be an array of objects');
  const n = rows.length;
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new DataError(`row ${i} is not an object of feature values`);
    }
  });
  const features: Column[] = schema.map((spec) => {
    if (n > 0 && !rows.some((r) => Object.prototype.hasOwnProperty.call(r, spec.name))) {
      throw new DataError(`missing feature column '${spec.name}' (no row has it)`);
    }
    return spec.kind === 'numeric' ? numericFromRows(rows, spec.name) : categoricalFromRows(rows, spec);
  });
  return { nRows: n, features };
}

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
}

function numericFromRows(rows: readonly Record<string, unknown>[], name: string): Column {
  const values = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const v = row[name];
    if (isMissing(v)) {
      values[i] = NaN;
      return;
    }
    const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(x)) {
      throw new DataError(`row ${i}: numeric feature '${name}' got ${JSON.stringify(v)}`);
    }
    values[i] = x;
  });
  return { name, kind: 'numeric', values };
}

function categoricalFromRows(rows: readonly Record<string, unknown>[], spec: FeatureSpec): CategoricalColumn {
  const categories = [...(spec.categories ?? [])];
  const index = new Map(categories.map((c, i) => [c, i]));
  const codes = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    const v = row[spec.name];
    if (isMissing(v)) {
      codes[i] = -1;
      return;
    }
    if (typeof v === 'object') {
      throw new DataError(`row ${i}: categorical feature '${spec.name}' got ${JSON.stringify(v)}`);
    }
    codes[i] = codeOf(String(v), categories, index);
  });
  return { name: spec.name, kind: 'categorical', codes, categories };
}

function codeOf(value: string, categories: string[], index: Map<string, number>): number {
  let code = index.get(value);
  if (code === undefined) {
    code = categories.length;
    categories.push(value);
    index.set(value, code);
  }
  return code;
}

/**
 * A table read from a file (columns by name, its own category lists) aligned to the training schema:
 * columns reordered, extras dropped, categories recoded to the training lists (unseen ones appended as unknown),
 * numeric text in a column read as categorical converted back to numbers. A missing column is a DataError.
 */
export function alignToSchema(table: FeatureTable, schema: FeatureSchema): FeatureTable {
  const byName = new Map(table.features.map((c) => [c.name, c]));
  const features = schema.map((spec): Column => {
    const column = byName.get(spec.name);
    if (column === undefined) {
      throw new DataError(`missing feature column '${spec.name}'`);
    }
    if (spec.kind === 'numeric') return alignNumeric(column, table.nRows);
    return alignCategorical(column, spec, table.nRows);
  });
  return { nRows: table.nRows, features };
}

function alignNumeric(column: Column, n: number): Column {
  if (column.kind === 'numeric') return column;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const code = column.codes[i]!;
    if (code < 0) {
      values[i] = NaN;
      continue;
    }
    const text = column.categories[code]!;
    const x = Number(text);
    if (text.trim() === '' || !Number.isFinite(x)) {
      throw new DataError(`row ${i}: numeric feature '${column.name}' got ${JSON.stringify(text)}`);
    }
    values[i] = x;
  }
  return { name: column.name, kind: 'numeric', values };
}

function alignCategorical(column: Column, spec: FeatureSpec, n: number): CategoricalColumn {
  const categories = [...(spec.categories ?? [])];
  const index = new Map(categories.map((c, i) => [c, i]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (column.kind === 'numeric') {
      const x = column.values[i]!;
      codes[i] = Number.isNaN(x) ? -1 : codeOf(String(x), categories, index);
    } else {
      const code = column.codes[i]!;
      codes[i] = code < 0 ? -1 : codeOf(column.categories[code]!, categories, index);
    }
  }
  return { name: spec.name, kind: 'categorical', codes, categories };
}

/**
 * A raw table read from a prediction file (CSV / ARFF; the target column may be absent) to a FeatureTable in the
 * schema's order. Same rules as alignToSchema; a non-numeric value in a numeric feature names file, line and column.
 */
export function rawTableToFeatures(raw: RawTable, schema: FeatureSchema): FeatureTable {
  const byName = new Map(raw.columns.map((c) => [c.name, c]));
  const features = schema.map((spec): Column => {
    const column = byName.get(spec.name);
    if (column === undefined) {
      throw new DataError(`missing feature column '${spec.name}'`, { ...(raw.file === undefined ? {} : { file: raw.file }), column: spec.name });
    }
    const cell = (i: number): RawCell => {
      if (column.kind === 'numeric') return Number.isNaN(column.values[i]!) ? null : column.values[i]!;
      if (column.kind === 'nominal') return column.codes[i]! < 0 ? null : column.categories[column.codes[i]!]!;
      const v = column.values[i];
      return v === undefined || v === '' ? null : v;
    };
    if (spec.kind === 'numeric') {
      if (column.kind === 'numeric') return { name: spec.name, kind: 'numeric', values: column.values };
      const values = new Float64Array(raw.nRows);
      for (let i = 0; i < raw.nRows; i++) {
        const v = cell(i);
        const x = v === null ? NaN : typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
        if (v !== null && !Number.isFinite(x)) {
          throw new DataError(`numeric feature '${spec.name}' got ${JSON.stringify(v)}`, rowLocation(raw, i, spec.name));
        }
        values[i] = x;
      }
      return { name: spec.name, kind: 'numeric', values };
    }
    const categories = [...(spec.categories ?? [])];
    const index = new Map(categories.map((c, i) => [c, i]));
    const codes = new Int32Array(raw.nRows);
    for (let i = 0; i < raw.nRows; i++) {
      const v = cell(i);
      codes[i] = v === null ? -1 : codeOf(String(v), categories, index);
    }
    return { name: spec.name, kind: 'categorical', codes, categories };
  });
  return { nRows: raw.nRows, features };
}
