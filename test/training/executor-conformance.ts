/**
 * The TrialExecutor contract (src/training/executor.ts), checked the same way for every implementation: the local
 * pool (executor-local.test.ts) and the distributed executor with real worker processes (test/distributed/).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { datasetFolds } from '../../src/data/split.js';
import { getMetric } from '../../src/metrics/index.js';
import { targetLabels } from '../../src/data/dataset.js';
import { crossFit } from '../../src/training/cross-fit.js';
import type { ExecutorFactory, ExecutorSetup, TrialExecutor } from '../../src/training/executor.js';
import { resolveFamily } from '../../src/training/families.js';
import { shareDataset, shareFolds } from '../../src/training/shared-data.js';
import type { TrialTask } from '../../src/training/types.js';
import { FAULTY_FAMILIES, loadShared, SIMPLE_FAMILIES } from './helpers.js';

export interface ExecutorUnderTest {
  readonly factory: ExecutorFactory;
  /** Slots the executor gives for `concurrency` 2 (the setup used here). */
  readonly cpuSlots: number;
}

export interface ConformanceHooks {
  /** Prepare (servers, worker processes) once; the returned executor factory is used by every case. */
  readonly before: () => Promise<ExecutorUnderTest>;
  readonly after?: () => Promise<void>;
  /** Why the suite cannot run here (reported as skipped), if it cannot. */
  readonly skip?: string;
}

const FOLDS = 3;
let runs = 0;

export function executorConformance(name: string, hooks: ConformanceHooks): void {
  describe(`TrialExecutor conformance: ${name}`, { ...(hooks.skip === undefined ? {} : { skip: hooks.skip }) }, () => {
    const iris = loadShared('iris');
    const folds = datasetFolds(iris, FOLDS, 5);
    const families = [SIMPLE_FAMILIES, FAULTY_FAMILIES];
    let subject: ExecutorUnderTest;

    const setup = (runKey: string): ExecutorSetup => ({
      runData: { train: shareDataset(iris), folds: shareFolds(folds), metric: 'log_loss', familyModules: families, memoryLimitMb: 256 },
      runKey,
      concurrency: 2,
      gpuThreads: 0,
      memoryLimitMb: 256,
      graceMs: 300,
    });
    const open = (runKey = `conformance-${process.pid}-${++runs}`): Promise<TrialExecutor> => subject.factory(setup(runKey));
    const task = (number: number, family: string, config: TrialTask['config'], deadline = Infinity): TrialTask => ({
      number, family, config, seed: 1000 + number, deadline,
    });

    before(async () => {
      subject = await hooks.before();
    });
    after(async () => {
      await hooks.after?.();
    });

    it('returns the predictions crossFit gives for the task, to the bit, with its score', async () => {
      const executor = await open();
      try {
        const result = await executor.run(task(0, 'knn', { neighbours: 4 }), 'cpu');
        assert.equal(result.ok, true, result.ok ? '' : result.error);
        if (!result.ok) return;
        const family = await resolveFamily('knn', [SIMPLE_FAMILIES]);
        const expected = await crossFit(family, iris, folds, { neighbours: 4 }, { seed: 1000, signal: new AbortController().signal, deadline: Infinity });
        assert.deepEqual(result.oof, Float32Array.from(expected.oof));
        assert.equal(result.models.length, FOLDS);
        assert.equal(result.validationLoss, getMetric('log_loss').loss(targetLabels(iris), result.oof, 3));
        assert.equal(result.lane, 'cpu');
        assert.equal(result.attempts, 1);
        assert.ok(result.worker.length > 0);
      } finally {
        await executor.close();
      }
    });

    it('resolves a failing trial as failed with its error, and goes on', async () => {
      const executor = await open();
      try {
        const failed = await executor.run(task(0, 'throws', {}), 'cpu');
        assert.equal(failed.ok, false);
        assert.ok(!failed.ok && failed.status === 'failed' && /deliberate failure in fit/.test(failed.error), JSON.stringify(failed));
        assert.equal((await executor.run(task(1, 'knn', {}), 'cpu')).ok, true);
      } finally {
        await executor.close();
      }
    });

    it('stops trials at their deadline: a cooperative one by its signal, a runaway one by force; both time out', async () => {
      const executor = await open();
      try {
        const soon = Date.now() + 300;
        const [cooperative, runaway] = await Promise.all([
          executor.run(task(0, 'spin', { ms: 60_000 }, soon), 'cpu'),
          executor.run(task(1, 'loops', {}, soon), 'cpu'),
        ]);
        assert.ok(!cooperative.ok && cooperative.status === 'timeout', JSON.stringify(cooperative));
        assert.ok(!runaway.ok && runaway.status === 'timeout', JSON.stringify(runaway));
        assert.equal((await executor.run(task(2, 'knn', {}), 'cpu')).ok, true, 'the executor goes on after a forced stop');
      } finally {
        await executor.close();
      }
    });

    it('cancels a trial when its signal aborts and frees its slot', async () => {
      const executor = await open();
      try {
        const controller = new AbortController();
        const long = executor.run(task(0, 'spin', { ms: 60_000 }), 'cpu', controller.signal);
        setTimeout(() => controller.abort(), 200);
        const cancelled = await long;
        assert.equal(cancelled.ok, false);
        const others = await Promise.all(Array.from({ length: subject.cpuSlots }, (_, i) => executor.run(task(1 + i, 'knn', { neighbours: 2 + i }), 'cpu')));
        assert.ok(others.every((r) => r.ok), 'every slot is free again');
      } finally {
        await executor.close();
      }
    });

    it('runs as many trials at once as it has slots', async () => {
      const executor = await open();
      try {
        assert.equal(executor.slots('cpu'), subject.cpuSlots);
        assert.equal(executor.slots('gpu'), 0);
        const results = await Promise.all(Array.from({ length: executor.slots('cpu') + 1 }, (_, i) => executor.run(task(i, 'spin', { ms: 50 }), 'cpu')));
        assert.ok(results.every((r) => r.ok));
      } finally {
        await executor.close();
      }
    });

    it('resume: a trial submitted again, to a new executor of the same run, gives the same result', async () => {
      const runKey = `conformance-resume-${process.pid}-${++runs}`;
      const first = await open(runKey);
      const before = await first.run(task(3, 'knn', { neighbours: 6 }), 'cpu');
      await first.close();
      const second = await open(runKey);
      try {
        const again = await second.run(task(3, 'knn', { neighbours: 6 }), 'cpu');
        assert.ok(before.ok && again.ok);
        assert.deepEqual(again.oof, before.oof);
        assert.equal(again.validationLoss, before.validationLoss);
      } finally {
        await second.close();
      }
    });

    it('rejects trials once closed', async () => {
      const executor = await open();
      await executor.close();
      await assert.rejects(executor.run(task(0, 'knn', {}), 'cpu'), /closed/);
    });
  });
}
