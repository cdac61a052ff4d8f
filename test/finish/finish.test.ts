import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runContextOf } from '../../src/api/auto-ensemble.js';
import { selectorNames } from '../../src/ensemble/index.js';
import { assembleEnsemble, selectEnsemble } from '../../src/finish/finish.js';
import { getMetric } from '../../src/metrics/index.js';
import type { TrialProposal } from '../../src/search/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startRun } from '../../src/training/run.js';
import { FixedListProposer, loadShared } from '../training/helpers.js';

describe('finish phase', () => {
  it('pruned trials never enter an ensemble, whatever the selector; a passed deadline still gives a valid one', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    // Good members first; a linear model regularized to a near-constant races against the best of the first ones
    // (in this reproducible mode, trial t races against trials 0..t-2) and is pruned.
    const list: TrialProposal[] = [
      { family: 'gbdt', config: { n_estimators: 30 } },
      { family: 'random_forest', config: { n_estimators: 20 } },
      { family: 'linear', config: { l2: 1 } },
      { family: 'linear', config: { l2: 10_000 } },
      { family: 'extra_trees', config: { n_estimators: 20 } },
      { family: 'linear', config: { l2: 5_000 } },
    ];
    const summary = await startRun(iris, { store, proposer: new FixedListProposer(list), maxTrials: 6, folds: 3, concurrency: 2 });
    store.saveRunContext(summary.runId, runContextOf(iris));
    const trials = store.listTrials(summary.runId);
    const pruned = trials.filter((t) => t.status === 'pruned');
    assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'done', 'pruned', 'done', 'pruned']);
    for (const t of pruned) {
      assert.match(t.error!, /^pruned after 1 of 3 folds/);
      assert.equal(t.foldLosses!.length, 1);
      assert.equal(store.getPredictions(t.id, 'oof'), undefined);
    }
    assert.equal(summary.trials.pruned, pruned.length);
    const prunedIds = new Set(pruned.map((t) => t.id));
    const metric = getMetric('log_loss');
    const context = store.getRunContext(summary.runId)!;
    for (const method of selectorNames()) {
      const record = selectEnsemble(store, summary.runId, context, metric, { method, selectorOptions: { seed: 1 }, deadline: Infinity });
      assert.ok(record.combiner.memberIds.every((id) => !prunedIds.has(id)), `${method} chose a pruned trial`);
      const late = selectEnsemble(store, summary.runId, context, metric, { method, selectorOptions: { seed: 1 }, deadline: Date.now() - 1 });
      assert.ok(late.combiner.memberIds.length >= 1 && late.combiner.memberIds.every((id) => !prunedIds.has(id)));
      const { model } = await assembleEnsemble(store, context, late, metric, { deadline: Infinity });
      const p = model.predictMatrix(iris);
      assert.equal(p.length, iris.nRows * 3);
      assert.ok(Number.isFinite((late.details as { selectionSeconds: number }).selectionSeconds));
    }
    store.close();
  });
});
