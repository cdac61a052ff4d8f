/**
 * Seeded row splits: stratified k-fold, plain k-fold and holdout.
 *
 * Contract:
 * - Same arguments (seed included) -> same folds, on every platform (all randomness through `Rng`).
 * - Within one repeat every row is in exactly one test fold; train is the complement of test.
 * - Index arrays are sorted ascending.
 * - Repeat r uses its own stream `Rng(deriveSeed(seed, r))`, so repeat r is the same whatever `repeats` is.
 */
import type { Dataset } from './dataset.js';
import { ConfigError, DataError } from '../util/errors.js';
import { deriveSeed, Rng } from '../util/random.js';

export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
  readonly repeat: number;
  readonly fold: number;
}

function checkFoldArgs(n: number, k: number, repeats: number): void {
  if (!Number.isInteger(k) || k < 2) throw new ConfigError(`number of folds must be an integer >= 2, got ${k}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new ConfigError(`repeats must be an integer >= 1, got ${repeats}`);
  if (n < k) throw new DataError(`cannot make ${k} folds from ${n} rows`);
}

/** Builds the k folds of one repeat from an assignment row -> fold. */
function foldsFromAssignment(assignment: Int32Array, k: number, repeat: number): Fold[] {
  const n = assignment.length;
  const testSize = new Int32Array(k);
  for (let i = 0; i < n; i++) testSize[assignment[i]!]!++;
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(testSize[f]!);
    const train = new Int32Array(n - testSize[f]!);
    let t = 0;
    let r = 0;
    // Rows are visited in increasing order, so both arrays come out sorted.
    for (let i = 0; i < n; i++) {
      if (assignment[i] === f) test[t++] = i;
      else train[r++] = i;
    }
    folds.push({ train, test, repeat, fold: f });
  }
  return folds;
}

/**
 * Plain k-fold: a seeded permutation cut into k contiguous parts whose sizes differ by at most one.
 * Returns repeats x k folds, ordered by repeat then fold.
 */
export function kFold(n: number, k: number, seed: number, repeats = 1): Fold[] {
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`row count must be a non-negative integer, got ${n}`);
  checkFoldArgs(n, k, repeats);
  const folds: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    const order = new Rng(deriveSeed(seed, r)).permutation(n);
    const assignment = new Int32Array(n);
    // Fold f takes order[start_f, start_{f+1}); the first n % k folds hold one row more.
    const base = Math.floor(n / k);
    const extra = n % k;
    let position = 0;
    for (let f = 0; f < k; f++) {
      const size = base + (f < extra ? 1 : 0);
      for (let j = 0; j < size; j++) assignment[order[position++]!] = f;
    }
    folds.push(...foldsFromAssignment(assignment, k, r));
  }
  return folds;
}

/** Rows grouped by class, each group shuffled; classes in code order. Codes must be integers >= 0. */
function shuffledByClass(y: Int32Array, rng: Rng): Int32Array[] {
  let nClasses = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (c < 0) throw new DataError(`stratified split: class code ${c} at row ${i} is negative (missing label?)`);
    if (c + 1 > nClasses) nClasses = c + 1;
  }
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  const groups = Array.from(counts, (count) => new Int32Array(count));
  const fill = new Int32Array(nClasses);
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    groups[c]![fill[c]!++] = i;
  }
  for (const group of groups) rng.shuffle(group);
  return groups;
}

/**
 * Stratified k-fold: each class's rows are shuffled and dealt round-robin over the folds, continuing the deal
 * from one class to the next (from a random starting fold). Hence every class is spread over the folds with
 * counts differing by at most one, and fold sizes differ by at most one.
 *
 * A class with fewer rows than k still works (scikit-learn only warns): its rows land in distinct folds, so
 * some test folds hold none of it and a class with a single row is absent from that fold's training rows.
 * Member families must therefore accept training rows that lack some classes (they still output k columns).
 */
export function stratifiedKFold(y: Int32Array, k: number, seed: number, repeats = 1): Fold[] {
  const n = y.length;
  checkFoldArgs(n, k, repeats);
  const folds: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(deriveSeed(seed, r));
    const groups = shuffledByClass(y, rng);
    const assignment = new Int32Array(n);
    let f = rng.int(k);
    for (const group of groups) {
      for (let j = 0; j < group.length; j++) {
        assignment[group[j]!] = f;
        f = f + 1 === k ? 0 : f + 1;
      }
    }
    folds.push(...foldsFromAssignment(assignment, k, r));
  }
  return folds;
}

/**
 * Per-class test counts for a stratified holdout: largest-remainder allocation of nTest rows proportional to
 * class sizes, with every class of two or more rows keeping at least one row in train.
 */
function stratifiedQuotas(sizes: readonly number[], nTest: number, rng: Rng): Int32Array {
  const n = sizes.reduce((a, b) => a + b, 0);
  const quotas = new Int32Array(sizes.length);
  const remainders: { c: number; rest: number; tie: number }[] = [];
  let assigned = 0;
  sizes.forEach((size, c) => {
    const exact = (nTest * size) / n;
    const cap = size >= 2 ? size - 1 : size;
    quotas[c] = Math.min(Math.floor(exact), cap);
    assigned += quotas[c]!;
    remainders.push({ c, rest: exact - quotas[c]!, tie: rng.next() });
  });
  remainders.sort((a, b) => b.rest - a.rest || a.tie - b.tie);
  // Hand out what flooring left, one row per class in order of largest remainder, respecting the caps.
  while (assigned < nTest) {
    let progressed = false;
    for (const { c } of remainders) {
      if (assigned >= nTest) break;
      const size = sizes[c]!;
      const cap = size >= 2 ? size - 1 : 0;
      if (quotas[c]! < cap) {
        quotas[c]!++;
        assigned++;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return quotas;
}

/**
 * One seeded train/test split with round(n * testFraction) test rows (at least one on each side).
 * With `stratifyBy` (class codes), each class contributes test rows in proportion to its size and every class
 * with at least two rows keeps one in train. Returned as a Fold with repeat 0, fold 0.
 */
export function holdout(n: number, testFraction: number, seed: number, stratifyBy?: Int32Array): Fold {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new ConfigError(`holdout test fraction must be in (0, 1), got ${testFraction}`);
  }
  if (!Number.isInteger(n) || n < 2) throw new DataError(`holdout needs at least 2 rows, got ${n}`);
  if (stratifyBy !== undefined && stratifyBy.length !== n) {
    throw new DataError(`holdout: stratifyBy has ${stratifyBy.length} labels for ${n} rows`);
  }
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const rng = new Rng(deriveSeed(seed, 0));
  const assignment = new Int32Array(n); // 1 = test
  if (stratifyBy === undefined) {
    const order = rng.permutation(n);
    for (let j = 0; j < nTest; j++) assignment[order[j]!] = 1;
  } else {
    const groups = shuffledByClass(stratifyBy, rng);
    const quotas = stratifiedQuotas(groups.map((g) => g.length), nTest, rng);
    groups.forEach((group, c) => {
      for (let j = 0; j < quotas[c]!; j++) assignment[group[j]!] = 1;
    });
  }
  const [train, test] = foldsFromAssignment(assignment, 2, 0);
  return { train: train!.test, test: test!.test, repeat: 0, fold: 0 };
}

/** k-fold splits for a dataset: stratified by class for classification, plain for regression. */
export function datasetFolds(dataset: Dataset, k: number, seed: number, repeats = 1): Fold[] {
  return labelFolds(dataset.target.kind === 'classes' ? dataset.target.codes : dataset.target.values, k, seed, repeats);
}

/** The same folds as `datasetFolds` from the labels alone (class codes: stratified; values: plain). */
export function labelFolds(labels: Int32Array | Float64Array, k: number, seed: number, repeats = 1): Fold[] {
  return labels instanceof Int32Array ? stratifiedKFold(labels, k, seed, repeats) : kFold(labels.length, k, seed, repeats);
}
