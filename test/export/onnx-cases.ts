/** The ONNX check's cases, shared by test/export/onnx.test.ts and benchmarks/onnx.ts. */
import type { CategoricalColumn, Column, Dataset, FeatureTable } from '../../src/data/dataset.js';
import { takeRows } from '../../src/data/dataset.js';
import { holdout } from '../../src/data/split.js';
import type { Config } from '../../src/models/types.js';
import { Rng } from '../../src/util/random.js';
import { loadShared } from './helpers.js';

/** Training rows (at most 1,200, seeded) and test rows (at most 300) of a shared dataset. */
export function trainTest(name: string): { train: Dataset; test: Dataset } {
  const data = loadShared(name);
  const split = holdout(data.nRows, 0.25, 11, data.target.kind === 'classes' ? data.target.codes : undefined);
  const cap = (rows: Int32Array, n: number): Int32Array => (rows.length <= n ? rows : Int32Array.from(new Rng(5).permutation(rows.length).subarray(0, n), (i) => rows[i]!).sort());
  return { train: takeRows(data, cap(split.train, 1200)), test: takeRows(data, cap(split.test, 300)) };
}

/** Test rows with more missing values (every 5th row) and categories never seen in training (every 3rd row). */
export function withMissingAndUnseen(table: FeatureTable): FeatureTable {
  const features = table.features.map((c, f): Column => {
    if (c.kind === 'numeric') {
      const values = Float64Array.from(c.values);
      for (let i = f % 5; i < values.length; i += 5) values[i] = NaN;
      return { ...c, values };
    }
    const categories = [...c.categories, `never seen ${f}`];
    const codes = Int32Array.from(c.codes);
    for (let i = f % 5; i < codes.length; i += 5) codes[i] = -1;
    for (let i = f % 3; i < codes.length; i += 3 * 2) codes[i] = categories.length - 1;
    return { ...c, codes, categories } as CategoricalColumn;
  });
  return { nRows: table.nRows, features };
}

/** Members of the check on every dataset: fast ones, every engine path (categorical splits, wide leaves, softmax). */
export const TREES_AND_LINEAR: readonly { family: string; config?: Config }[] = [
  { family: 'gbdt', config: { n_estimators: 12, num_leaves: 8, min_samples_leaf: 5, early_stopping: false } },
  { family: 'random_forest', config: { n_estimators: 6, min_samples_leaf: 2 } },
  { family: 'extra_trees', config: { n_estimators: 6 } },
  { family: 'linear' },
];
