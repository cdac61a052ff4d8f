import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../../src/ensemble/kernels.js';
import { greedyEnsembleSelection } from '../../src/ensemble/ges.js';
import { metricsForTask } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/random.js';
import { standardProblems } from './fixtures.js';

const problems = standardProblems(10);

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: fast ${a} vs generic ${b}`);
}

for (const problem of problems) {
  for (const metric of metricsForTask(problem.task)) {
    test(`fast path equals generic path: ${metric.name} on ${problem.name}`, () => {
      const members = problem.candidates.map((c) => c.predictions);
      const fast = createKernel(members, problem.y, problem.k, metric);
      const generic = createKernel(members, problem.y, problem.k, metric, { fast: false });
      assert.equal(generic.path, 'generic');
      assert.equal(fast.path, metric.name, `${metric.name} has a fast path`);
      const rng = new Rng(7);
      for (let trial = 0; trial < 4; trial++) {
        const accFast = new Float64Array(fast.accLength);
        const accGeneric = new Float64Array(generic.accLength);
        let total = 0;
        for (let step = 0; step < 1 + trial; step++) {
          const j = rng.int(members.length);
          const times = 1 + rng.int(3);
          fast.add(accFast, j, times);
          generic.add(accGeneric, j, times);
          total += times;
        }
        close(fast.loss(accFast, total), generic.loss(accGeneric, total), 'loss');
        // The generic path is metric.loss itself on the averaged predictions.
        for (let j = 0; j < members.length; j++) {
          close(fast.lossWithMember(accFast, total, j), generic.lossWithMember(accGeneric, total, j), `member ${j}`);
        }
      }
    });
  }
}

test('GES picks the same ensemble on the fast and the generic path', () => {
  for (const problem of problems) {
    for (const metric of metricsForTask(problem.task)) {
      const fast = greedyEnsembleSelection(problem.candidates, problem.y, metric, { seed: 3, rounds: 15 });
      const generic = greedyEnsembleSelection(problem.candidates, problem.y, metric, { seed: 3, rounds: 15, fastPath: false });
      assert.deepEqual(fast.combiner, generic.combiner, `${metric.name} on ${problem.name}`);
      fast.trajectory.forEach((v, r) => close(v, generic.trajectory[r]!, `${metric.name} round ${r}`));
    }
  }
});
