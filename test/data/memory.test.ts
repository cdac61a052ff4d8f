/** In-memory tables: rows and columns follow the same typing and task rules as files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFromColumns, datasetFromRows, loadDatasetFile } from '../../src/data/load.js';
import { assertThrowsWith } from './helpers.js';

test('datasetFromRows: union of keys, absent keys missing, booleans and strings categorical', () => {
  const rows = [
    { x: 1.5, flag: true, colour: 'red', y: 'pos' },
    { x: 2.5, flag: false, colour: 'blue', y: 'neg' },
    { x: null, flag: true, y: 'pos', extra: 3.25 },
    { x: 4, flag: false, colour: 'NA', y: 'neg', extra: 1.5 },
  ];
  const ds = datasetFromRows(rows, { target: 'y', name: 'mem' });
  assert.equal(ds.name, 'mem');
  assert.equal(ds.nRows, 4);
  assert.deepEqual(
    ds.features.map((f) => [f.name, f.kind]),
    [
      ['x', 'numeric'],
      ['flag', 'categorical'],
      ['colour', 'categorical'],
      ['extra', 'numeric'],
    ],
  );
  const [x, flag, colour, extra] = ds.features;
  assert.ok(x!.kind === 'numeric' && flag!.kind === 'categorical' && colour!.kind === 'categorical' && extra!.kind === 'numeric');
  assert.deepEqual(Array.from(x.values), [1.5, 2.5, NaN, 4]);
  assert.deepEqual(flag.categories, ['false', 'true']);
  assert.deepEqual(colour.categories, ['blue', 'red']);
  assert.deepEqual(Array.from(colour.codes), [1, 0, -1, -1]);
  assert.deepEqual(Array.from(extra.values), [NaN, NaN, 3.25, 1.5]);
  assert.equal(ds.task, 'binary');
  assert.ok(ds.target.kind === 'classes');
  assert.deepEqual(ds.target.classes, ['neg', 'pos']);
  assert.deepEqual(Array.from(ds.target.codes), [1, 0, 1, 0]);
});

test('datasetFromColumns: typed arrays are numeric as given, plain arrays are inferred', () => {
  const n = 12;
  const ds = datasetFromColumns(
    {
      a: Float64Array.from({ length: n }, (_, i) => i % 2),
      b: Array.from({ length: n }, (_, i) => i % 3),
      c: Array.from({ length: n }, (_, i) => (i === 5 ? NaN : i * 0.5)),
      y: Float64Array.from({ length: n }, (_, i) => i * 1.1),
    },
    { target: 'y' },
  );
  assert.deepEqual(
    ds.features.map((f) => [f.name, f.kind]),
    [
      ['a', 'numeric'],
      ['b', 'categorical'],
      ['c', 'numeric'],
    ],
  );
  assert.equal(ds.task, 'regression');
  assert.ok(ds.target.kind === 'values');
  assert.equal(ds.target.values[3], 3.3000000000000003);
  // an Int32Array target with a few integer values is classification
  const cls = datasetFromColumns({ x: new Float64Array(6), y: Int32Array.from([0, 1, 2, 2, 1, 0]) }, { target: 'y' });
  assert.equal(cls.task, 'multiclass');
  assert.ok(cls.target.kind === 'classes');
  assert.deepEqual(cls.target.classes, ['0', '1', '2']);
  const reg = datasetFromColumns({ x: new Float64Array(6), y: Int32Array.from([0, 1, 2, 2, 1, 0]) }, { target: 'y', task: 'regression' });
  assert.equal(reg.task, 'regression');
});

test('in-memory data gives the same dataset as the file it came from', () => {
  const file = loadDatasetFile('test/fixtures/data/iris-15.csv');
  const columns: Record<string, unknown[]> = {};
  for (const f of file.features) columns[f.name] = f.kind === 'numeric' ? Array.from(f.values) : [];
  assert.ok(file.target.kind === 'classes');
  const t = file.target;
  columns['species'] = Array.from(t.codes, (c) => t.classes[c]!);
  const mem = datasetFromColumns(columns, { target: 'species', name: 'iris-15' });
  assert.deepEqual(mem, file);
});

test('in-memory errors: ragged columns, unknown target, empty, one class, missing target, non-finite, bad task', () => {
  assertThrowsWith(() => datasetFromColumns({ a: [1, 2, 3], y: ['u', 'v'] }, { target: 'y' }), ['ragged columns', "'y' has 2 values"]);
  assertThrowsWith(() => datasetFromRows([{ a: 1, y: 'u' }], { target: 'z' }), ["unknown target column 'z'", 'available columns: a, y']);
  assertThrowsWith(() => datasetFromRows([], { target: 'y' }), ['empty table']);
  assertThrowsWith(() => datasetFromColumns({ a: [], y: [] }, { target: 'y' }), ['empty table: no data rows']);
  assertThrowsWith(() => datasetFromRows([{ a: 1, y: 'u' }, { a: 2, y: 'u' }], { target: 'y' }), ["column 'y'", 'only one class']);
  assertThrowsWith(() => datasetFromRows([{ a: 1, y: 'u' }, { a: 2 }, { a: 3, y: 'v' }], { target: 'y' }), ["column 'y'", 'missing value', '(row 2)']);
  assertThrowsWith(
    () => datasetFromColumns({ a: [1, Infinity, 3, 4], y: ['u', 'v', 'u', 'v'] }, { target: 'y' }),
    ["column 'a'", 'non-finite', '(row 2)'],
  );
  assertThrowsWith(
    () => datasetFromColumns({ a: Float64Array.from([1, -Infinity]), y: ['u', 'v'] }, { target: 'y' }),
    ["column 'a'", 'non-finite', '(row 2)'],
  );
  assertThrowsWith(() => datasetFromColumns({ y: ['u', 'v'] }, { target: 'y' }), ['no feature columns']);
  assertThrowsWith(() => datasetFromRows([{ a: {}, y: 'u' }], { target: 'y' }), ["column 'a'", 'unsupported value']);
  assertThrowsWith(
    () => datasetFromRows([{ a: 1, y: 'u' }], { target: 'y', task: 'classification' as never }),
    ["unknown task 'classification'"],
    'ConfigError',
  );
});
