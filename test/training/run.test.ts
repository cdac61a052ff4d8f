import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputWidth, takeFeatureRows, targetLabels } from '../../src/data/dataset.js';
import { getMetric } from '../../src/metrics/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { resolveFamily } from '../../src/training/families.js';
import { startRun } from '../../src/training/run.js';
import type { TrialProposal } from '../../src/search/types.js';
import type { ProgressEvent } from '../../src/training/types.js';
import { AdaptiveProposer, FixedListProposer, loadShared, SIMPLE_FAMILIES } from './helpers.js';

describe('startRun', () => {
  for (const name of ['iris', 'diabetes']) {
    it(`stores OOF and test predictions and fold models of every trial of several families (${name})`, async () => {
      const dataset = loadShared(name);
      const test = takeFeatureRows(dataset, Int32Array.from({ length: 30 }, (_, i) => i * 5));
      const store = new SqliteStore(':memory:');
      const list: TrialProposal[] = [
        { family: 'knn', config: { neighbours: 3 } },
        { family: 'prior', config: {} },
        { family: 'knn', config: { neighbours: 15 } },
        { family: 'spin', config: { ms: 20 } },
      ];
      const proposer = new FixedListProposer(list);
      const events: ProgressEvent[] = [];
      const summary = await startRun(dataset, {
        store, proposer, test, maxTrials: 6, folds: 4, seed: 5, concurrency: 2, pruning: false,
        familyModules: [SIMPLE_FAMILIES], onProgress: (e) => events.push(e),
      });
      const k = outputWidth(dataset);
      const metric = getMetric(store.getRun(summary.runId)!.metric);
      assert.equal(summary.stoppedBy, 'exhausted');
      assert.deepEqual(summary.trials, { queued: 0, running: 0, done: 4, failed: 0, timeout: 0, pruned: 0 });
      assert.equal(store.getRun(summary.runId)!.status, 'done');
      const trials = store.listTrials(summary.runId);
      assert.deepEqual(trials.map((t) => t.family), list.map((p) => p.family));
      for (const trial of trials) {
        const oof = store.getPredictions(trial.id, 'oof')!;
        assert.deepEqual([oof.rows, oof.cols], [dataset.nRows, k]);
        assert.equal(trial.validationLoss, metric.loss(targetLabels(dataset), oof.values, k));
        const models = store.getModels(trial.id);
        assert.equal(models.length, 4);
        // The stored member (average of its fold models) reproduces the stored test predictions.
        const family = await resolveFamily(trial.family, [SIMPLE_FAMILIES]);
        const average = new Float64Array(test.nRows * k);
        for (const m of models) (await family.load(m)).predict(test).forEach((v, i) => (average[i]! += v / models.length));
        assert.deepEqual(store.getPredictions(trial.id, 'test')!.values, Float32Array.from(average));
        assert.match(trial.worker!, /^cpu\/thread-\d+$/);
      }
      const board = store.leaderboard(summary.runId);
      assert.equal(board[0]!.number, summary.best!.trial);
      for (let i = 1; i < board.length; i++) assert.ok(board[i - 1]!.validationLoss! <= board[i]!.validationLoss!);
      assert.deepEqual(proposer.told.map((o) => o.trialId), [0, 1, 2, 3]);
      assert.deepEqual(proposer.told[0]!.predictions, store.getPredictions(trials[0]!.id, 'oof')!.values);
      assert.deepEqual(events.filter((e) => e.type === 'trial-finished').length, 4);
      assert.equal(events[0]!.type, 'run-started');
      assert.equal(events.at(-1)!.type, 'run-finished');
      store.close();
    });
  }

  it('trains built-in families (linear, gbdt, random_forest) in workers and stores usable members', async () => {
    const diabetes = loadShared('diabetes');
    const test = takeFeatureRows(diabetes, Int32Array.from({ length: 50 }, (_, i) => i * 15));
    const store = new SqliteStore(':memory:');
    const list: TrialProposal[] = [
      { family: 'linear', config: {} },
      { family: 'gbdt', config: { n_estimators: 20, num_leaves: 8 } },
      { family: 'random_forest', config: { n_estimators: 15 } },
      { family: 'no-such-family', config: {} },
      { family: 'gbdt', config: { no_such_key: 1 } },
    ];
    const summary = await startRun(diabetes, { store, proposer: new FixedListProposer(list), test, maxTrials: 5, folds: 3, concurrency: 2 });
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'done', 'failed', 'failed']);
    assert.match(trials[3]!.error!, /ConfigError: unknown member family 'no-such-family'/);
    assert.match(trials[4]!.error!, /no_such_key/);
    for (const trial of trials.slice(0, 3)) {
      // roc_auc of a real member on diabetes is far above chance.
      assert.ok(trial.validationScore! > 0.7, `${trial.family}: AUC ${trial.validationScore}`);
      const family = await resolveFamily(trial.family, []);
      const models = store.getModels(trial.id);
      assert.equal(models.length, 3);
      const average = new Float64Array(test.nRows * 2);
      for (const m of models) (await family.load(m)).predict(test).forEach((v, i) => (average[i]! += v / models.length));
      assert.deepEqual(store.getPredictions(trial.id, 'test')!.values, Float32Array.from(average));
    }
    store.close();
  });

  it('maxTrials with a seed is reproducible to the bit, whatever the timing', async () => {
    const iris = loadShared('iris');
    const runOnce = async (store: SqliteStore) => {
      const summary = await startRun(iris, {
        store, proposer: new AdaptiveProposer(42), maxTrials: 9, seed: 42, folds: 3, concurrency: 2, familyModules: [SIMPLE_FAMILIES],
      });
      return store.listTrials(summary.runId).map((t) => ({
        family: t.family, config: t.config, seed: t.seed, status: t.status, loss: t.validationLoss, foldLosses: t.foldLosses,
        oof: store.getPredictions(t.id, 'oof')?.values,
      }));
    };
    const store = new SqliteStore(':memory:');
    const first = await runOnce(store);
    const second = await runOnce(store);
    assert.equal(first.length, 9);
    // Racing is part of the reproducible run: the same trials are pruned, after the same folds.
    assert.ok(first.every((t) => t.status === 'done' || t.status === 'pruned'));
    assert.ok(first.filter((t) => t.status === 'done').length >= 3);
    assert.deepEqual(second, first);
    // Trial seeds differ between trials (derived from run seed and trial number).
    assert.equal(new Set(first.map((t) => t.seed)).size, 9);
    store.close();
  });

  it('refuses a run without a budget and unknown metrics', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const proposer = new FixedListProposer([]);
    await assert.rejects(startRun(iris, { store, proposer }), /needs a budget/);
    await assert.rejects(startRun(iris, { store, proposer, maxTrials: 1, metric: 'rmse' }), /does not apply/);
    assert.equal(store.listRuns().length, 0);
    store.close();
  });
});

