import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { RunOwner } from '../../src/store/types.js';
import { ownerState, processStartToken, remainingBudget, STALE_OWNER_MS } from '../../src/training/run.js';

function runWithOwner(store: SqliteStore, owner: RunOwner, options: unknown = {}) {
  return store.createRun({
    datasetName: 'd', datasetFingerprint: 'f', task: 'binary', metric: 'roc_auc', seed: 0, nRows: 10, nOutputs: 2, options, owner,
  });
}

describe('run owners', () => {
  it('tells a live owner from a dead one, also when its pid was reused by another process', async () => {
    const store = new SqliteStore(':memory:');
    const parent = { pid: process.ppid, host: hostname() };
    const started = processStartToken(process.ppid);
    assert.ok(started === undefined || /^[0-9a-f-]+:\d+$/.test(started), `token ${started}`);
    assert.equal(ownerState(runWithOwner(store, { ...parent, ...(started === undefined ? {} : { started }) })), 'alive');
    if (started !== undefined) {
      // Same pid, alive, but started at another time: another process got the pid.
      assert.equal(ownerState(runWithOwner(store, { ...parent, started: `${started.split(':')[0]}:1` })), 'dead');
    }
    // A process that has exited.
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    assert.equal(ownerState(runWithOwner(store, { pid: child.pid!, host: hostname() })), 'dead');
    // Another host: only the heartbeat tells.
    const remote = runWithOwner(store, { pid: 1, host: 'elsewhere.example' });
    assert.equal(ownerState(remote), 'alive', 'fresh heartbeat');
    assert.equal(ownerState(remote, remote.heartbeatAt! + STALE_OWNER_MS + 1), 'dead', 'silent for too long');
    store.heartbeat(remote.id);
    assert.ok(store.getRun(remote.id)!.heartbeatAt! >= remote.heartbeatAt!);
    // Not running: no owner to ask about.
    store.finishRun(remote.id, 'done');
    assert.equal(ownerState(store.getRun(remote.id)!), 'none');
    store.close();
  });

  it('a resume goes on with what is left of the run\'s budget, and says what to do when nothing is left', () => {
    const store = new SqliteStore(':memory:');
    const run = runWithOwner(store, { pid: process.pid, host: hostname() }, { timeBudget: 60 });
    assert.equal(remainingBudget(run), 60);
    store.addTrainingSeconds(run.id, 20.5);
    assert.equal(remainingBudget(store.getRun(run.id)!), 39.5);
    store.addTrainingSeconds(run.id, 39);
    assert.throws(() => remainingBudget(store.getRun(run.id)!), /has used 59\.5 s of its 60 s budget: give a new time budget to continue it \(CLI: --budget S\)/);
    assert.equal(remainingBudget(runWithOwner(store, { pid: 1, host: 'h' }, { maxTrials: 5 })), undefined);
    assert.throws(() => store.addTrainingSeconds(run.id, -1), /finite number >= 0/);
    store.close();
  });
});
