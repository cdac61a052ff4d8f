import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetFolds } from '../../src/data/split.js';
import { getMetric } from '../../src/metrics/index.js';
import { getFamily } from '../../src/models/registry.js';
import { crossFit, foldDeadline } from '../../src/training/cross-fit.js';
import { loadShared } from './helpers.js';

describe('fold deadlines', () => {
  it('share what is left of the trial time equally among the remaining folds', () => {
    const now = 1_000_000;
    assert.equal(foldDeadline(now + 10_000, 4, now) - now, 2_250, '90% of the 10 s left, over 4 folds');
    assert.equal(foldDeadline(now + 10_000, 1, now) - now, 9_000, 'the last fold gets 90% of what is left');
    assert.equal(foldDeadline(Infinity, 3, now), Infinity);
    assert.equal(foldDeadline(now - 5, 2, now), now, 'a passed deadline stays passed');
    assert.equal(foldDeadline(now + 10_000, 4, now, 250) - now, 2_000, 'time needed after each fit is kept free');
    assert.equal(foldDeadline(now + 1_000, 2, now, 800), now, 'never before now');
    const wall = Date.now();
    const share = foldDeadline(wall + 10_000, 4) - wall;
    assert.ok(share > 2_000 && share < 2_500, `share ${share} ms measured from the clock`);
  });

  it('let a boosting member too big for its time finish every fold with fewer rounds instead of timing out', async () => {
    // 20,000 rounds of one tree each would take minutes; one round takes milliseconds, so every fold can stop
    // early at its share of the 3 s trial even on a loaded machine.
    const spambase = loadShared('spambase');
    const folds = datasetFolds(spambase, 3, 1);
    const started = Date.now();
    const seconds = 3;
    const result = await crossFit(getFamily('gbdt'), spambase, folds, { n_estimators: 20000, early_stopping: false }, {
      seed: 5,
      signal: new AbortController().signal,
      deadline: started + seconds * 1000,
    });
    const elapsed = (Date.now() - started) / 1000;
    assert.equal(result.models.length, 3, 'every fold has a model');
    assert.ok(elapsed < 2 * seconds + 2, `took ${elapsed} s for a ${seconds} s trial`);
    const y = spambase.target.kind === 'classes' ? spambase.target.codes : new Int32Array();
    const auc = getMetric('roc_auc').score(y, result.oof, 2);
    assert.ok(auc > 0.9, `out-of-fold AUC ${auc} of the time-cut booster`);
  });
});
