/**
 * The datasets and small configurations of the member-family conformance suite (./family-conformance.test.ts),
 * shared with the GPU check (benchmarks/gpu-check.ts), which runs the neural ones on WebGPU and on wasm.
 * Datasets are read from `AUTO_ENSEMBLE_DATASETS` when set (a GPU machine gets its own copy), else
 * ../shared/datasets.
 */
import { takeRows, type Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import type { Config } from '../../src/models/types.js';

const DATA = process.env['AUTO_ENSEMBLE_DATASETS'] ?? '../shared/datasets';

/** The datasets the cases read. */
export const CASE_FILES = ['diabetes', 'glass', 'boston', 'credit-g', 'vote', 'soybean'] as const;

/** Small, fast configurations per family (merged over the family's defaults). */
export const SMALL: Record<string, Config> = {
  gbdt: { n_estimators: 30, num_leaves: 8, min_samples_leaf: 5 },
  random_forest: { n_estimators: 20 },
  extra_trees: { n_estimators: 20 },
  linear: {},
  ml_random_forest: { n_estimators: 8, max_rows: 200, max_depth: 6 },
  // 240 training rows: a 20% early-stopping part (48 rows) instead of the default 10% keeps the stop from chasing noise.
  mlp: { hidden_layers: 1, width: 32, max_epochs: 15, batch_size: 32, learning_rate: 0.003, patience: 5, validation_fraction: 0.2 },
  tabm: { hidden_layers: 1, width: 32, members: 8, max_epochs: 15, batch_size: 32, learning_rate: 0.003, patience: 5, validation_fraction: 0.2 },
};

export interface Case {
  readonly kind: string;
  readonly file: string;
  readonly train: Dataset;
  readonly test: Dataset;
}

/** A seeded, class-stratified subset of at most `cap` rows, split 2:1 into train and test. */
export function makeCase(kind: string, file: string, cap = 360): Case {
  const full = loadDatasetFile(`${DATA}/${file}.arff`);
  const strata = (ds: Dataset) => (ds.target.kind === 'classes' ? ds.target.codes : undefined);
  const ds = full.nRows > cap ? takeRows(full, holdout(full.nRows, 1 - cap / full.nRows, 11, strata(full)).train) : full;
  const split = holdout(ds.nRows, 1 / 3, 12, strata(ds));
  return { kind, file, train: takeRows(ds, split.train), test: takeRows(ds, split.test) };
}

export const CASES: Case[] = [
  makeCase('binary', 'diabetes'),
  makeCase('multiclass, a listed class without rows', 'glass'),
  makeCase('regression', 'boston'),
  makeCase('nominal features', 'credit-g'),
  makeCase('missing values', 'vote'),
  makeCase('missing values, 19 classes', 'soybean', 420),
];
