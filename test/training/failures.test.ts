import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialProposal } from '../../src/search/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startRun } from '../../src/training/run.js';
import { FAULTY_FAMILIES, FixedListProposer, loadShared, SIMPLE_FAMILIES } from './helpers.js';

describe('failing trials', () => {
  it('records each failure mode with its error and the run goes on with fresh workers', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const list: TrialProposal[] = [
      { family: 'knn', config: { neighbours: 5 } },
      { family: 'throws', config: {} },
      { family: 'loops', config: {} },
      { family: 'crashes', config: { mode: 'exit' } },
      { family: 'crashes', config: { mode: 'uncaught' } },
      { family: 'spin', config: { ms: 60_000 } },
      { family: 'knn', config: { neighbours: 2 } },
      { family: 'knn', config: { neighbours: 9 } },
    ];
    const proposer = new FixedListProposer(list);
    const summary = await startRun(iris, {
      store, proposer, maxTrials: list.length, folds: 3, concurrency: 2, perTrialTimeLimit: 1.5, graceSeconds: 0.5,
      familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES],
    });
    const trials = store.listTrials(summary.runId);
    const byNumber = (n: number) => trials[n]!;
    assert.deepEqual(trials.map((t) => t.status), ['done', 'failed', 'timeout', 'failed', 'failed', 'timeout', 'done', 'done']);
    assert.match(byNumber(1).error!, /deliberate failure in fit/);
    assert.match(byNumber(2).error!, /per-trial time limit.*ignored its abort signal.*terminated/);
    assert.match(byNumber(3).error!, /worker crashed: worker exited with code: 70/);
    assert.match(byNumber(4).error!, /worker crashed: deliberate uncaught exception/);
    assert.match(byNumber(5).error!, /per-trial time limit \(1\.5 s\): AbortError/);
    // The loop was stopped by terminating its worker at limit + grace, the cooperative one at its limit.
    const wall = (n: number) => (byNumber(n).finishedAt! - byNumber(n).startedAt!) / 1000;
    assert.ok(wall(2) >= 1.95 && wall(2) < 8, `loops took ${wall(2)} s`);
    assert.ok(wall(5) >= 1.45 && wall(5) < 8, `spin took ${wall(5)} s`);
    for (const t of trials.filter((t) => t.status !== 'done')) {
      assert.equal(store.getPredictions(t.id, 'oof'), undefined);
      assert.deepEqual(store.getModels(t.id), []);
    }
    assert.ok(store.getPredictions(byNumber(7).id, 'oof') !== undefined);
    assert.deepEqual(proposer.told.map((o) => o.status), trials.map((t) => t.status));
    store.close();
  });

  it('records a trial that exhausts its worker heap as failed (out of memory) and goes on', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const list: TrialProposal[] = [
      { family: 'allocates', config: {} },
      { family: 'knn', config: {} },
      { family: 'knn', config: { neighbours: 3 } },
    ];
    // No time limit here: on a loaded machine reaching the heap limit can take seconds.
    const summary = await startRun(iris, {
      store, proposer: new FixedListProposer(list), maxTrials: 3, folds: 3, concurrency: 1, memoryLimitMb: 64,
      familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES],
    });
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['failed', 'done', 'done']);
    assert.match(trials[0]!.error!, /out of memory.*64 MB/);
    store.close();
  });

  it('stops a trial whose typed arrays pass the memory limit (outside the JS heap) and records it as out of memory', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    // One fit stops at its abort signal, one ignores it (its worker thread is ended); both record the same error.
    const list: TrialProposal[] = [
      { family: 'hoards', config: { cooperative: true } },
      { family: 'hoards', config: { cooperative: false } },
      { family: 'knn', config: {} },
    ];
    const summary = await startRun(iris, {
      store, proposer: new FixedListProposer(list), maxTrials: 3, folds: 3, concurrency: 1, memoryLimitMb: 64,
      familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES],
    });
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['failed', 'failed', 'done']);
    for (const trial of trials.slice(0, 2)) {
      // Stopped just past the limit: 64 MB of Float64Arrays is 8 of them, not the gigabytes the V8 heap limit allows.
      assert.match(trial.error!, /^out of memory: the trial held \d+ MB \(JS heap and typed arrays\) over its 64 MB limit/);
      const held = Number(/held (\d+) MB/.exec(trial.error!)?.[1]);
      assert.ok(held >= 64 && held < 200, `held ${held} MB`);
    }
    store.close();
  });
});
