/**
 * The columnar table every part of auto-ensemble speaks.
 *
 * Contract:
 * - Numeric columns are Float64Array; NaN means missing.
 * - Categorical columns are Int32Array codes into `categories`; -1 means missing.
 * - A classification target holds Int32Array codes into `classes` (no missing values allowed);
 *   a regression target holds a Float64Array of finite values.
 * - Row subsets keep the full `categories` and `classes` lists, so every fold, member and ensemble
 *   of one dataset agrees on column meaning and on the k output columns of a prediction.
 * - Predictions anywhere in the system are row-major n x k typed arrays
 *   (k = classes.length for classification, k = 1 for regression).
 */

export type Task = 'binary' | 'multiclass' | 'regression';

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface ClassTarget {
  readonly name: string;
  readonly kind: 'classes';
  readonly codes: Int32Array;
  readonly classes: readonly string[];
}

export interface RegressionTarget {
  readonly name: string;
  readonly kind: 'values';
  readonly values: Float64Array;
}

export type Target = ClassTarget | RegressionTarget;

/** Feature columns only: what a fitted member or an ensemble predicts on. */
export interface FeatureTable {
  readonly nRows: number;
  readonly features: readonly Column[];
}

export interface Dataset extends FeatureTable {
  readonly name: string;
  readonly target: Target;
  readonly task: Task;
}

/** Number of prediction columns for a dataset: classes for classification, 1 for regression. */
export function outputWidth(dataset: Dataset): number {
  return dataset.target.kind === 'classes' ? dataset.target.classes.length : 1;
}

/** Select rows (in the given order) of a column, keeping its category list. */
export function takeColumnRows(column: Column, rows: ArrayLike<number>): Column {
  const n = rows.length;
  if (column.kind === 'numeric') {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = column.values[rows[i]!]!;
    return { name: column.name, kind: 'numeric', values };
  }
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = column.codes[rows[i]!]!;
  return { name: column.name, kind: 'categorical', codes, categories: column.categories };
}

/** Select rows of a feature table. */
export function takeFeatureRows(table: FeatureTable, rows: ArrayLike<number>): FeatureTable {
  return { nRows: rows.length, features: table.features.map((c) => takeColumnRows(c, rows)) };
}

/** Select rows of a dataset (features and target), keeping category and class lists whole. */
export function takeRows(dataset: Dataset, rows: ArrayLike<number>): Dataset {
  const n = rows.length;
  let target: Target;
  if (dataset.target.kind === 'classes') {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = dataset.target.codes[rows[i]!]!;
    target = { name: dataset.target.name, kind: 'classes', codes, classes: dataset.target.classes };
  } else {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = dataset.target.values[rows[i]!]!;
    target = { name: dataset.target.name, kind: 'values', values };
  }
  return {
    name: dataset.name,
    nRows: n,
    features: dataset.features.map((c) => takeColumnRows(c, rows)),
    target,
    task: dataset.task,
  };
}

/** The target as the labels array metrics and selectors take: class codes or regression values. */
export function targetLabels(dataset: Dataset): Int32Array | Float64Array {
  return dataset.target.kind === 'classes' ? dataset.target.codes : dataset.target.values;
}
