import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProposer } from '../../src/search/index.js';
import type { TrialProposal } from '../../src/search/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startRun } from '../../src/training/run.js';
import { FAULTY_FAMILIES, FixedListProposer, loadShared, SIMPLE_FAMILIES } from './helpers.js';

describe('time budget', () => {
  it('starts no trial after the training deadline, stops running ones there and ends within seconds of it', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const short: TrialProposal = { family: 'spin', config: { ms: 250 } }; // ~0.75 s a trial (3 folds)
    const list: TrialProposal[] = [
      short,
      { family: 'loops', config: {} }, // ignores its signal: terminated at deadline + grace
      ...Array.from({ length: 30 }, (_, i) => ({ family: 'spin', config: { ms: 250, salt: i + 1 } })),
    ];
    const budget = 5;
    const reserve = 1;
    const started = Date.now();
    const summary = await startRun(iris, {
      store, proposer: new FixedListProposer(list), timeBudget: budget, reserveSeconds: reserve, folds: 3, concurrency: 2,
      // A per-trial limit beyond the budget: this test is about the run's deadline.
      perTrialTimeLimit: 100, graceSeconds: 0.5, familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES],
    });
    const elapsed = (Date.now() - started) / 1000;
    const trainingDeadline = started + (budget - reserve) * 1000;
    assert.equal(summary.stoppedBy, 'time-budget');
    assert.ok(elapsed < budget - reserve + 2.5, `training took ${elapsed} s for a ${budget - reserve} s training budget`);
    assert.ok(summary.ensembleDeadline - trainingDeadline >= reserve * 1000 - 100);
    const trials = store.listTrials(summary.runId);
    const loops = trials[1]!;
    assert.equal(loops.status, 'timeout');
    assert.match(loops.error!, /run's time budget/);
    assert.ok(loops.finishedAt! <= trainingDeadline + 2500, 'the looping trial was stopped soon after the deadline');
    for (const t of trials) {
      assert.ok(t.status === 'done' || t.status === 'timeout', `trial ${t.number} is ${t.status}`);
      assert.ok(t.startedAt! <= trainingDeadline, `trial ${t.number} started after the deadline`);
    }
    // Some short trials ran, but far fewer than the list: none started after the deadline.
    const done = trials.filter((t) => t.status === 'done').length;
    assert.ok(done >= 1 && done < 12, `done: ${done}`);
    store.close();
  });
});

describe('cancellation', () => {
  it('stops a run on its signal, leaves the aborted trials for a resume to redo', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const controller = new AbortController();
    const list: TrialProposal[] = Array.from({ length: 6 }, (_, i) => ({ family: 'spin', config: { ms: 400, salt: i } }));
    const summary = await startRun(iris, {
      store, proposer: new FixedListProposer(list), maxTrials: 6, folds: 3, concurrency: 2, familyModules: [SIMPLE_FAMILIES],
      onProgress: (e) => {
        if (e.type === 'trial-finished' && e.finished === 2) controller.abort();
      },
      signal: controller.signal,
    });
    assert.equal(summary.stoppedBy, 'cancelled');
    assert.equal(store.getRun(summary.runId)!.status, 'failed');
    assert.equal(store.getRun(summary.runId)!.error, 'cancelled');
    const statuses = store.listTrials(summary.runId).map((t) => t.status);
    assert.deepEqual(statuses.filter((s) => s === 'done').length, 2);
    assert.ok(statuses.every((s) => s === 'done' || s === 'running' || s === 'queued'), statuses.join());
    store.close();
  });
});

describe('no trial holds a worker past its share', () => {
  it('cuts a slow anytime member at its per-trial limit (still a member) while the other worker keeps running trials', async () => {
    const diabetes = loadShared('diabetes');
    const store = new SqliteStore(':memory:');
    const slow: TrialProposal = { family: 'gbdt', config: { n_estimators: 100_000, early_stopping: false, learning_rate: 0.01 } };
    const list: TrialProposal[] = [slow, ...Array.from({ length: 200 }, (_, i) => ({ family: 'linear', config: { l2: 0.01 * (i + 1) } }))];
    const limit = 2;
    const summary = await startRun(diabetes, {
      store, proposer: new FixedListProposer(list), timeBudget: 6, reserveSeconds: 1, perTrialTimeLimit: limit, folds: 3, concurrency: 2, pruning: false,
    });
    assert.equal(summary.trialLimitSeconds, limit);
    const trials = store.listTrials(summary.runId);
    const gbdt = trials[0]!;
    assert.equal(gbdt.status, 'done', gbdt.error ?? '');
    const rounds = store.getModels(gbdt.id).map((m) => (m.state as { info: { rounds: number } }).info.rounds);
    assert.equal(rounds.length, 3, 'a member from every fold');
    assert.ok(rounds.every((r) => r > 0 && r < 100_000), `rounds per fold: ${rounds.join()}`);
    assert.ok((gbdt.finishedAt! - gbdt.startedAt!) / 1000 < limit + 2, 'cut near its limit, not at the end of the run');
    const during = trials.filter((t) => t.family === 'linear' && t.startedAt! >= gbdt.startedAt! && t.finishedAt! <= gbdt.finishedAt!);
    assert.ok(during.length >= 1, 'the other worker ran trials meanwhile');
    assert.ok(trials.filter((t) => t.status === 'done').length > 5);
    store.close();
  });
});

describe('skip, do not halt', () => {
  // A slow family (spin: 0.9 s per fold, cut at the limit) and a fast one (knn), searched by the cost-aware BO.
  const space = {
    name: 'slow-and-fast',
    families: {
      spin: { hyperparameters: { ms: { type: 'constant', value: 900 }, salt: { type: 'int', low: 0, high: 100000, default: 0 } } },
      knn: { hyperparameters: { neighbours: { type: 'int', low: 1, high: 100000, log: true, default: 5 } } },
    },
  };

  it('once the slow family no longer fits in the time left, proposes the fast one until the training deadline', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const proposer = createProposer('bo', space, { seed: 2, initialDesign: 2 });
    const summary = await startRun(iris, {
      store, proposer, timeBudget: 7, reserveSeconds: 0.5, folds: 3, concurrency: 2, pruning: false, familyModules: [SIMPLE_FAMILIES],
    });
    const trainingDeadline = summary.ensembleDeadline - 500;
    assert.equal(summary.stoppedBy, 'time-budget', `stopped by ${summary.stoppedBy} with ${summary.secondsLeft} s left`);
    const trials = store.listTrials(summary.runId);
    const spinSeconds = Math.min(...trials.filter((t) => t.family === 'spin' && t.fitSeconds !== null).map((t) => t.fitSeconds!));
    const late = trials.filter((t) => (trainingDeadline - t.startedAt!) / 1000 < spinSeconds * 0.8);
    assert.ok(late.length >= 1, 'trials kept starting until the end');
    assert.ok(late.every((t) => t.family === 'knn'), `late trials: ${late.map((t) => t.family).join()}`);
    assert.ok(trials.every((t) => t.startedAt! <= trainingDeadline), 'none started after the deadline');
    store.close();
  });
});
