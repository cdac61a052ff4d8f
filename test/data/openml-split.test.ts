/** OpenML split ARFF files: reading, writing, round trips, samples and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  formatOpenmlSplits,
  parseOpenmlSplits,
  readOpenmlSplitFile,
  writeOpenmlSplitFile,
} from '../../src/data/openml-split.js';
import type { Fold } from '../../src/data/split.js';
import { assertThrowsWith, tempFile } from './helpers.js';

/** Folds of `n` rows: repeat r, fold f tests rows i with (i + r) % k === f. */
function makeFolds(n: number, k: number, repeats: number): Fold[] {
  const folds: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    for (let f = 0; f < k; f++) {
      const test: number[] = [];
      const train: number[] = [];
      for (let i = 0; i < n; i++) ((i + r) % k === f ? test : train).push(i);
      folds.push({ train: Int32Array.from(train), test: Int32Array.from(test), repeat: r, fold: f });
    }
  }
  return folds;
}

test('OpenML layout (upper-case keywords, unsorted rows) reads into sorted folds', () => {
  const text =
    '@RELATION iris_splits\n\n@ATTRIBUTE type {TRAIN,TEST}\n@ATTRIBUTE rowid INTEGER\n@ATTRIBUTE repeat INTEGER\n' +
    '@ATTRIBUTE fold INTEGER\n\n@DATA\nTRAIN,3,0,1\nTEST,2,0,1\nTRAIN,1,0,0\nTEST,0,0,0\nTEST,3,0,0\nTRAIN,2,0,0\nTRAIN,0,0,1\nTEST,1,0,1\n';
  const folds = parseOpenmlSplits(text, { nRows: 4 });
  assert.deepEqual(folds, [
    { train: Int32Array.from([1, 2]), test: Int32Array.from([0, 3]), repeat: 0, fold: 0 },
    { train: Int32Array.from([0, 3]), test: Int32Array.from([1, 2]), repeat: 0, fold: 1 },
  ]);
});

test('write then read gives the same folds (file round trip, with and without sample)', () => {
  const folds = makeFolds(23, 5, 2);
  const path = tempFile('splits.arff', '');
  writeOpenmlSplitFile(path, folds, { relation: 'my task splits' });
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^@RELATION 'my task splits'\n/);
  assert.equal(text.split('\n').filter((l) => l.startsWith('TEST,')).length, 23 * 2);
  assert.deepEqual(readOpenmlSplitFile(path, { nRows: 23 }), folds);
  const withSample = formatOpenmlSplits(folds, { sample: 0 });
  assert.match(withSample, /@ATTRIBUTE sample NUMERIC/);
  assert.deepEqual(parseOpenmlSplits(withSample), folds);
});

test('learning-curve files: the largest sample by default, or the one asked for', () => {
  const full = makeFolds(10, 2, 1);
  const small = full.map((f) => ({ ...f, train: f.train.slice(0, 2) }));
  const text = formatOpenmlSplits(small, { sample: 0 }) + formatOpenmlSplits(full, { sample: 1 }).split('@DATA\n')[1];
  assert.deepEqual(parseOpenmlSplits(text), full);
  assert.deepEqual(parseOpenmlSplits(text, { sample: 0 }), small);
  assertThrowsWith(() => parseOpenmlSplits(text, { sample: 7, file: 's.arff' }), ['s.arff', 'no rows for sample 7']);
});

test('bad split files: missing attribute, bad rowid, out of range, TRAIN and TEST at once', () => {
  const head = '@relation s\n@attribute type {TRAIN,TEST}\n@attribute rowid numeric\n@attribute repeat numeric\n@attribute fold numeric\n@data\n';
  assertThrowsWith(
    () => parseOpenmlSplits('@relation s\n@attribute type {TRAIN,TEST}\n@attribute rowid numeric\n@attribute fold numeric\n@data\nTRAIN,0,0\n', { file: 's.arff' }),
    ['s.arff', "no 'repeat' attribute"],
  );
  assertThrowsWith(() => parseOpenmlSplits(head + 'TRAIN,0,0,0\nTEST,1.5,0,0\n', { file: 's.arff' }), ['s.arff', 'line 8', "column 'rowid'", 'non-negative integer']);
  assertThrowsWith(() => parseOpenmlSplits(head + 'TRAIN,0,0,0\nTEST,9,0,0\n', { file: 's.arff', nRows: 5 }), ['s.arff', 'line 8', 'out of range']);
  assertThrowsWith(() => parseOpenmlSplits(head + 'TRAIN,1,0,0\nTEST,1,0,0\n', { file: 's.arff' }), ['s.arff', 'row 1 is both TRAIN and TEST']);
  assertThrowsWith(() => parseOpenmlSplits(head + 'VALID,1,0,0\n', { file: 's.arff' }), ['s.arff', 'line 7', "'VALID' is not declared"]);
});
