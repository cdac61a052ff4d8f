import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { resumeRun, startRun } from '../../src/training/run.js';
import type { ProgressEvent } from '../../src/training/types.js';
import { AdaptiveProposer, loadShared, SIMPLE_FAMILIES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ae-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = fileURLToPath(new URL('./fixtures/run-child.js', import.meta.url));

/** Run the child script and SIGKILL it once `killAfter` trials have finished. */
async function runAndKill(database: string, maxTrials: number, seed: number, killAfter: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, database, 'iris', String(maxTrials), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let finished = 0;
  for await (const line of createInterface({ input: child.stdout! })) {
    const event = JSON.parse(line) as ProgressEvent;
    if (event.type === 'trial-finished' && ++finished === killAfter) {
      child.kill('SIGKILL');
      break;
    }
  }
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL', `child ended with code ${code} before it could be killed`);
  return finished;
}

describe('kill and resume', () => {
  it('a run killed mid-way (SIGKILL) resumes with no trial lost or duplicated, as if never interrupted', async () => {
    const iris = loadShared('iris');
    const database = join(dir, 'killed.db');
    const maxTrials = 12;
    await runAndKill(database, maxTrials, 7, 4);

    const raw = new Database(database, { readonly: true });
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
    const store = new SqliteStore(database);
    const [run] = store.listRuns();
    assert.equal(run!.status, 'running');
    const before = store.listTrials(run!.id);
    const doneBefore = before.filter((t) => t.status === 'done');
    const finalBefore = before.filter((t) => t.status === 'done' || t.status === 'pruned');
    assert.ok(finalBefore.length >= 4 && finalBefore.length < maxTrials, `finished before the kill: ${finalBefore.length}`);
    for (const t of doneBefore) {
      assert.ok(store.getPredictions(t.id, 'oof') !== undefined);
      assert.equal(store.getModels(t.id).length, 3);
    }
    for (const t of before.filter((t) => t.status !== 'done')) assert.equal(store.getPredictions(t.id, 'oof'), undefined);
    const interrupted = before.filter((t) => t.status === 'running').map((t) => t.number);

    const proposer = new AdaptiveProposer(7);
    const summary = await resumeRun(store, run!.id, iris, { proposer });
    assert.equal(summary.stoppedBy, 'max-trials');
    const after_ = store.listTrials(run!.id);
    assert.deepEqual(after_.map((t) => t.number), Array.from({ length: maxTrials }, (_, i) => i));
    assert.ok(after_.every((t) => t.status === 'done' || t.status === 'pruned'));
    assert.equal(store.getRun(run!.id)!.status, 'done');
    for (const t of finalBefore) assert.deepEqual(store.getTrial(t.id), t, 'finished trials are kept, not retrained');
    for (const n of interrupted) assert.equal(after_[n]!.attempts, 2, `interrupted trial ${n} was redone once`);
    assert.deepEqual(proposer['told'].map((o) => o.trialId), after_.map((t) => t.number));

    // The same run never interrupted: same trials, same predictions, to the bit.
    const reference = await startRun(iris, {
      store, proposer: new AdaptiveProposer(7), maxTrials, seed: 7, concurrency: 2, folds: 3, familyModules: [SIMPLE_FAMILIES],
    });
    const expected = store.listTrials(reference.runId);
    const identity = (t: (typeof after_)[number]) => [t.family, t.config, t.seed, t.status, t.foldLosses];
    assert.deepEqual(after_.map(identity), expected.map(identity));
    for (let i = 0; i < maxTrials; i++) {
      assert.deepEqual(store.getPredictions(after_[i]!.id, 'oof')?.values, store.getPredictions(expected[i]!.id, 'oof')?.values);
    }
    store.close();
  });

  it('refuses to resume with other data or while the owner process lives', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const run = store.createRun({
      datasetName: 'iris', datasetFingerprint: 'sha256:other', task: 'multiclass', metric: 'log_loss', seed: 0,
      nRows: 150, nOutputs: 3, options: {}, owner: { pid: process.pid, host: hostname() },
    });
    await assert.rejects(resumeRun(store, run.id, iris, { proposer: new AdaptiveProposer(1) }), /other data/);
    await assert.rejects(resumeRun(store, 999, iris, { proposer: new AdaptiveProposer(1) }), /no run 999/);
    const summary = await startRun(iris, {
      store, proposer: new AdaptiveProposer(1), maxTrials: 1, folds: 3, concurrency: 1, familyModules: [SIMPLE_FAMILIES],
    });
    store.reopenRun(summary.runId, { pid: process.ppid, host: hostname() });
    await assert.rejects(resumeRun(store, summary.runId, iris, { proposer: new AdaptiveProposer(1) }), /still being worked on/);
    const forced = await resumeRun(store, summary.runId, iris, { proposer: new AdaptiveProposer(1), force: true });
    assert.equal(forced.trials.done, 1);
    store.close();
  });
});
