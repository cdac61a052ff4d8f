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
      { family: 'allocates', config: {} },
      { family: 'crashes', config: { mode: 'exit' } },
      { family: 'crashes', config: { mode: 'uncaught' } },
      { family: 'spin', config: { ms: 60_000 } },
      { family: 'no-such-family', config: {} },
      { family: 'knn', config: { neighbours: 2 } },
      { family: 'knn', config: { neighbours: 9 } },
    ];
    const proposer = new FixedListProposer(list);
    const summary = await startRun(iris, {
      store, proposer, maxTrials: list.length, folds: 3, concurrency: 2, perTrialTimeLimit: 1.5, graceSeconds: 0.5,
      memoryLimitMb: 96, familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES],
    });
    const trials = store.listTrials(summary.runId);
    const byNumber = (n: number) => trials[n]!;
    assert.deepEqual(trials.map((t) => t.status), [
      'done', 'failed', 'timeout', 'failed', 'failed', 'failed', 'timeout', 'failed', 'done', 'done',
    ]);
    assert.match(byNumber(1).error!, /deliberate failure in fit/);
    assert.match(byNumber(2).error!, /per-trial time limit.*ignored its abort signal.*terminated/);
    assert.match(byNumber(3).error!, /out of memory.*96 MB/);
    assert.match(byNumber(4).error!, /worker crashed: worker exited with code: 70/);
    assert.match(byNumber(5).error!, /worker crashed: deliberate uncaught exception/);
    assert.match(byNumber(6).error!, /per-trial time limit: AbortError/);
    assert.match(byNumber(7).error!, /unknown|no-such-family/i);
    // The loop was stopped by terminating its worker at limit + grace, the cooperative one at its limit.
    assert.ok(byNumber(2).fitSeconds! >= 1.9 && byNumber(2).fitSeconds! < 6, `loops took ${byNumber(2).fitSeconds}`);
    assert.ok(byNumber(6).fitSeconds! >= 1.4 && byNumber(6).fitSeconds! < 5, `spin took ${byNumber(6).fitSeconds}`);
    for (const t of trials.filter((t) => t.status !== 'done')) {
      assert.equal(store.getPredictions(t.id, 'oof'), undefined);
      assert.deepEqual(store.getModels(t.id), []);
    }
    assert.ok(store.getPredictions(byNumber(9).id, 'oof') !== undefined);
    assert.deepEqual(proposer.told.map((o) => o.status), trials.map((t) => t.status));
    store.close();
  });
});
