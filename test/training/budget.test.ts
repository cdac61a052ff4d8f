import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
