import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { estimateSelectionSeconds } from '../../src/ensemble/cost.js';
import { defaultTrialLimitSeconds, finishReserveSeconds, RunClock, splitBudget } from '../../src/training/budget.js';
import { normalizeModuleSpecifier, resolveFamily } from '../../src/training/families.js';
import { laneOf, visibleGpuCount } from '../../src/training/lanes.js';
import { shareDataset } from '../../src/training/shared-data.js';
import { FAULTY_FAMILIES, loadShared, SIMPLE_FAMILIES } from './helpers.js';

describe('run clock and budget split', () => {
  it('keeps the reserve out of training and gives each trial its limit', () => {
    const clock = new RunClock(1_000_000, { trainingSeconds: 54, reserveSeconds: 6 });
    assert.equal(clock.trainingDeadline, 1_054_000);
    assert.equal(clock.finishDeadline, 1_060_000);
    assert.equal(clock.trialLimitSeconds, 54 / 5, 'default limit: a fifth of the training time');
    assert.equal(clock.trialDeadline(1_000_000), 1_010_800);
    assert.equal(clock.trialDeadline(1_050_000), 1_054_000, 'never past the training deadline');
    assert.equal(clock.secondsLeft(1_030_000), 24);
    assert.ok(clock.expired(1_054_000));
    assert.equal(new RunClock(1_000_000, { trainingSeconds: 54, reserveSeconds: 6 }, 3).trialLimitSeconds, 3);
    const unlimited = new RunClock(0, undefined);
    assert.equal(unlimited.secondsLeft(), Infinity);
    assert.equal(unlimited.trialDeadline(5), Infinity);
    assert.equal(defaultTrialLimitSeconds(undefined), Infinity);
  });

  it('sizes the finish reserve from the selector cost model, within 1 s and 30% of the budget', () => {
    const small = { method: 'ges', rows: 700, outputs: 2, candidates: 50, metric: 'roc_auc' };
    const split = splitBudget(60, small);
    assert.equal(split.trainingSeconds + split.reserveSeconds, 60);
    const expected = 1 + 1.5 * estimateSelectionSeconds('ges', small);
    assert.ok(Math.abs(split.reserveSeconds - expected) < 1e-9, `${split.reserveSeconds} vs ${expected}`);
    // Stacking on 20,000 rows x 26 classes would want minutes: capped at 30% of the budget.
    const letter = { method: 'stacking', rows: 20_000, outputs: 26, candidates: 50, metric: 'log_loss' };
    assert.equal(finishReserveSeconds(60, letter), 18);
    assert.ok(estimateSelectionSeconds('stacking', letter) > estimateSelectionSeconds('ges', letter));
    assert.equal(splitBudget(60, small, 5).reserveSeconds, 5, 'an explicit reserve wins');
    assert.ok(finishReserveSeconds(60, { ...small, refit: true }) > finishReserveSeconds(60, small), 'refit keeps more');
  });
});

describe('lanes', () => {
  it('sends neural families to the GPU lane only when it exists', () => {
    assert.equal(laneOf('mlp', 1), 'gpu');
    assert.equal(laneOf('mlp', 0), 'cpu');
    assert.equal(laneOf('gbdt', 2), 'cpu');
  });

  it('counts no GPU when CUDA_VISIBLE_DEVICES hides them', () => {
    assert.equal(visibleGpuCount({ CUDA_VISIBLE_DEVICES: '' }), 0);
    assert.equal(visibleGpuCount({ CUDA_VISIBLE_DEVICES: '-1' }), 0);
  });
});

describe('plugin families', () => {
  it('normalizes paths to file URLs and keeps URLs and package names', () => {
    assert.equal(normalizeModuleSpecifier('./fam.js', '/tmp/x'), pathToFileURL('/tmp/x/fam.js').href);
    assert.equal(normalizeModuleSpecifier('/abs/fam.js'), pathToFileURL('/abs/fam.js').href);
    assert.equal(normalizeModuleSpecifier('file:///a/b.js'), 'file:///a/b.js');
    assert.equal(normalizeModuleSpecifier('my-families'), 'my-families');
  });

  it('finds families in plugin modules, in order, with clear errors', async () => {
    assert.equal((await resolveFamily('knn', [FAULTY_FAMILIES, SIMPLE_FAMILIES])).name, 'knn');
    assert.equal((await resolveFamily('throws', [FAULTY_FAMILIES])).name, 'throws');
    await assert.rejects(resolveFamily('knn', ['file:///nonexistent/families.js']), /cannot import family module/);
  });
});

describe('shared data', () => {
  it('copies a dataset onto shared memory with equal content', () => {
    const iris = loadShared('iris');
    const shared = shareDataset(iris);
    assert.deepEqual(shared, iris);
    const column = shared.features[0]!;
    assert.ok(column.kind === 'numeric' && column.values.buffer instanceof SharedArrayBuffer);
    assert.ok(shared.target.kind === 'classes' && shared.target.codes.buffer instanceof SharedArrayBuffer);
  });
});
