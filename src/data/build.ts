/**
 * Turns a RawTable (from any reader) into a Dataset: picks the target, types the feature columns and infers
 * the task. One place for the rules every source shares (see docs/datasets.md).
 *
 * Task rule: a target whose values are not all numbers is classification; an all-number target is
 * classification when it looks like integer codes (integer-valued, at most `maxCodeCardinality` = 10 distinct
 * values, each seen twice on average), else regression. A given `task` overrides this, except that regression
 * needs numbers. Class names are sorted (by numeric value when all look numeric), except that a nominal ARFF
 * target keeps its declared order; declared classes with no row are left out.
 */
import { ConfigError, DataError, type ErrorLocation } from '../util/errors.js';
import type { CategoricalColumn, Column, Dataset, Target, Task } from './dataset.js';
import {
  categoricalFromCells,
  DEFAULT_MAX_CODE_CARDINALITY,
  inferColumn,
  isCodeLike,
  scanCells,
  type ColumnType,
} from './infer.js';
import { checkUniqueNames, rowLocation, rowSuffix, type RawCell, type RawColumn, type RawTable } from './raw.js';

export interface BuildOptions {
  /** Target column name (default: the last column). */
  target?: string;
  /** Task; inferred from the target when absent. */
  task?: Task;
  /** Per-column type overrides for feature columns. */
  columnTypes?: Readonly<Record<string, ColumnType>>;
  /** Integer-coded columns with at most this many distinct values are categorical (default 10). */
  maxCodeCardinality?: number;
}

export interface DroppedColumn {
  readonly name: string;
  readonly reason: string;
}

/** A dataset plus what loading decided on the way (columns dropped and why). */
export interface LoadReport {
  readonly dataset: Dataset;
  readonly dropped: readonly DroppedColumn[];
}

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];
const COLUMN_TYPES: readonly ColumnType[] = ['numeric', 'categorical', 'drop'];

export function buildDataset(table: RawTable, options: BuildOptions = {}): LoadReport {
  const fileLoc: ErrorLocation = table.file !== undefined ? { file: table.file } : {};
  if (table.columns.length === 0) throw new DataError('empty table: no columns', fileLoc);
  if (table.nRows === 0) throw new DataError('empty table: no data rows', fileLoc);
  checkUniqueNames(
    table.columns.map((c) => c.name),
    table.file,
  );
  if (options.task !== undefined && !TASKS.includes(options.task)) {
    throw new ConfigError(`unknown task '${String(options.task)}' (expected one of ${TASKS.join(', ')})`);
  }
  const names = table.columns.map((c) => c.name);
  const targetName = options.target ?? names[names.length - 1]!;
  const targetRaw = table.columns.find((c) => c.name === targetName);
  if (targetRaw === undefined) {
    throw new DataError(`unknown target column '${targetName}'; available columns: ${names.join(', ')}`, fileLoc);
  }
  const overrides = checkColumnTypes(options.columnTypes ?? {}, names, targetName);
  const maxCodes = options.maxCodeCardinality ?? DEFAULT_MAX_CODE_CARDINALITY;
  const features: Column[] = [];
  const dropped: DroppedColumn[] = [];
  for (const raw of table.columns) {
    if (raw === targetRaw) continue;
    const result = featureFromRaw(table, raw, overrides[raw.name], maxCodes);
    if ('dropped' in result) dropped.push({ name: raw.name, reason: result.dropped });
    else features.push(result.column);
  }
  if (features.length === 0) {
    throw new DataError(`no feature columns besides the target '${targetName}'`, fileLoc);
  }
  const { target, task } = buildTarget(table, targetRaw, options.task, maxCodes);
  return { dataset: { name: table.name, nRows: table.nRows, features, target, task }, dropped };
}

function checkColumnTypes(
  types: Readonly<Record<string, ColumnType>>,
  names: readonly string[],
  targetName: string,
): Readonly<Record<string, ColumnType>> {
  for (const [name, type] of Object.entries(types)) {
    if (!names.includes(name)) {
      throw new ConfigError(`columnTypes names unknown column '${name}'; available columns: ${names.join(', ')}`);
    }
    if (name === targetName) throw new ConfigError(`columnTypes cannot type the target '${name}': use task instead`);
    if (!COLUMN_TYPES.includes(type)) {
      throw new ConfigError(`columnTypes['${name}'] is '${String(type)}'; expected numeric, categorical or drop`);
    }
  }
  return types;
}

type FeatureResult = { column: Column } | { dropped: string };

