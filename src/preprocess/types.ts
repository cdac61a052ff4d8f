import type { FeatureTable } from '../data/dataset.js';

/**
 * Preprocessing contracts. Each member family composes what it needs:
 * - trees: `TreeEncoder` (numeric as is with NaN, categoricals as codes with NaN for missing/unseen);
 * - linear and neural: `DenseEncoder` (imputation, optional missing indicators, one-hot with a category cap
 *   and rare categories pooled, standardization) to a dense row-major matrix.
 *
 * Contract for every encoder:
 * - fitted on training rows only; `transform` applies the learned state to any rows with the same schema;
 * - `toJSON()` is plain data and `load*(json).transform(x)` returns bit-identical output;
 * - a missing feature column at transform time is an error naming the column; extra columns are ignored
 *   (matched by name, so column order may differ); a category not seen in training maps to 'unknown'
 *   (all-zero one-hot / the unknown code), never to another category.
 */
export interface DenseEncoderOptions {
  /** Add a 0/1 column per numeric feature that had missing values in training. Default true. */
  readonly missingIndicators?: boolean;
  /** Categories beyond this many (by training frequency) are pooled into 'other'. Default 32. */
  readonly maxOneHotCategories?: number;
  /** Categories rarer than this many training rows are pooled into 'other'. Default 1 (no pooling). */
  readonly minCategoryCount?: number;
  /** Standardize numeric columns to zero mean, unit variance. Default true. */
  readonly standardize?: boolean;
  /**
   * Treat a missing categorical value as its own level: a 0/1 `name__missing` column per categorical feature that
   * had missing values in training, set instead of imputing the most frequent category. Default false.
   */
  readonly categoricalMissingIndicators?: boolean;
}

export interface DenseEncoder {
  /** Number of output columns. */
  readonly width: number;
  /** A readable name per output column (e.g. `age`, `age__missing`, `color=red`). */
  readonly outputNames: readonly string[];
  /** Row-major n x width. */
  transform(table: FeatureTable): Float64Array;
  toJSON(): unknown;
}

/** Column-major numeric view for tree learners: one Float64Array per feature (NaN = missing or unseen). */
export interface TreeMatrix {
  readonly nRows: number;
  readonly columns: readonly Float64Array[];
  /** True for a categorical feature (values are integer codes 0..cardinality-1). */
  readonly isCategorical: readonly boolean[];
  readonly cardinalities: readonly number[];
  readonly names: readonly string[];
}

export interface TreeEncoder {
  transform(table: FeatureTable): TreeMatrix;
  toJSON(): unknown;
}
