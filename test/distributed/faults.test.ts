/**
 * Distributed runs against a real Redis server and real worker processes: the same results as a local run, and
 * nothing lost or repeated when a worker, Redis or the coordinator dies. Small data (iris), few trials.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { autoEnsemble } from '../../src/api/auto-ensemble.js';
import { parseQueueAddress } from '../../src/distributed/protocol.js';
import { redisExecutor } from '../../src/distributed/redis-executor.js';
import type { TrialProposal } from '../../src/search/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { resumeRun, startRun } from '../../src/training/run.js';
import type { ProgressEvent } from '../../src/training/types.js';
import { AdaptiveProposer, FAULTY_FAMILIES, FixedListProposer, loadShared, SIMPLE_FAMILIES } from '../training/helpers.js';
import { freshQueue, RedisServer, redisMissing, WorkerProcess } from './helpers.js';

const skip = redisMissing();
const CHILD = fileURLToPath(new URL('../training/fixtures/run-child.js', import.meta.url));

describe('distributed runs on a Redis queue', { ...(skip === undefined ? {} : { skip }) }, () => {
  const iris = loadShared('iris');
  const dir = mkdtempSync(join(tmpdir(), 'ae-distributed-'));
  let server: RedisServer;
  const workers: WorkerProcess[] = [];

  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorkers(queue: string, count: number, args: readonly string[] = []): Promise<WorkerProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, (_, i) => WorkerProcess.start(server.url, queue, ['--concurrency', '1', '--name', `w${i}`, ...args])));
    workers.push(...started);
    return started;
  }

  const executor = (queue: string, log?: (message: string) => void) =>
    redisExecutor({ address: parseQueueAddress(server.url, queue), pollMs: 200, ...(log === undefined ? {} : { log }) });

  /** A run of the trials of `list`, in order, 2 in flight (local unless `options.executor`). */
  const runList = (store: Store, list: readonly TrialProposal[], options: Partial<Parameters<typeof startRun>[1]> = {}) =>
    startRun(iris, {
      store, proposer: new FixedListProposer(list), maxTrials: list.length, folds: 3, concurrency: 2, familyModules: [SIMPLE_FAMILIES, FAULTY_FAMILIES], ...options,
    });

  /** OOF predictions of a run's trials, in trial order (undefined for trials without). */
  const predictions = (store: Store, runId: number) => store.listTrials(runId).map((t) => store.getPredictions(t.id, 'oof')?.values);

  it('gives the same leaderboard and ensemble as a local run with the same seed and maxTrials', async () => {
    const queue = freshQueue('same');
    const pool = await startWorkers(queue, 2);
    const options = { maxTrials: 6, seed: 4, searchSpace: 'small', folds: 3, concurrency: 2, store: join(dir, 'same.db') } as const;
    const local = await autoEnsemble(iris, options);
    const remote = await autoEnsemble(iris, { ...options, executor: `${server.url}?queue=${queue}` });
    const board = (r: typeof local) => r.leaderboard.map((e) => [e.trial, e.family, e.config, e.validationScore]);
    assert.deepEqual(board(remote), board(local));
    assert.equal(remote.validationScore, local.validationScore);
    assert.deepEqual(remote.members.map((m) => m.weight), local.members.map((m) => m.weight));
    const started = pool.reduce((n, w) => n + w.count(/trial \S+ started/), 0);
    assert.equal(started, 6, 'each trial trained once, on the workers');
    const store = new SqliteStore(options.store);
    assert.ok(store.listTrials(remote.runId).every((t) => /^w[01]\//.test(t.worker ?? '')), 'the store names the worker of each trial');
    store.close();
  });

  it('retries a trial whose worker is killed (SIGKILL) mid-trial on another worker, counted in attempts', async () => {
    const queue = freshQueue('kill');
    const [a, b] = await startWorkers(queue, 2);
    const list: TrialProposal[] = [
      { family: 'spin', config: { ms: 400 } }, // per fold: 1.2 s a trial
      { family: 'knn', config: { neighbours: 3 } },
      { family: 'knn', config: { neighbours: 5 } },
      { family: 'knn', config: { neighbours: 7 } },
    ];
    const store = new SqliteStore(':memory:');
    const run = runList(store, list, { seed: 2, executor: executor(queue) });
    const victim = await Promise.race([a!, b!].map((w) => w.waitFor(/trial \S+-t0 started/).then(() => w)));
    await victim.kill('SIGKILL');
    const survivor = victim === a ? b! : a!;
    const summary = await run;
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'done', 'done']);
    assert.equal(trials[0]!.attempts, 2);
    assert.match(trials[0]!.worker!, survivor === a ? /^w0\// : /^w1\//);
    assert.deepEqual(trials.slice(1).map((t) => t.attempts), [1, 1, 1]);
    await survivor.waitFor(/trial \S+-t0 started: spin \(attempt 2\)/);

    const reference = await runList(store, list, { seed: 2 });
    assert.deepEqual(predictions(store, summary.runId), predictions(store, reference.runId));
    store.close();
  });

  it('records a poison trial that kills every worker it lands on as failed after the attempt limit', async () => {
    const queue = freshQueue('poison');
    const args = ['--max-attempts', '2'];
    const pool = await startWorkers(queue, 2, args);
    // A supervisor, as a real deployment has: a dead worker is replaced.
    let replaced = 0;
    let stopped = false;
    const supervise = (worker: WorkerProcess, slot: number): void => {
      void worker.exited.then(async () => {
        if (stopped) return;
        replaced++;
        const [fresh] = await startWorkers(queue, 1, [...args, '--name', `w${slot}`]);
        supervise(fresh!, slot);
      });
    };
    pool.forEach(supervise);
    const list: TrialProposal[] = [
      { family: 'kills-process', config: {} },
      { family: 'knn', config: { neighbours: 3 } },
      { family: 'knn', config: { neighbours: 5 } },
    ];
    const store = new SqliteStore(':memory:');
    try {
      const summary = await runList(store, list, { executor: executor(queue) });
      const trials = store.listTrials(summary.runId);
      assert.deepEqual(trials.map((t) => t.status), ['failed', 'done', 'done']);
      assert.equal(trials[0]!.attempts, 2);
      assert.match(trials[0]!.error!, /failed after 2 attempt\(s\).*worker died/);
      assert.equal(replaced, 2, 'the poison trial killed a worker on each of its 2 attempts');
    } finally {
      stopped = true;
      store.close();
    }
  });

  it('waits through a Redis restart that loses every key, and finishes the run with the same results', async () => {
    const queue = freshQueue('restart');
    const [worker] = await startWorkers(queue, 1, ['--concurrency', '2']);
    const list: TrialProposal[] = [
      { family: 'spin', config: { ms: 400 } },
      { family: 'spin', config: { ms: 400, salt: 1 } },
      ...[3, 5, 7, 9].map((neighbours) => ({ family: 'knn', config: { neighbours } })),
    ];
    const store = new SqliteStore(':memory:');
    const notices: string[] = [];
    const run = runList(store, list, { seed: 3, executor: executor(queue, (m) => notices.push(m)) });
    await worker!.waitFor(/trial \S+-t0 started/);
    await server.restart(1000);
    const summary = await run;
    assert.ok(notices.some((m) => /lost the connection to Redis/.test(m)), notices.join('; '));
    assert.ok(notices.some((m) => /reconnected/.test(m)), notices.join('; '));
    const reference = await runList(store, list, { seed: 3 });
    const statuses = (runId: number) => store.listTrials(runId).map((t) => [t.status, t.error]);
    assert.deepEqual(statuses(summary.runId), statuses(reference.runId));
    assert.deepEqual(predictions(store, summary.runId), predictions(store, reference.runId));
    store.close();
  });

  it('resumes a run whose coordinator was killed from SQLite and the queue, no trial lost or trained twice', async () => {
    const queue = freshQueue('resume');
    const pool = await startWorkers(queue, 2);
    const database = join(dir, 'resume.db');
    const maxTrials = 8;
    const child = spawn(process.execPath, [CHILD, database, 'iris', String(maxTrials), '7', server.url, queue], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let finished = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      if ((JSON.parse(line) as ProgressEvent).type === 'trial-finished' && ++finished === 3) {
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal((await exited)[1], 'SIGKILL', 'the coordinator was killed mid-run');

    const store = new SqliteStore(database);
    const [run] = store.listRuns();
    const doneBefore = store.listTrials(run!.id, ['done', 'pruned', 'failed', 'timeout']);
    assert.ok(doneBefore.length >= 3 && doneBefore.length < maxTrials, `finished before the kill: ${doneBefore.length}`);
    const summary = await resumeRun(store, run!.id, iris, { proposer: new AdaptiveProposer(7), executor: executor(queue) });
    const trials = store.listTrials(run!.id);
    assert.equal(trials.length, maxTrials);
    assert.ok(trials.every((t) => t.status !== 'queued' && t.status !== 'running'), 'no trial left behind');
    for (const t of doneBefore) assert.deepEqual(store.getTrial(t.id), t, 'finished trials are kept as they were');
    assert.equal(summary.stoppedBy, 'max-trials');
    for (let n = 0; n < maxTrials; n++) {
      const starts = pool.reduce((count, w) => count + w.count(new RegExp(`trial \\S+-t${n} started`)), 0);
      assert.equal(starts, 1, `trial ${n} was trained exactly once (a trial in flight at the kill is attached to, not redone)`);
    }
    const reference = await startRun(iris, {
      store, proposer: new AdaptiveProposer(7), maxTrials, seed: 7, concurrency: 2, folds: 3, familyModules: [SIMPLE_FAMILIES],
    });
    const expected = store.listTrials(reference.runId);
    assert.deepEqual(trials.map((t) => [t.family, t.config, t.seed, t.status]), expected.map((t) => [t.family, t.config, t.seed, t.status]));
    assert.deepEqual(predictions(store, run!.id), predictions(store, reference.runId));
    store.close();
  });

  it('enforces a resident-memory limit on a worker: the trial over it fails with the figures, the worker goes on', async () => {
    const queue = freshQueue('memory');
    const limitMb = 400;
    const [worker] = await startWorkers(queue, 1, ['--memory-limit', String(limitMb)]);
    const list: TrialProposal[] = [
      { family: 'hoards-slowly', config: { mb: 4 } },
      { family: 'knn', config: { neighbours: 3 } },
    ];
    const store = new SqliteStore(':memory:');
    const summary = await runList(store, list, { concurrency: 1, executor: executor(queue) });
    const trials = store.listTrials(summary.runId);
    assert.deepEqual(trials.map((t) => t.status), ['failed', 'done']);
    const match = /out of memory: the worker process reached (\d+) MB resident memory, over its limit of 400 MB/.exec(trials[0]!.error!);
    assert.ok(match !== null, trials[0]!.error!);
    assert.ok(Number(match[1]) > limitMb);
    assert.ok(worker!.alive, 'the worker process survives');
    await worker!.waitFor(/memory limit: \d+ MB resident > 400 MB; stopping trial/);
    store.close();
  });
});
