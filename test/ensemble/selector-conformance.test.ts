/**
 * The Selector contract (src/ensemble/types.ts), checked for every registered selector on binary, multiclass
 * and regression problems built from real labels, with every metric of each task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinePredictions, getSelector, listSelectors, selectorNames } from '../../src/ensemble/index.js';
import type { Candidate, SelectionResult } from '../../src/ensemble/types.js';
import { metricsForTask } from '../../src/metrics/index.js';
import type { Metric, Predictions } from '../../src/metrics/types.js';
import { ConfigError } from '../../src/util/errors.js';
import { standardProblems, type Problem } from './fixtures.js';

const problems = standardProblems(12);

/** Options that keep the slower selectors quick on 12 members; each still runs its full algorithm. */
const FAST_OPTIONS: Record<string, Record<string, unknown>> = {
  'qo-es': { budgetPerMember: 20 },
  'qdo-es': { budgetPerMember: 20 },
  stacking: { regularizationGrid: [0.1, 10], folds: 3, maxPool: 6 },
};

function checksum(p: Predictions): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i]! * ((i % 7) + 1);
  return s;
}

function ensemblePredictions(result: SelectionResult, problem: Problem): Float64Array {
  const byId = new Map(problem.candidates.map((c) => [c.id, c.predictions] as const));
  return combinePredictions(result.combiner, byId, problem.y.length, problem.k);
}

function checkResult(name: string, result: SelectionResult, problem: Problem, metric: Metric): void {
  const ids = new Set(problem.candidates.map((c: Candidate) => c.id));
  assert.equal(result.method, name);
  assert.ok(result.combiner.memberIds.length > 0, 'at least one member');
  for (const id of result.combiner.memberIds) assert.ok(ids.has(id), `member ${id} is a candidate id`);
  assert.equal(new Set(result.combiner.memberIds).size, result.combiner.memberIds.length, 'member ids are distinct');
  assert.ok(Number.isFinite(result.validationScore), 'finite validation score');
  assert.ok(result.trajectory.length > 0 && result.trajectory.every(Number.isFinite), 'finite trajectory');
  const predicted = ensemblePredictions(result, problem);
  assert.equal(predicted.length, problem.y.length * problem.k);
  if (result.combiner.kind === 'weights') {
    const { weights } = result.combiner;
    assert.equal(weights.length, result.combiner.memberIds.length);
    assert.ok(weights.every((w) => w > 0), 'weights are positive');
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12, 'weights sum to 1');
    // The reported score is the ensemble's score on the selection rows.
    const score = metric.score(problem.y, predicted, problem.k);
    assert.ok(Math.abs(score - result.validationScore) < 1e-9, `validation score ${result.validationScore} vs ${score}`);
  } else {
    const { model } = result.combiner;
    assert.equal(model.nOutputs, problem.k);
    assert.equal(model.coefficients.length, model.inputWidth * problem.k);
    assert.equal(model.intercepts.length, problem.k);
    if (model.nonNegative) assert.ok(model.coefficients.every((c) => c >= 0), 'non-negative coefficients');
    if (problem.k > 1) {
      for (let i = 0; i < problem.y.length; i++) {
        let s = 0;
        for (let c = 0; c < problem.k; c++) s += predicted[i * problem.k + c]!;
        assert.ok(Math.abs(s - 1) < 1e-9, 'stacked probabilities sum to 1');
      }
    }
  }
}

test('the registry holds the seven selectors', () => {
  assert.deepEqual(selectorNames(), ['single-best', 'top-k', 'ges', 'qo-es', 'qdo-es', 'stacking', 'deuq']);
  for (const s of listSelectors()) assert.equal(getSelector(s.name), s);
  assert.throws(() => getSelector('caruana'), (e: unknown) => e instanceof ConfigError && /ges/.test(e.message) && /qdo-es/.test(e.message));
});

for (const selector of listSelectors()) {
  for (const problem of problems) {
    test(`${selector.name} on ${problem.name} (${problem.task}): contract for every metric`, () => {
      const before = problem.candidates.map((c) => checksum(c.predictions));
      for (const metric of metricsForTask(problem.task)) {
        const options = { seed: 11, ...FAST_OPTIONS[selector.name] };
        const result = selector.select(problem.candidates, problem.y, metric, options);
        checkResult(selector.name, result, problem, metric);
        const again = selector.select(problem.candidates, problem.y, metric, options);
        assert.deepEqual(again, result, `${metric.name}: same seed, same ensemble`);
      }
      assert.deepEqual(problem.candidates.map((c) => checksum(c.predictions)), before, 'candidates unchanged');
    });
  }

  test(`${selector.name}: a deadline already passed still gives a valid ensemble, marked as stopped early`, () => {
    for (const problem of problems) {
      const metric = metricsForTask(problem.task)[0]!;
      const full = selector.select(problem.candidates, problem.y, metric, { seed: 3, ...FAST_OPTIONS[selector.name] });
      const cut = selector.select(problem.candidates, problem.y, metric, { seed: 3, ...FAST_OPTIONS[selector.name], deadline: Date.now() - 1 });
      checkResult(selector.name, cut, problem, metric);
      // Iterative selectors stop after their first step and say so; one-pass ones (single-best, top-k) finish as usual.
      if (cut.details?.['fellBackToGes'] === 1) {
        // Stacking cut short hands over to GES, which has a bounded grace past the deadline: its own trajectory.
        assert.equal(cut.details['stoppedAtDeadline'], 1, `${problem.name}: a fallback is marked as stopped early`);
      } else if (cut.details?.['stoppedAtDeadline'] === 1) {
        assert.ok(cut.trajectory.length < full.trajectory.length, `${problem.name}: ${cut.trajectory.length} steps vs ${full.trajectory.length}`);
      } else {
        assert.deepEqual(cut, full, `${problem.name}: not stopped early, so the same ensemble`);
      }
      if (['ges', 'qo-es', 'qdo-es', 'stacking'].includes(selector.name)) assert.equal(cut.details?.['stoppedAtDeadline'], 1, `${problem.name}: stopped early`);
      const later = selector.select(problem.candidates, problem.y, metric, { seed: 3, ...FAST_OPTIONS[selector.name], deadline: Date.now() + 3_600_000 });
      assert.deepEqual(later, full, `${problem.name}: a deadline that does not pass changes nothing`);
    }
    assert.throws(() => selector.select(problems[0]!.candidates, problems[0]!.y, metricsForTask(problems[0]!.task)[0]!, { deadline: 'soon' as unknown as number }), ConfigError);
  });

  test(`${selector.name}: clear errors for bad options and bad input`, () => {
    const problem = problems[0]!;
    const metric = metricsForTask(problem.task)[0]!;
    assert.throws(() => selector.select(problem.candidates, problem.y, metric, { seed: 1, noSuchOption: 3 }), ConfigError);
    assert.throws(() => selector.select(problem.candidates, problem.y, metric, { seed: NaN }), ConfigError);
    assert.throws(() => selector.select([], problem.y, metric), /at least one candidate/);
    const short = [{ ...problem.candidates[0]!, predictions: new Float64Array(10) }];
    assert.throws(() => selector.select(short, problem.y, metric), /prediction values/);
  });
}
