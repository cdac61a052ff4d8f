// DenseEncoder on hand-built tables: imputation, indicators, one-hot cap and pooling, unseen categories,
// standardization, constant columns, column matching by name, errors, JSON round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Column, FeatureTable } from '../../src/data/dataset.js';
import { fitDenseEncoder, loadDenseEncoder } from '../../src/preprocess/dense-encoder.js';
import { ConfigError, DataError } from '../../src/util/errors.js';

function numeric(name: string, values: number[]): Column {
  return { name, kind: 'numeric', values: Float64Array.from(values) };
}

function categorical(name: string, categories: string[], codes: number[]): Column {
  return { name, kind: 'categorical', codes: Int32Array.from(codes), categories };
}

function table(...features: Column[]): FeatureTable {
  const first = features[0]!;
  return { nRows: first.kind === 'numeric' ? first.values.length : first.codes.length, features };
}

/** Column j of a row-major n x width matrix. */
function column(matrix: Float64Array, width: number, j: number): number[] {
  return Array.from({ length: matrix.length / width }, (_, i) => matrix[i * width + j]!);
}

test('numeric: median imputation, missing indicator, standardization', () => {
  const train = table(numeric('x', [1, NaN, 3, 10, NaN]));
  const encoder = fitDenseEncoder(train);
  assert.deepEqual(encoder.outputNames, ['x', 'x__missing']);
  const out = encoder.transform(train);
  // Median of 1, 3, 10 is 3; imputed column 1 3 3 10 3 has mean 4 and population std sqrt(10.8).
  const std = Math.sqrt(((1 - 4) ** 2 + 3 * (3 - 4) ** 2 + (10 - 4) ** 2) / 5);
  const expected = [1, 3, 3, 10, 3].map((v) => (v - 4) / std);
  column(out, 2, 0).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-15));
  assert.deepEqual(column(out, 2, 1), [0, 1, 0, 0, 1]);
});

test('options: no indicators, no standardization keeps raw values', () => {
  const train = table(numeric('x', [1, NaN, 3, 10]));
  const encoder = fitDenseEncoder(train, { missingIndicators: false, standardize: false });
  assert.deepEqual(encoder.outputNames, ['x']);
  assert.deepEqual(Array.from(encoder.transform(train)), [1, 3, 3, 10]);
  // A column without missing values in training gets no indicator even when indicators are on.
  assert.deepEqual(fitDenseEncoder(table(numeric('z', [1, 2]))).outputNames, ['z']);
});

test('constant and all-missing columns never produce NaN or Infinity', () => {
  const train = table(numeric('c', [5, 5, 5, 5]), numeric('m', [NaN, NaN, NaN, NaN]), numeric('t', [1e300, 1e300, 1e300, 1e300]));
  const encoder = fitDenseEncoder(train);
  const out = encoder.transform(train);
  assert.ok(out.every(Number.isFinite));
  assert.deepEqual(column(out, encoder.width, 0), [0, 0, 0, 0]);
  const later = encoder.transform(table(numeric('c', [6, 5]), numeric('m', [2, NaN]), numeric('t', [1e300, 0])));
  assert.ok(later.every(Number.isFinite));
  assert.equal(later[0], 1); // (6 - 5) / 1: a constant column keeps scale 1
});

test('categorical: most-frequent imputation and one-hot in category order', () => {
  const train = table(categorical('color', ['red', 'green', 'blue'], [0, 1, 1, -1, 2, 1]));
  const encoder = fitDenseEncoder(train);
  assert.deepEqual(encoder.outputNames, ['color=red', 'color=green', 'color=blue']);
  const out = encoder.transform(train);
  assert.deepEqual(Array.from(out), [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]);
});

test('one-hot cap pools rare categories into other; unseen categories are all zeros', () => {
  // Frequencies: a 4, b 3, c 2, d 1, e 0 (declared, never seen).
  const codes = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];
  const train = table(categorical('g', ['a', 'b', 'c', 'd', 'e'], codes));
  const capped = fitDenseEncoder(train, { maxOneHotCategories: 2 });
  assert.deepEqual(capped.outputNames, ['g=a', 'g=b', 'g=__other__']);
  const byCount = fitDenseEncoder(train, { minCategoryCount: 3 });
  assert.deepEqual(byCount.outputNames, ['g=a', 'g=b', 'g=__other__']);
  // New data with its own category list (different order, an unseen 'zzz', the never-seen 'e').
  const later = table(categorical('g', ['zzz', 'd', 'a', 'e', 'c'], [0, 1, 2, 3, 4, -1]));
  assert.deepEqual(Array.from(capped.transform(later)), [
    0, 0, 0, // zzz: unknown
    0, 0, 1, // d: pooled
    1, 0, 0, // a
    0, 0, 0, // e: not seen in training -> unknown
    0, 0, 1, // c: pooled
    1, 0, 0, // missing -> mode a
  ]);
});

