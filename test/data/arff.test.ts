/** The ARFF reader: format features on small fixtures, and every bad-input error with its location. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArff } from '../../src/data/arff.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { assertThrowsWith, tempFile } from './helpers.js';

const FIXTURES = 'test/fixtures/data';

test('weather.arff: keywords in any case, quoted names and values, string/date, missing, comments', () => {
  const arff = parseArff(
    `% c\n@RELATION 'r, x'\n@attribute 'a b' {x, 'y z', "p,q"}\n@Attribute n REAL\n@ATTRIBUTE s string\n` +
      `@attribute d date "yyyy-MM-dd HH:mm"\n@data\n'y z', 1.5, 'it\\'s', 2024-01-01\n"p,q",?,?,'?'\n`,
    { file: 'x.arff' },
  );
  assert.equal(arff.relation, 'r, x');
  assert.deepEqual(
    arff.attributes.map((a) => [a.name, a.type, a.declaredType]),
    [
      ['a b', 'nominal', 'nominal'],
      ['n', 'numeric', 'real'],
      ['s', 'string', 'string'],
      ['d', 'date', 'date'],
    ],
  );
  assert.equal(arff.attributes[3]!.dateFormat, 'yyyy-MM-dd HH:mm');
  assert.deepEqual(arff.attributes[0]!.values, ['x', 'y z', 'p,q']);
  const [a, n, s, d] = arff.columns;
  assert.ok(a!.kind === 'nominal' && n!.kind === 'numeric' && s!.kind === 'text' && d!.kind === 'text');
  assert.deepEqual(Array.from(a.codes), [1, 2]);
  assert.deepEqual(Array.from(n.values), [1.5, NaN]);
  assert.deepEqual(s.values, ["it's", null]);
  // a quoted '?' is a literal value, not missing
  assert.deepEqual(d.values, ['2024-01-01', '?']);
  assert.deepEqual(Array.from(arff.rowLines), [8, 9]);

  const ds = loadDatasetFile(`${FIXTURES}/weather.arff`);
  assert.equal(ds.name, 'weather');
  assert.equal(ds.nRows, 7);
  assert.deepEqual(
    ds.features.map((f) => [f.name, f.kind]),
    [
      ['outlook', 'categorical'],
      ['air temperature', 'numeric'],
      ['humidity', 'numeric'],
      ['wind speed', 'numeric'],
      ['note', 'categorical'],
      ['day', 'categorical'],
    ],
  );
  const outlook = ds.features[0]!;
  assert.ok(outlook.kind === 'categorical');
  assert.deepEqual(outlook.categories, ['sunny', 'overcast', 'light rain', 'rain, heavy']);
  assert.deepEqual(Array.from(outlook.codes), [0, 0, 1, 2, 3, -1, 1]);
  const temp = ds.features[1]!;
  assert.ok(temp.kind === 'numeric');
  assert.deepEqual(Array.from(temp.values), [85, 80, 83, 70, -0.65, 65, 64]);
  const wind = ds.features[3]!;
  assert.ok(wind.kind === 'numeric');
  assert.deepEqual(Array.from(wind.values), [3.5, NaN, 10, 2, 0.5, 0, 7]);
  const note = ds.features[4]!;
  assert.ok(note.kind === 'categorical');
  assert.deepEqual(note.categories, ['?', 'a, b', 'calm day', "it's wet"]);
  assert.equal(note.codes[2], -1);
  assert.ok(ds.target.kind === 'classes');
  assert.deepEqual(ds.target.classes, ['no', 'yes']);
  assert.equal(ds.task, 'binary');
});

test('sparse rows: omitted numeric values are 0, omitted nominal values the first declared', () => {
  const ds = loadDatasetFile(`${FIXTURES}/sparse.arff`);
  assert.equal(ds.nRows, 6);
  const col = (j: number): number[] => {
    const f = ds.features[j]!;
    assert.ok(f.kind === 'numeric');
    return Array.from(f.values);
  };
  assert.deepEqual(col(0), [1, 0, 0, 0, 1, 2]);
  assert.deepEqual(col(1), [0, 2, 0, 0, 0, 0]);
  assert.deepEqual(col(2), [3.5, 0, 0, 0, 0, 0]);
  assert.deepEqual(col(3), [0, 0, 0, NaN, 4, 1]);
  assert.equal(ds.features[3]!.name, 'w 3');
  assert.ok(ds.target.kind === 'classes');
  assert.deepEqual(ds.target.classes, ['sports', 'world news']);
  assert.deepEqual(Array.from(ds.target.codes), [0, 1, 0, 0, 1, 0]);
});

test('sparse row errors: index out of range, repeated index, missing brace', () => {
  const head = '@relation s\n@attribute a numeric\n@attribute b numeric\n@attribute c {u,v}\n@data\n';
  assertThrowsWith(() => parseArff(head + '{0 1, 5 2}\n', { file: 's.arff' }), ['s.arff', 'line 6', 'index 5 out of range']);
  assertThrowsWith(() => parseArff(head + '{0 1}\n{1 1, 1 2}\n', { file: 's.arff' }), ['s.arff', 'line 7', 'given twice']);
  assertThrowsWith(() => parseArff(head + '{0 1, 1 2\n', { file: 's.arff' }), ['s.arff', 'line 6', "no closing '}'"]);
  assertThrowsWith(() => parseArff(head + '{2 w}\n', { file: 's.arff' }), ['s.arff', 'line 6', "column 'c'", "'w' is not declared"]);
});

const HEAD = '@relation t\n@attribute x numeric\n@attribute colour {red, green}\n@attribute y {a, b}\n@data\n';

test('an undeclared nominal value names file, line and column', () => {
  const path = tempFile('undeclared.arff', HEAD + '1,red,a\n2,blue,b\n');
  assertThrowsWith(() => loadDatasetFile(path), [path, 'line 7', "column 'colour'", "value 'blue' is not declared"]);
  // values are matched exactly: case and surrounding quotes matter only as text
  assertThrowsWith(() => parseArff(HEAD + '1,Red,a\n', { file: 'f.arff' }), ['f.arff', 'line 6', "'Red'"]);
});

test('ragged rows (too few, too many values) name file and line', () => {
  assertThrowsWith(() => parseArff(HEAD + '1,red,a\n2,green\n', { file: 'r.arff' }), ['r.arff', 'line 7', 'expected 3 values, found 2']);
  assertThrowsWith(() => parseArff(HEAD + '1,red,a,9\n', { file: 'r.arff' }), ['r.arff', 'line 6', 'expected 3 values, found 4']);
  assertThrowsWith(() => parseArff(HEAD + "1,'red,a\n", { file: 'r.arff' }), ['r.arff', 'line 6', 'unterminated']);
});

test('bad and non-finite numbers name file, line and column', () => {
  for (const bad of ['abc', '1,2.3.4', '0x10', '1_000']) {
    const row = bad.includes(',') ? `${bad.split(',')[1]},red,a` : `${bad},red,a`;
    assertThrowsWith(() => parseArff(HEAD + row + '\n', { file: 'n.arff' }), ['n.arff', 'line 6', "column 'x'", 'bad number']);
  }
  for (const inf of ['inf', '-Infinity', '1e999', 'NaN']) {
    assertThrowsWith(() => parseArff(HEAD + `${inf},red,a\n`, { file: 'n.arff' }), ['n.arff', 'line 6', "column 'x'", 'non-finite']);
  }
});

test('header errors: duplicate names, unknown type, relational, no @data, empty nominal list twice', () => {
  assertThrowsWith(
    () => parseArff('@relation t\n@attribute x numeric\n@attribute X numeric\n@attribute x real\n@data\n', { file: 'h.arff' }),
    ['h.arff', 'line 4', "column 'x'", "duplicate column name 'x'"],
  );
  assertThrowsWith(() => parseArff('@relation t\n@attribute x numbers\n@data\n', { file: 'h.arff' }), ['h.arff', 'line 2', "unknown attribute type 'numbers'"]);
  assertThrowsWith(() => parseArff('@relation t\n@attribute x relational\n@data\n', { file: 'h.arff' }), ['line 2', 'not supported']);
  assertThrowsWith(() => parseArff('@relation t\n@attribute x numeric\n', { file: 'h.arff' }), ['h.arff', 'missing @data']);
  assertThrowsWith(() => parseArff('@relation t\n@attribute c {a, b, a}\n@data\n', { file: 'h.arff' }), ['line 2', "'a' declared twice"]);
  assertThrowsWith(() => parseArff('@relation t\n@attribute c {a, b\n@data\n', { file: 'h.arff' }), ['line 2', "no closing '}'"]);
  assertThrowsWith(() => parseArff('hello\n', { file: 'h.arff' }), ['h.arff', 'line 1', 'expected @relation']);
});

test('empty data and one-class targets are errors naming the file', () => {
  const empty = tempFile('empty.arff', HEAD + '% nothing\n\n');
  assertThrowsWith(() => loadDatasetFile(empty), [empty, 'empty table']);
  const one = tempFile('one.arff', HEAD + '1,red,a\n2,green,a\n');
  assertThrowsWith(() => loadDatasetFile(one), [one, "column 'y'", 'only one class']);
  const missing = tempFile('missing-target.arff', HEAD + '1,red,a\n2,green,?\n');
  assertThrowsWith(() => loadDatasetFile(missing), [missing, 'line 7', "column 'y'", 'missing value']);
});

test('the target option picks another attribute; unknown targets list the columns', () => {
  const path = tempFile('pick.arff', HEAD + '1,red,a\n2,green,b\n3,green,a\n4,red,b\n');
  const ds = loadDatasetFile(path, { target: 'colour' });
  assert.equal(ds.target.name, 'colour');
  assert.deepEqual(
    ds.features.map((f) => f.name),
    ['x', 'y'],
  );
  assertThrowsWith(() => loadDatasetFile(path, { target: 'color' }), [path, "unknown target column 'color'", 'x, colour, y']);
});

test('Windows line endings and tabs are whitespace', () => {
  const text = '@relation t\r\n@attribute\t\'a b\'\tnumeric\r\n@attribute c {u, v}\r\n@data\r\n1.5,u\r\n\r\n?,\'v\'\r\n';
  const arff = parseArff(text, { file: 'crlf.arff' });
  assert.equal(arff.attributes[0]!.name, 'a b');
  const [a, c] = arff.columns;
  assert.ok(a!.kind === 'numeric' && c!.kind === 'nominal');
  assert.deepEqual(Array.from(a.values), [1.5, NaN]);
  assert.deepEqual(Array.from(c.codes), [0, 1]);
  assert.deepEqual(Array.from(arff.rowLines), [5, 7]);
});
