import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { targetLabels } from '../../src/data/dataset.js';
import { stratifiedKFold } from '../../src/data/split.js';
import { getMetric } from '../../src/metrics/index.js';
import { constantFoldLoss, foldLoss, pruneReason, type PruneRule } from '../../src/training/racing.js';
import { loadShared } from './helpers.js';

describe('fold-level racing', () => {
  const rule: PruneRule = { incumbent: 3, against: [0.2, 0.3, 0.25], gap: 0.5, minFolds: 1 };
  const constant = [0.7, 0.7, 0.7];

  it('prunes a candidate that lost more than `gap` of the incumbent\'s gain over the constant predictor', () => {
    // After one fold the bound is 0.2 + 0.5 x (0.7 - 0.2) = 0.45.
    assert.equal(pruneReason(rule, [0.449], constant, 3), null, 'within the bound: kept');
    const reason = pruneReason(rule, [0.46], constant, 3);
    assert.match(reason!, /^pruned after 1 of 3 folds: validation loss 0\.4600 on them, trial 3 had 0\.2000 \(constant predictor 0\.7000; bound 0\.4500 at gap 0\.5\)$/);
    // After two folds: means over the same folds (0.25 vs bound 0.25 + 0.5 x 0.45 = 0.475).
    assert.equal(pruneReason(rule, [0.46, 0.48], constant, 3), null, 'mean 0.47 is within the two-fold bound');
    assert.notEqual(pruneReason(rule, [0.46, 0.5], constant, 3), null);
  });

  it('never prunes before minFolds, after the last fold, or against an incumbent no better than the constant', () => {
    assert.equal(pruneReason({ ...rule, minFolds: 2 }, [0.69], constant, 3), null);
    assert.equal(pruneReason(rule, [0.69, 0.69, 0.69], constant, 3), null, 'a finished trial is not pruned');
    assert.equal(pruneReason({ ...rule, against: [0.8, 0.8, 0.8] }, [0.9], constant, 3), null);
    assert.equal(pruneReason(rule, [NaN], constant, 3), null);
  });

  it('scores folds and the constant predictor on real labels (credit-g, roc_auc and log loss)', () => {
    const data = loadShared('credit-g');
    const y = targetLabels(data) as Int32Array;
    const [fold] = stratifiedKFold(y, 5, 1);
    for (const name of ['roc_auc', 'log_loss'] as const) {
      const metric = getMetric(name);
      const constantLoss = constantFoldLoss(metric, y, fold!.train, fold!.test, 2);
      // The training class frequencies: AUC 0.5 (loss -0.5); log loss of the prior on the held-out rows.
      if (name === 'roc_auc') assert.equal(constantLoss, -0.5);
      else assert.ok(Math.abs(constantLoss - 0.611) < 0.01, `prior log loss ${constantLoss}`);
      // A perfect predictor beats it.
      const perfect = new Float64Array(fold!.test.length * 2);
      fold!.test.forEach((row, i) => (perfect[i * 2 + y[row]!] = 1));
      assert.ok(foldLoss(metric, y, fold!.test, perfect, 2) < constantLoss);
    }
  });
});