test('categoricalMissingIndicators: missing is its own column instead of the mode', () => {
  const train = table(categorical('c', ['a', 'b'], [0, 0, -1, 1]), categorical('d', ['x'], [0, 0, 0, 0]));
  const encoder = fitDenseEncoder(train, { categoricalMissingIndicators: true });
  // 'd' had no missing values in training: no indicator for it.
  assert.deepEqual(encoder.outputNames, ['c=a', 'c=b', 'c__missing', 'd=x']);
  assert.deepEqual(Array.from(encoder.transform(train)), [1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1]);
  const loaded = loadDenseEncoder(JSON.parse(JSON.stringify(encoder.toJSON())));
  assert.deepEqual(loaded.transform(train), encoder.transform(train));
});

test('columns are matched by name: order may differ, extra columns are ignored', () => {
  const train = table(numeric('a', [1, 2, 3]), categorical('b', ['x', 'y'], [0, 1, 1]));
  const encoder = fitDenseEncoder(train);
  const reordered = table(categorical('b', ['y', 'x'], [1, 0, 0]), numeric('extra', [9, 9, 9]), numeric('a', [1, 2, 3]));
  assert.deepEqual(encoder.transform(reordered), encoder.transform(train));
});

test('a missing column or a changed kind is a DataError naming the column', () => {
  const encoder = fitDenseEncoder(table(numeric('age', [1, 2]), categorical('job', ['a'], [0, 0])));
  assert.throws(
    () => encoder.transform(table(numeric('age', [1]))),
    (e: Error) => e instanceof DataError && /'job'/.test(e.message) && /missing/.test(e.message),
  );
  assert.throws(
    () => encoder.transform(table(categorical('age', ['1'], [0]), categorical('job', ['a'], [0]))),
    (e: Error) => e instanceof DataError && /'age' was numeric in training but is categorical/.test(e.message),
  );
  assert.throws(() => encoder.transform(table(numeric('age', [Infinity]), categorical('job', ['a'], [0]))), /non-finite/);
});

test('fit errors: zero rows, duplicate names, bad options', () => {
  assert.throws(() => fitDenseEncoder({ nRows: 0, features: [numeric('a', [])] }), DataError);
  assert.throws(() => fitDenseEncoder(table(numeric('a', [1]), numeric('a', [2]))), /duplicate/);
  assert.throws(() => fitDenseEncoder(table(numeric('a', [1])), { maxOneHotCategories: 0 }), ConfigError);
  assert.throws(() => fitDenseEncoder(table(numeric('a', [1])), { minCategoryCount: 1.5 }), ConfigError);
});

test('JSON round trip is bit-identical, including -0 medians and awkward doubles', () => {
  const train = table(
    numeric('neg', [-0, -0, 5, NaN, -0]),
    numeric('odd', [0.1, 0.2, 0.30000000000000004, 1 / 3, NaN]),
    categorical('c', ['p', 'q r', "it's"], [0, 1, 2, 2, -1]),
  );
  const later = table(
    categorical('c', ["it's", 'new'], [1, 0, -1]),
    numeric('odd', [-0, 1e-310, NaN]),
    numeric('neg', [NaN, -0, 7]),
  );
  const fitted = fitDenseEncoder(train);
  const loaded = loadDenseEncoder(JSON.parse(JSON.stringify(fitted.toJSON())));
  for (const t of [train, later]) {
    const a = fitted.transform(t);
    const b = loaded.transform(t);
    assert.deepEqual(new Uint8Array(b.buffer), new Uint8Array(a.buffer));
  }
  assert.deepEqual(loaded.outputNames, fitted.outputNames);
  assert.equal(loaded.width, fitted.width);
  // JSON text is accepted too.
  assert.equal(loadDenseEncoder(JSON.stringify(fitted.toJSON())).width, fitted.width);
});

test('loading malformed JSON is a clear DataError', () => {
  assert.throws(() => loadDenseEncoder({}), /invalid dense encoder JSON/);
  const good = fitDenseEncoder(table(numeric('x', [1, 2]))).toJSON() as { features: Record<string, unknown>[] };
  const broken = { ...good, features: [{ ...good.features[0], scale: 'wide' }] };
  assert.throws(() => loadDenseEncoder(broken), /bad scale/);
});