describe('lanes', () => {
  it('runs neural trials on the GPU lane and the others on the CPU lane, storing the backend each member reports', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const fakeNeural = new URL('../fixtures/families/fake-neural.js', import.meta.url).href;
    const list: TrialProposal[] = [
      { family: 'mlp', config: {} },
      { family: 'knn', config: {} },
      { family: 'mlp', config: {} },
      { family: 'prior', config: {} },
    ];
    // A GPU lane of one thread, forced: no GPU is needed since the stand-in family never touches one.
    const summary = await startRun(iris, {
      store, proposer: new FixedListProposer(list), maxTrials: 4, folds: 3, concurrency: 1, gpuThreads: 1, pruning: false,
      familyModules: [fakeNeural, SIMPLE_FAMILIES],
    });
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'done', 'done']);
    for (const t of trials) {
      const lane = t.family === 'mlp' ? 'gpu' : 'cpu';
      assert.match(t.worker!, new RegExp(`^${lane}/thread-\\d+$`));
      // The run's request (none: auto) reaches the member; the store keeps what the member says ran.
      assert.equal(t.backend, lane === 'gpu' ? 'fake:none' : null);
      if (lane === 'gpu') assert.equal((store.getModels(t.id)[0]!.state as { backend: string }).backend, 'none');
    }
    store.close();
  });

  it('refuses test rows whose columns differ from the training columns', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const test = { nRows: 1, features: [...iris.features].reverse() };
    await assert.rejects(
      startRun(iris, { store, proposer: new FixedListProposer([]), maxTrials: 1, test, familyModules: [SIMPLE_FAMILIES] }),
      /test column 0/,
    );
    store.close();
  });
});
