import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rareClassWarnings } from '../../src/data/class-sizes.js';
import { takeRows } from '../../src/data/dataset.js';
import { loadShared } from '../training/helpers.js';

test('classes with fewer rows than folds are named before training, with what their scores will mean', () => {
  const iris = loadShared('iris');
  assert.deepEqual(rareClassWarnings(iris, 5), []);
  // 100 rows of two classes and a single row of the third (iris rows are grouped by class, 50 each).
  const rows = Int32Array.from([...Array.from({ length: 100 }, (_, i) => i), 120]);
  const rare = takeRows(iris, rows);
  const [single] = rareClassWarnings(rare, 5);
  assert.match(single!, /^class 'Iris-virginica' has 1 row, fewer than the 5 cross-validation folds: its only row is validated by fold models that never saw the class/);
  const three = takeRows(iris, Int32Array.from([...Array.from({ length: 100 }, (_, i) => i), 120, 121, 122]));
  assert.match(rareClassWarnings(three, 5)[0]!, /has 3 rows, fewer than the 5 cross-validation folds: 2 of the 5 folds train without it/);
  assert.deepEqual(rareClassWarnings(three, 3), []);
  assert.deepEqual(rareClassWarnings(loadShared('boston'), 5), [], 'regression has no classes');
});
