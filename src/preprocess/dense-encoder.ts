/**
 * DenseEncoder for linear and neural members: median / most-frequent imputation, optional missing-indicator
 * columns, one-hot encoding with a category cap (rare categories pooled into one 'other' column), and
 * standardization. Output is a dense row-major n x width Float64Array. See the contract in ./types.ts and the
 * state layout in ./dense-state.ts.
 */
import type { CategoricalColumn, FeatureTable, NumericColumn } from '../data/dataset.js';
import { ConfigError, DataError } from '../util/errors.js';
import {
  type CategoricalFeatureState,
  DENSE_ENCODER_FORMAT,
  DENSE_ENCODER_VERSION,
  type DenseEncoderState,
  encoderFromState,
  type FeatureState,
  type NumericFeatureState,
  parseDenseEncoderState,
} from './dense-state.js';
import type { DenseEncoder, DenseEncoderOptions } from './types.js';

export type { DenseEncoderState } from './dense-state.js';

const DEFAULTS: Required<DenseEncoderOptions> = {
  missingIndicators: true,
  maxOneHotCategories: 32,
  minCategoryCount: 1,
  standardize: true,
  categoricalMissingIndicators: false,
};

function resolveOptions(options: DenseEncoderOptions): Required<DenseEncoderOptions> {
  const resolved = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  if (!Number.isInteger(resolved.maxOneHotCategories) || resolved.maxOneHotCategories < 1) {
    throw new ConfigError(`maxOneHotCategories must be an integer >= 1, got ${resolved.maxOneHotCategories}`);
  }
  if (!Number.isInteger(resolved.minCategoryCount) || resolved.minCategoryCount < 1) {
    throw new ConfigError(`minCategoryCount must be an integer >= 1, got ${resolved.minCategoryCount}`);
  }
  return resolved;
}

/** Turns -0 into 0 so the state survives JSON (which writes -0 as 0) bit-identically. */
function plain(x: number): number {
  return x + 0;
}

/** Median of the non-missing values (mean of the two middle ones for an even count), NaN when none. */
function median(values: Float64Array): { median: number; missing: number } {
  let observed = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) observed++;
  const sorted = new Float64Array(observed);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) sorted[j++] = values[i]!;
  sorted.sort();
  const missing = values.length - observed;
  if (observed === 0) return { median: NaN, missing };
  const mid = observed >> 1;
  return { median: observed % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, missing };
}

function fitNumeric(column: NumericColumn, options: Required<DenseEncoderOptions>): NumericFeatureState {
  const values = column.values;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) {
      throw new DataError(`feature '${column.name}' has a non-finite value ${v} at row ${i}`, { column: column.name });
    }
  }
  const stats = median(values);
  // A column missing in every training row carries no information: impute 0, keep only the indicator.
  const fill = Number.isNaN(stats.median) ? 0 : plain(stats.median);
  const indicator = options.missingIndicators && stats.missing > 0;
  let center = 0;
  let scale = 1;
  if (options.standardize) {
    // Mean and population std of the imputed column (impute, then scale, as a scikit-learn pipeline).
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i] === values[i] ? values[i]! : fill;
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const d = (values[i] === values[i] ? values[i]! : fill) - mean;
      squares += d * d;
    }
    const std = Math.sqrt(squares / n);
    center = plain(mean);
    // Constant (or constant up to rounding) columns keep scale 1: centred to 0, never NaN or Infinity.
    scale = std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1;
  }
  return { name: column.name, kind: 'numeric', fill, indicator, center, scale };
}

function fitCategorical(column: CategoricalColumn, options: Required<DenseEncoderOptions>): CategoricalFeatureState {
  const { codes, categories } = column;
  const counts = new Int32Array(categories.length);
  let missing = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < 0) missing++;
    if (c >= categories.length) {
      throw new DataError(`feature '${column.name}' has code ${c} at row ${i} beyond its ${categories.length} categories`, {
        column: column.name,
      });
    }
    if (c >= 0) counts[c]!++;
  }
  // Rank seen categories by training frequency (ties: category order); keep the top ones that are common enough.
  const seen: number[] = [];
  for (let c = 0; c < categories.length; c++) if (counts[c]! > 0) seen.push(c);
  const ranked = [...seen].sort((a, b) => counts[b]! - counts[a]! || a - b);
  const kept = new Set(
    ranked.filter((c) => counts[c]! >= options.minCategoryCount).slice(0, options.maxOneHotCategories),
  );
  const levels = seen.filter((c) => kept.has(c)).map((c) => categories[c]!);
  const pooled = seen.filter((c) => !kept.has(c)).map((c) => categories[c]!);
  const fill = ranked.length > 0 ? categories[ranked[0]!]! : null;
  const indicator = options.categoricalMissingIndicators && missing > 0;
  return { name: column.name, kind: 'categorical', levels, pooled, fill, indicator };
}

/**
 * Learns the encoding from training rows. Throws DataError for an empty table, duplicate feature names or
 * non-finite numbers, ConfigError for bad options.
 */
export function fitDenseEncoder(table: FeatureTable, options: DenseEncoderOptions = {}): DenseEncoder {
  const resolved = resolveOptions(options);
  if (table.nRows === 0) throw new DataError('cannot fit a dense encoder on zero rows');
  const names = new Set<string>();
  const features: FeatureState[] = table.features.map((column) => {
    if (names.has(column.name)) throw new DataError(`duplicate feature name '${column.name}'`, { column: column.name });
    names.add(column.name);
    const length = column.kind === 'numeric' ? column.values.length : column.codes.length;
    if (length !== table.nRows) {
      throw new DataError(`feature '${column.name}' has ${length} values for a table of ${table.nRows} rows`, {
        column: column.name,
      });
    }
    return column.kind === 'numeric' ? fitNumeric(column, resolved) : fitCategorical(column, resolved);
  });
  const state: DenseEncoderState = { format: DENSE_ENCODER_FORMAT, version: DENSE_ENCODER_VERSION, features };
  return encoderFromState(state);
}

/** Rebuilds an encoder from `toJSON()` output (object or JSON text); transforms are bit-identical. */
export function loadDenseEncoder(json: unknown): DenseEncoder {
  return encoderFromState(parseDenseEncoderState(json));
}
