/** CSV reading: delimiter detection, quoting, missing tokens, type inference and overrides, located errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectDelimiter, parseCsv } from '../../src/data/csv.js';
import type { Column } from '../../src/data/dataset.js';
import { loadDatasetFile, readDatasetFile } from '../../src/data/load.js';
import { assertThrowsWith, tempFile } from './helpers.js';

const FIXTURES = 'test/fixtures/data';

function byName(columns: readonly Column[], name: string): Column {
  const c = columns.find((f) => f.name === name);
  assert.ok(c !== undefined, `no column ${name}`);
  return c;
}

function categories(c: Column): readonly string[] {
  assert.equal(c.kind, 'categorical', c.name);
  return c.kind === 'categorical' ? c.categories : [];
}

function values(c: Column): number[] {
  assert.equal(c.kind, 'numeric', c.name);
  return c.kind === 'numeric' ? Array.from(c.values) : [];
}

test('detectDelimiter: comma, semicolon, tab, pipe; quoted delimiters do not count', () => {
  assert.equal(detectDelimiter('a,b,c\n1,2,3\n'), ',');
  assert.equal(detectDelimiter('a;b;c\n1,5;2,5;3\n'), ';');
  assert.equal(detectDelimiter('a\tb\n1\t2\n'), '\t');
  assert.equal(detectDelimiter('a|b|c\n1|2|3\n'), '|');
  assert.equal(detectDelimiter('"x,y";b\n"1,2";3\n"4,5";6\n'), ';');
  assert.equal(detectDelimiter('single\n1\n2\n'), ',');
});

test('semicolon CSV cut from iris: quoted header, detected delimiter, classes sorted', () => {
  const ds = loadDatasetFile(`${FIXTURES}/iris-15.csv`);
  assert.equal(ds.name, 'iris-15');
  assert.equal(ds.nRows, 15);
  assert.deepEqual(
    ds.features.map((f) => [f.name, f.kind]),
    [
      ['sepal length', 'numeric'],
      ['sepal width', 'numeric'],
      ['petal length', 'numeric'],
      ['petal width', 'numeric'],
    ],
  );
  assert.equal(ds.task, 'multiclass');
  assert.ok(ds.target.kind === 'classes');
  assert.deepEqual(ds.target.classes, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
  assert.deepEqual(values(ds.features[0]!).slice(0, 3), [5.1, 4.9, 4.7]);
});

test('people.csv: quoting, missing tokens, and the inference rule column by column', () => {
  const { dataset: ds, dropped } = readDatasetFile(`${FIXTURES}/people.csv`);
  assert.deepEqual(dropped, []);
  assert.equal(ds.nRows, 8);
  assert.equal(ds.task, 'regression');
  assert.equal(ds.target.name, 'income');
  // 8 distinct integers in 8 rows: not code-like (needs each value twice on average), so numeric
  assert.deepEqual(values(byName(ds.features, 'id')), [1, 2, 3, 4, 5, 6, 7, 8]);
  // 'NA' is missing
  assert.deepEqual(values(byName(ds.features, 'age')), [34, NaN, 51, 29, 45, 38, 62, 27]);
  // leading zeros: codes, text kept
  assert.deepEqual(categories(byName(ds.features, 'zip')), ['02139', '10001', '60601']);
  // 3 distinct integers in 8 rows: categorical codes, in numeric order
  assert.deepEqual(categories(byName(ds.features, 'grade')), ['1', '2', '3']);
  assert.deepEqual(values(byName(ds.features, 'score')), [81.5, 77.25, 90, 66.5, NaN, 71, 88, 59.5]);
  assert.deepEqual(categories(byName(ds.features, 'city')), ['Boston', 'Chicago', 'New York']);
  const comment = byName(ds.features, 'comment, free');
  assert.deepEqual(categories(comment), ['likes "quotes", commas', 'multi word', 'plain', 'x', 'y']);
  assert.ok(comment.kind === 'categorical');
  // '', 'null' and 'NaN' are missing
  assert.deepEqual(Array.from(comment.codes), [0, -1, 2, 1, -1, -1, 3, 4]);
  assert.ok(ds.target.kind === 'values');
  assert.deepEqual(Array.from(ds.target.values), [52000, 61000, 70000, 48000, 75500, 58000, 91000, 39000]);
});

test('columnTypes overrides inference; missingTokens is configurable', () => {
  const ds = loadDatasetFile(`${FIXTURES}/people.csv`, {
    columnTypes: { grade: 'numeric', id: 'drop', city: 'categorical', zip: 'numeric', name: 'drop' },
  });
  assert.equal(
    ds.features.find((f) => f.name === 'id'),
    undefined,
  );
  assert.deepEqual(values(byName(ds.features, 'grade')), [2, 3, 2, 1, 3, 1, 2, 3]);
  assert.deepEqual(values(byName(ds.features, 'zip')), [2139, 10001, 2139, 60601, 10001, 60601, 2139, 10001]);
  assertThrowsWith(() => loadDatasetFile(`${FIXTURES}/people.csv`, { columnTypes: { city: 'numeric' } }), [
    'people.csv',
    'line 2',
    "column 'city'",
    "'Boston' is not a finite number",
  ]);
  assertThrowsWith(() => loadDatasetFile(`${FIXTURES}/people.csv`, { columnTypes: { town: 'numeric' } }), ["unknown column 'town'"], 'ConfigError');

  const path = tempFile('tokens.csv', 'a,b,y\n1,-,u\n2,x,v\n-,y,u\n4,x,v\n');
  const custom = loadDatasetFile(path, { missingTokens: ['-'] });
  assert.deepEqual(values(custom.features[0]!), [1, 2, NaN, 4]);
  assert.ok(custom.features[1]!.kind === 'categorical');
  assert.deepEqual(Array.from(custom.features[1]!.codes), [-1, 0, 1, 0]);
  // by default '-' is a value: 'a' then has a non-number in a short column, so it is categorical
  assert.equal(loadDatasetFile(path).features[0]!.kind, 'categorical');
});

test('a mostly-numeric column with a stray token is an error, not a silent categorical', () => {
  const rows = Array.from({ length: 30 }, (_, i) => `${i % 7 === 3 && i > 20 ? 'missing' : (i * 1.5).toFixed(1)},${i % 2}`);
  const path = tempFile('stray.csv', 'x,y\n' + rows.join('\n') + '\n');
  assertThrowsWith(() => loadDatasetFile(path), [path, 'line 26', "column 'x'", "'missing'", 'missingTokens']);
  const ds = loadDatasetFile(path, { missingTokens: ['missing'] });
  assert.equal(ds.features[0]!.kind, 'numeric');
});

test('ID-like text columns are dropped and reported; all-missing columns too', () => {
  const rows = Array.from({ length: 25 }, (_, i) => `user${i},${i % 3 === 0 ? 'a' : 'b'},,${i % 2 === 0 ? 'yes' : 'no'}`);
  const path = tempFile('ids.csv', 'user,grp,empty,label\n' + rows.join('\n') + '\n');
  const { dataset, dropped } = readDatasetFile(path);
  assert.deepEqual(
    dataset.features.map((f) => f.name),
    ['grp'],
  );
  assert.deepEqual(
    dropped.map((d) => d.name),
    ['user', 'empty'],
  );
  assert.match(dropped[0]!.reason, /ID-like/);
  assert.match(dropped[1]!.reason, /missing/);
});

test('task inference from a CSV target: integer codes, text, floats; task override', () => {
  const mk = (name: string, ys: readonly string[]): string =>
    tempFile(name, 'x,y\n' + ys.map((y, i) => `${i},${y}`).join('\n') + '\n');
  const codes = mk('codes.csv', ['0', '1', '2', '1', '0', '2', '1', '0']);
  const d1 = loadDatasetFile(codes);
  assert.equal(d1.task, 'multiclass');
  assert.ok(d1.target.kind === 'classes');
  assert.deepEqual(d1.target.classes, ['0', '1', '2']);
  assert.equal(loadDatasetFile(codes, { task: 'regression' }).task, 'regression');
  assert.equal(loadDatasetFile(mk('floats.csv', ['0.5', '1.25', '2', '1', '0', '2', '1', '0'])).task, 'regression');
  const text = mk('text.csv', ['b', 'a', 'b', 'a']);
  const d2 = loadDatasetFile(text);
  assert.equal(d2.task, 'binary');
  assert.ok(d2.target.kind === 'classes');
  assert.deepEqual(d2.target.classes, ['a', 'b']);
  assert.deepEqual(Array.from(d2.target.codes), [1, 0, 1, 0]);
  assertThrowsWith(() => loadDatasetFile(text, { task: 'regression' }), [text, 'line 2', "column 'y'", 'numeric target']);
  assertThrowsWith(() => loadDatasetFile(text, { task: 'multiclass' }), [text, "column 'y'", 'task multiclass does not fit']);
  assertThrowsWith(() => loadDatasetFile(mk('one.csv', ['a', 'a', 'a'])), ["column 'y'", 'only one class']);
  assertThrowsWith(() => loadDatasetFile(mk('tmiss.csv', ['a', 'b', 'NA', 'a'])), ['line 4', "column 'y'", 'missing value']);
  assertThrowsWith(() => loadDatasetFile(mk('tinf.csv', ['1.5', '2.5', '1e999', '3.5'])), ['line 4', "column 'y'", 'non-finite']);
});

test('bad CSV input: ragged rows, duplicate names, empty table, bad quotes, non-finite numbers, unknown target', () => {
  const ragged = tempFile('ragged.csv', 'a,b,c\n1,2,3\n4,5\n');
  assertThrowsWith(() => loadDatasetFile(ragged), [ragged, 'line 3', 'ragged row', 'expected 3 fields', 'found 2']);
  const dup = tempFile('dup.csv', 'a,b,a\n1,2,3\n');
  assertThrowsWith(() => loadDatasetFile(dup), [dup, 'line 1', "column 'a'", "duplicate column name 'a'"]);
  const empty = tempFile('empty.csv', '\n\n');
  assertThrowsWith(() => loadDatasetFile(empty), [empty, 'empty table']);
  const header = tempFile('header-only.csv', 'a,b\n');
  assertThrowsWith(() => loadDatasetFile(header), [header, 'empty table']);
  const quote = tempFile('quote.csv', 'a,b\n1,"x"y\n');
  assertThrowsWith(() => loadDatasetFile(quote), [quote, 'line 2', 'CSV syntax error']);
  const inf = tempFile('inf.csv', 'a,b,y\n1,2,u\ninf,3,v\n2,1e999,u\n');
  assertThrowsWith(() => loadDatasetFile(inf), [inf, 'line 3', "column 'a'", "'inf' is a non-finite number"]);
  assertThrowsWith(() => loadDatasetFile(inf, { columnTypes: { a: 'drop' } }), [inf, 'line 4', "column 'b'", "'1e999'"]);
  assertThrowsWith(() => loadDatasetFile(inf, { target: 'z' }), [inf, "unknown target column 'z'", 'available columns: a, b, y']);
  assertThrowsWith(() => loadDatasetFile('no/such/file.csv'), ['no/such/file.csv', 'no such file']);
});

test('decimal commas in semicolon files are numbers; mixed columns keep their text', () => {
  const path = tempFile('euro.csv', 'price;code;label;y\n1,5;1,5;a;u\n-0,25;x,y;b;v\n3;2,0;c;u\nNA;1;d;v\n');
  const ds = loadDatasetFile(path);
  assert.deepEqual(values(byName(ds.features, 'price')), [1.5, -0.25, 3, NaN]);
  assert.deepEqual(categories(byName(ds.features, 'code')), ['1', '1,5', '2,0', 'x,y']);
  const off = loadDatasetFile(path, { decimalComma: false });
  assert.deepEqual(categories(byName(off.features, 'price')), ['-0,25', '1,5', '3']);
});

test('parseCsv keeps line numbers across blank lines and quoted newlines; empty header cells get names', () => {
  const t = parseCsv(',b\n\n1,"two\nlines"\n3,4\n', { file: 'f.csv' });
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['column_1', 'b'],
  );
  assert.deepEqual(Array.from(t.rowLines!), [4, 5]);
  assert.deepEqual(t.columns[1]!.kind === 'text' ? t.columns[1]!.values : [], ['two\nlines', '4']);
});

test('Windows line endings and a byte-order mark', () => {
  const t = parseCsv('\ufeffa;b\r\n1;x\r\n\r\n2;"y\r\nz"\r\n', { file: 'w.csv' });
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['a', 'b'],
  );
  assert.deepEqual(t.columns[1]!.kind === 'text' ? t.columns[1]!.values : [], ['x', 'y\r\nz']);
  assert.deepEqual(Array.from(t.rowLines!), [2, 5]);
});

test('a quote inside an unquoted field is kept as text', () => {
  const t = parseCsv('height,y\n5\'3",a\n6\'1",b\n', { file: 'q.csv' });
  assert.deepEqual(t.columns[0]!.kind === 'text' ? t.columns[0]!.values : [], ['5\'3"', '6\'1"']);
  assert.deepEqual(Array.from(t.rowLines!), [2, 3]);
});