function featureFromRaw(table: RawTable, raw: RawColumn, override: ColumnType | undefined, maxCodes: number): FeatureResult {
  if (raw.kind === 'text') return inferColumn(table, raw, override, { maxCodeCardinality: maxCodes });
  if (override === 'drop') return { dropped: 'dropped by columnTypes' };
  if (raw.kind === 'numeric') {
    if (override === 'categorical') return { column: categoricalFromCells(raw.name, Array.from(raw.values)) };
    if (raw.values.every((v) => Number.isNaN(v))) return { dropped: 'every value is missing' };
    const bad = raw.values.findIndex((v) => v === Infinity || v === -Infinity);
    if (bad >= 0) {
      throw new DataError(`value ${raw.values[bad]} is a non-finite number${rowSuffix(table, bad)}`, rowLocation(table, bad, raw.name));
    }
    return { column: { name: raw.name, kind: 'numeric', values: raw.values } };
  }
  if (override === 'numeric') {
    const cells = Array.from(raw.codes, (c) => (c < 0 ? null : raw.categories[c]!));
    return inferColumn(table, { name: raw.name, kind: 'text', values: cells }, 'numeric');
  }
  if (raw.codes.every((c) => c < 0)) return { dropped: 'every value is missing' };
  return { column: { name: raw.name, kind: 'categorical', codes: raw.codes, categories: raw.categories } };
}

/** Cells of a raw column, for target handling (missing = null). */
function cellsOf(raw: RawColumn): RawCell[] {
  if (raw.kind === 'text') return raw.values.map((v) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
  if (raw.kind === 'numeric') return Array.from(raw.values, (v) => (Number.isNaN(v) ? null : v));
  return Array.from(raw.codes, (c) => (c < 0 ? null : raw.categories[c]!));
}

function buildTarget(
  table: RawTable,
  raw: RawColumn,
  task: Task | undefined,
  maxCodes: number,
): { target: Target; task: Task } {
  const name = raw.name;
  const cells = cellsOf(raw);
  const missingRow = cells.indexOf(null);
  if (missingRow >= 0) {
    throw new DataError(
      `target '${name}' has a missing value${rowSuffix(table, missingRow)}; drop or fill such rows first`,
      rowLocation(table, missingRow, name),
    );
  }
  const scan = scanCells(cells);
  const numeric = scan.firstOther < 0;
  if (numeric && scan.firstNonFinite >= 0) {
    const row = scan.firstNonFinite;
    throw new DataError(
      `target value '${String(cells[row])}' is a non-finite number${rowSuffix(table, row)}`,
      rowLocation(table, row, name),
    );
  }
  if (task === 'regression') {
    if (!numeric) {
      const row = scan.firstOther;
      throw new DataError(
        `task regression needs a numeric target, but '${name}' has value '${String(cells[row])}'${rowSuffix(table, row)}`,
        rowLocation(table, row, name),
      );
    }
    return { target: { name, kind: 'values', values: scan.numbers }, task: 'regression' };
  }
  if (task === undefined && numeric && raw.kind !== 'nominal' && !isCodeLike(scan, maxCodes)) {
    return { target: { name, kind: 'values', values: scan.numbers }, task: 'regression' };
  }
  const classes = raw.kind === 'nominal' ? usedDeclaredClasses(raw.codes, raw.categories, name) : categoricalFromCells(name, cells);
  return classTarget(table, classes, task);
}

/** A nominal target in declared order, keeping only classes that occur. */
function usedDeclaredClasses(codes: Int32Array, declared: readonly string[], name: string): CategoricalColumn {
  const used = new Uint8Array(declared.length);
  for (let i = 0; i < codes.length; i++) used[codes[i]!] = 1;
  const remap = new Int32Array(declared.length).fill(-1);
  const categories: string[] = [];
  declared.forEach((c, k) => {
    if (used[k] === 1) {
      remap[k] = categories.length;
      categories.push(c);
    }
  });
  if (categories.length === declared.length) return { name, kind: 'categorical', codes, categories };
  return { name, kind: 'categorical', codes: codes.map((c) => remap[c]!), categories };
}

function classTarget(table: RawTable, column: CategoricalColumn, task: Task | undefined): { target: Target; task: Task } {
  const k = column.categories.length;
  const loc: ErrorLocation = table.file !== undefined ? { file: table.file, column: column.name } : { column: column.name };
  if (k < 2) {
    throw new DataError(`target '${column.name}' has only one class ('${column.categories[0]}'); need at least 2`, loc);
  }
  const inferred: Task = k === 2 ? 'binary' : 'multiclass';
  if (task !== undefined && task !== inferred) {
    throw new DataError(`task ${task} does not fit target '${column.name}' with ${k} classes (that is ${inferred})`, loc);
  }
  return { target: { name: column.name, kind: 'classes', codes: column.codes, classes: column.categories }, task: inferred };
}
