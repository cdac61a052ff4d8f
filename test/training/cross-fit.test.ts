import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputWidth, takeFeatureRows, takeRows } from '../../src/data/dataset.js';
import { datasetFolds } from '../../src/data/split.js';
import { gbdtFamily } from '../../src/models/families/gbdt.js';
import { randomForestFamily } from '../../src/models/families/random-forest.js';
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

  it('collects the held-out and test variances of a family that predicts one (random forest on regression)', async () => {
    const cpu = loadShared('cpu');
    const regFolds = datasetFolds(cpu, 3, 2);
    const head = takeFeatureRows(cpu, Int32Array.from({ length: 10 }, (_, i) => i));
    const config = { n_estimators: 10 };
    const result = await crossFit(randomForestFamily, cpu, regFolds, config, { ...ctx, test: head });
    assert.equal(result.oofVariance!.length, cpu.nRows);
    const expectedTest = new Float64Array(10);
    for (const [f, fold] of regFolds.entries()) {
      const member = await randomForestFamily.fit(takeRows(cpu, fold.train), config, { ...ctx, seed: deriveSeed(11, f) });
      const held = member.predictVariance!(takeFeatureRows(cpu, fold.test));
      fold.test.forEach((row, i) => assert.equal(result.oofVariance![row], held[i]));
      member.predictVariance!(head).forEach((v, i) => (expectedTest[i]! += v / regFolds.length));
    }
    assert.deepEqual(result.testVariance, expectedTest);
    const boosted = await crossFit(gbdtFamily, cpu, regFolds, { n_estimators: 5 }, ctx);
    assert.equal(boosted.oofVariance, undefined);
  });

  it('stops with an AbortError when its signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(crossFit(spinFamily, iris, folds, { ms: 5000 }, { ...ctx, signal: controller.signal }), { name: 'AbortError' });
  });
});
