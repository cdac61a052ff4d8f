import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignToSchema, featureSchemaOf, rowsToFeatureTable, type FeatureSchema } from '../../src/data/feature-schema.js';
import { DataError } from '../../src/util/errors.js';
import type { FeatureTable } from '../../src/data/dataset.js';

const schema: FeatureSchema = [
  { name: 'age', kind: 'numeric' },
  { name: 'color', kind: 'categorical', categories: ['red', 'green'] },
];

test('rows map to the schema order, extra keys ignored, missing values kept as NaN / -1', () => {
  const table = rowsToFeatureTable(
    [
      { color: 'green', age: 31, extra: 'x' },
      { age: '42.5', color: null },
      { age: null, color: 'red' },
      { color: 'red' },
    ],
    schema,
  );
  assert.equal(table.nRows, 4);
  const [age, color] = table.features;
  assert.ok(age && age.kind === 'numeric' && color && color.kind === 'categorical');
  assert.deepEqual(Array.from(age.values), [31, 42.5, NaN, NaN]);
  assert.deepEqual(Array.from(color.codes), [1, -1, 0, 0]);
});

test('an unseen category becomes a new unknown category, never another training category', () => {
  const table = rowsToFeatureTable([{ age: 1, color: 'blue' }, { age: 2, color: 'red' }], schema);
  const color = table.features[1]!;
  assert.ok(color.kind === 'categorical');
  assert.equal(color.codes[0], 2);
  assert.equal(color.categories[2], 'blue');
  assert.deepEqual(color.categories.slice(0, 2), ['red', 'green']);
  assert.equal(color.codes[1], 0);
});

test('a missing column and a wrong type are clear errors naming the column', () => {
  assert.throws(() => rowsToFeatureTable([{ color: 'red' }], schema), (e: unknown) => e instanceof DataError && /'age'/.test(e.message));
  assert.throws(
    () => rowsToFeatureTable([{ age: 'old', color: 'red' }], schema),
    (e: unknown) => e instanceof DataError && /row 0/.test(e.message) && /age/.test(e.message),
  );
  assert.throws(() => rowsToFeatureTable([{ age: 1, color: { a: 1 } }], schema), DataError);
  assert.throws(() => rowsToFeatureTable([5 as unknown as Record<string, unknown>], schema), DataError);
});

test('a table read from a file is aligned by name, with category codes remapped to the training lists', () => {
  const fromFile: FeatureTable = {
    nRows: 3,
    features: [
      { name: 'color', kind: 'categorical', codes: Int32Array.from([0, 1, -1]), categories: ['green', 'purple'] },
      { name: 'unused', kind: 'numeric', values: Float64Array.from([1, 2, 3]) },
      { name: 'age', kind: 'categorical', codes: Int32Array.from([0, 1, -1]), categories: ['7', '8.5'] },
    ],
  };
  const aligned = alignToSchema(fromFile, schema);
  assert.deepEqual(featureSchemaOf(aligned).map((s) => s.name), ['age', 'color']);
  const [age, color] = aligned.features;
  assert.ok(age?.kind === 'numeric' && color?.kind === 'categorical');
  assert.deepEqual(Array.from(age.values), [7, 8.5, NaN]);
  assert.deepEqual(Array.from(color.codes), [1, 2, -1]);
  assert.equal(color.categories[2], 'purple');
  assert.throws(() => alignToSchema({ nRows: 0, features: [] }, schema), /missing feature column 'age'/);
});
