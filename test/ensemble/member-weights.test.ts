import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinerMemberWeights, getSelector } from '../../src/ensemble/index.js';
import { getMetric } from '../../src/metrics/index.js';
import { classificationMembers, sharedLabels } from './fixtures.js';

for (const [file, metric] of [['diabetes.arff', 'roc_auc'], ['vehicle.arff', 'log_loss']] as const) {
  test(`stacking member weights follow each member's own coefficients (${file})`, () => {
    const { y, k } = sharedLabels(file);
    const labels = y as Int32Array;
    const candidates = classificationMembers(labels, k, 3, 7);
    const result = getSelector('stacking').select(candidates, labels, getMetric(metric), { seed: 1 });
    assert.equal(result.combiner.kind, 'stacking');
    const weights = combinerMemberWeights(result.combiner);
    assert.deepEqual([...weights.keys()], [...result.combiner.memberIds]);
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `shares sum to ${total}`);
    // Binary stacking feeds one column per member (k = 2 outputs): every informative member, the last one
    // included, must get its own positive share, not a neighbour's.
    for (const [id, share] of weights) assert.ok(share > 0.01, `member ${id} got share ${share}`);
  });
}

test('weighted ensembles report their weights unchanged', () => {
  const weights = combinerMemberWeights({ kind: 'weights', memberIds: [4, 9], weights: [0.75, 0.25] });
  assert.deepEqual([...weights.entries()], [[4, 0.75], [9, 0.25]]);
});
