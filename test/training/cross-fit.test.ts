import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputWidth, takeFeatureRows, takeRows } from '../../src/data/dataset.js';
import { datasetFolds } from '../../src/data/split.js';
import { crossFit } from '../../src/training/cross-fit.js';
import { deriveSeed } from '../../src/util/random.js';
import { knn, spinFamily } from '../fixtures/families/simple.js';
import { loadShared } from './helpers.js';

const ctx = { seed: 11, signal: new AbortController().signal, deadline: Infinity };

describe('crossFit (k-fold bagging)', () => {
  const iris = loadShared('iris');
  const folds = datasetFolds(iris, 5, 3);
  const test = takeFeatureRows(iris, Int32Array.from({ length: 20 }, (_, i) => i * 7));

  it('predicts every training row out of fold, each with its fold model', async () => {
    const result = await crossFit(knn, iris, folds, { neighbours: 7 }, { ...ctx, test });
    const k = outputWidth(iris);
    assert.equal(result.oof.length, iris.nRows * k);
    assert.equal(result.models.length, 5);
    for (const [f, fold] of folds.entries()) {
      const member = await knn.fit(takeRows(iris, fold.train), { neighbours: 7 }, { ...ctx, seed: deriveSeed(11, f) });
      const held = member.predict(takeFeatureRows(iris, fold.test));
      fold.test.forEach((row, i) => {
        for (let j = 0; j < k; j++) assert.equal(result.oof[row * k + j], held[i * k + j]);
      });
    }
    for (let row = 0; row < iris.nRows; row++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += result.oof[row * k + j]!;
      assert.ok(Math.abs(sum - 1) < 1e-12);
    }
  });

  it('predicts test rows with the average of the fold models (no refit), reloadable from their serialization', async () => {
    const result = await crossFit(knn, iris, folds, { neighbours: 4 }, { ...ctx, test });
    const average = new Float64Array(test.nRows * 3);
    for (const serialized of result.models) {
      const member = await knn.load(serialized);
      member.predict(test).forEach((v, i) => (average[i]! += v / result.models.length));
    }
    assert.deepEqual(result.test, average);
  });

  it('is deterministic and fits regression (k = 1)', async () => {
    const diabetesLike = loadShared('cpu');
    const regFolds = datasetFolds(diabetesLike, 4, 1);
    const a = await crossFit(knn, diabetesLike, regFolds, {}, ctx);
    const b = await crossFit(knn, diabetesLike, regFolds, {}, ctx);
    assert.equal(a.oof.length, diabetesLike.nRows);
    assert.deepEqual(a.oof, b.oof);
    assert.ok(a.oof.every(Number.isFinite));
  });

  it('stops with an AbortError when its signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(crossFit(spinFamily, iris, folds, { ms: 5000 }, { ...ctx, signal: controller.signal }), { name: 'AbortError' });
  });
});
