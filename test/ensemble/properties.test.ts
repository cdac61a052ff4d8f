/** Properties the ensemble selectors must have beyond the shared contract. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinePredictions, getSelector, greedyEnsembleSelection, runPopulationSearch } from '../../src/ensemble/index.js';
import { evaluationOrder } from '../../src/ensemble/stacking.js';
import type { Candidate } from '../../src/ensemble/types.js';
import { SlidingBoundariesArchive } from '../../src/ensemble/qdo/archive.js';
import { weightKey } from '../../src/ensemble/qdo/emitter.js';
import { getMetric, metricsForTask } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/random.js';
import { classificationMembers, sharedLabels, standardProblems } from './fixtures.js';

const problems = standardProblems(16);

test("GES's validation loss never exceeds the single best's (every task and metric, several seeds)", () => {
  for (const problem of problems) {
    for (const metric of metricsForTask(problem.task)) {
      const single = getSelector('single-best').select(problem.candidates, problem.y, metric);
      for (const seed of [1, 2]) {
        for (const useBest of [true, false]) {
          const ges = greedyEnsembleSelection(problem.candidates, problem.y, metric, { seed, useBest, rounds: 20 });
          if (useBest) {
            const gesLoss = metric.higherIsBetter ? -ges.validationScore : ges.validationScore;
            const singleLoss = metric.higherIsBetter ? -single.validationScore : single.validationScore;
            assert.ok(gesLoss <= singleLoss + 1e-12, `${metric.name} on ${problem.name}: ${gesLoss} > ${singleLoss}`);
          } else {
            // Without useBest every round counts: weights are multiples of 1 / rounds.
            for (const w of ges.combiner.kind === 'weights' ? ges.combiner.weights : []) {
              assert.ok(Math.abs(w * 20 - Math.round(w * 20)) < 1e-9);
            }
          }
        }
      }
    }
  }
});

test('GES improves on the single best with complementary members (log loss, vehicle)', () => {
  const problem = problems[1]!;
  const metric = getMetric('log_loss');
  const single = getSelector('single-best').select(problem.candidates, problem.y, metric);
  const ges = greedyEnsembleSelection(problem.candidates, problem.y, metric, { seed: 1 });
  assert.ok(ges.validationScore < single.validationScore - 0.01, `${ges.validationScore} vs ${single.validationScore}`);
  assert.ok(ges.combiner.memberIds.length > 1);
});

test('GES tie-breaking prefers members already chosen; pruning drops members no better than the constant predictor', () => {
  const { y, k } = sharedLabels('diabetes.arff');
  const good = classificationMembers(y as Int32Array, k, 3, 5);
  // An exact copy of the best member ties with it in every round.
  const metric = getMetric('log_loss');
  const single = getSelector('single-best').select(good, y, metric);
  const bestId = single.combiner.memberIds[0]!;
  const copy: Candidate = { ...good.find((c) => c.id === bestId)!, id: 999 };
  // Uninformative members: the constant predictor's own probabilities (not strictly better than it).
  const n = y.length;
  const prior = new Float64Array(k);
  for (let i = 0; i < n; i++) prior[y[i]!]! += 1 / n;
  const flat = new Float64Array(n * k);
  for (let i = 0; i < n; i++) flat.set(prior, i * k);
  const junk: Candidate = { id: 500, family: 'linear', config: { l2: 1 }, predictions: flat };
  const constant = metric.loss(y, flat, k);
  const beating = [...good, copy].filter((c) => metric.loss(y, c.predictions, k) < constant).length;
  assert.ok(beating >= 2);
  for (const seed of [1, 2, 3, 4]) {
    const ges = greedyEnsembleSelection([...good, copy, junk], y, metric, { seed, rounds: 10, useBest: false });
    const ids = ges.combiner.memberIds;
    assert.ok(!(ids.includes(bestId) && ids.includes(999)), `seed ${seed}: both copies chosen: ${ids.join(',')}`);
    assert.equal(ges.details?.poolSize, beating, 'junk member pruned from the pool');
    assert.ok(!ids.includes(500));
  }
  const capped = greedyEnsembleSelection([...good, copy, junk], y, metric, { seed: 1, maxPool: 2 });
  assert.equal(capped.details?.poolSize, 2);
});

test('QDO-ES archive covers more than one behaviour cell; merged or best elite is at least as good as every elite', () => {
  for (const problem of problems) {
    const metric = metricsForTask(problem.task)[0]!;
    const run = runPopulationSearch(problem.candidates, problem.y, metric, { seed: 4 }, true);
    const archive = new SlidingBoundariesArchive(7, 1, 1);
    const cells = new Set(run.elites.map((e) => `${e.behaviour[0].toFixed(6)},${e.behaviour[1].toFixed(6)}`));
    assert.ok(run.elites.length > 1, `${problem.name}: ${run.elites.length} elites`);
    assert.ok(cells.size > 1, 'elites have distinct behaviours');
    assert.ok(archive.cellOf([0.05, 0.05]) !== archive.cellOf([0.95, 0.95]));
    assert.equal(run.evaluations, 50 * run.pool.length, 'default budget: 50 x pool size evaluations');
    const finalLoss = run.result.trajectory.at(-1)!;
    for (const e of run.elites) assert.ok(finalLoss <= e.loss + 1e-12);
    // Duplicate proposals are rejected: every elite has distinct normalized weights.
    assert.equal(new Set(run.elites.map((e) => weightKey(e.counts))).size, run.elites.length);
  }
});

test('QO-ES and QDO-ES never lose to the single best', () => {
  for (const problem of problems) {
    for (const metric of metricsForTask(problem.task)) {
      const single = getSelector('single-best').select(problem.candidates, problem.y, metric);
      for (const name of ['qo-es', 'qdo-es']) {
        const r = getSelector(name).select(problem.candidates, problem.y, metric, { seed: 2, budgetPerMember: 10 });
        const sign = metric.higherIsBetter ? -1 : 1;
        assert.ok(sign * r.validationScore <= sign * single.validationScore + 1e-12, `${name} ${metric.name} on ${problem.name}`);
      }
    }
  }
});

test("stacking's inner-CV score is honest: pure-noise members score ~chance although the in-sample fit looks better", () => {
  const { y, k } = sharedLabels('credit-g.arff');
  const n = y.length;
  const rng = new Rng(21);
  const noise: Candidate[] = Array.from({ length: 15 }, (_, j) => {
    const p = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const q = rng.next();
      p[i * 2] = 1 - q;
      p[i * 2 + 1] = q;
    }
    return { id: j, family: 'linear', config: { l2: j }, predictions: p };
  });
  const metric = getMetric('roc_auc');
  const result = getSelector('stacking').select(noise, y, metric, {
    seed: 1,
    nonNegative: false,
    regularizationGrid: [0.01],
    maxPool: 15,
    folds: 5,
  });
  // Pool pruning keeps only noise members that happen to beat AUC 0.5 on these rows: selection bias that the
  // inner CV must not report as skill.
  const byId = new Map(noise.map((c) => [c.id, c.predictions] as const));
  const inSample = metric.score(y, combinePredictions(result.combiner, byId, n, k), k);
  assert.ok(Math.abs(result.validationScore - 0.5) < 0.06, `inner-CV AUC ${result.validationScore} is ~chance`);
  assert.ok(inSample > result.validationScore + 0.03, `in-sample AUC ${inSample} looks better than ${result.validationScore}`);
});

test('stacking with the original features (second layer) and combinePredictions round trip', () => {
  const problem = problems[2]!;
  const n = problem.y.length;
  const rng = new Rng(5);
  const features = Float64Array.from({ length: n * 3 }, (_, i) => (i % 3 === 0 ? problem.y[Math.floor(i / 3)]! + rng.normal() : rng.normal()));
  const metric = getMetric('rmse');
  const result = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 1, features, featureCount: 3 });
  assert.equal(result.combiner.kind, 'stacking');
  const byId = new Map(problem.candidates.map((c) => [c.id, c.predictions] as const));
  assert.throws(() => combinePredictions(result.combiner, byId, n, 1), /original features/);
  const pred = combinePredictions(result.combiner, byId, n, 1, features);
  const single = getSelector('single-best').select(problem.candidates, problem.y, metric);
  assert.ok(metric.score(problem.y, pred, 1) < single.validationScore, 'stacked fit beats the single best in sample');
  assert.throws(() => getSelector('stacking').select(problem.candidates, problem.y, metric, { features, featureCount: 2 }), /featureCount/);
});

test('combinePredictions applies weights and reports missing members', () => {
  const a = Float64Array.of(0.2, 0.8, 0.6, 0.4);
  const b = Float64Array.of(0.4, 0.6, 0.2, 0.8);
  const map = new Map([[1, a], [2, b]]);
  const out = combinePredictions({ kind: 'weights', memberIds: [1, 2], weights: [0.75, 0.25] }, map, 2, 2);
  assert.deepEqual(Array.from(out).map((v) => Math.round(v * 1e12) / 1e12), [0.25, 0.75, 0.5, 0.5]);
  assert.throws(() => combinePredictions({ kind: 'weights', memberIds: [3], weights: [1] }, map, 2, 2), /member 3/);
});

test('stacking warm starts along the regularization path reach the cold starts\' optimum at every strength', () => {
  for (const problem of problems.filter((p) => p.task !== 'regression')) {
    const metric = getMetric('log_loss');
    const warm = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 3 });
    const cold = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 3, warmStart: false });
    // Both solve the same convex problems to the same tolerance, so the inner-CV loss at each strength agrees, except
    // where a cold start stops at the iteration cap first (weak regularization): there the warm start is better.
    // The chosen strength may differ only between strengths that tie within that accuracy.
    const w = warm.trajectory!;
    const c = cold.trajectory!;
    assert.equal(w.length, c.length);
    for (let g = 0; g < w.length; g++) assert.ok(w[g]! < c[g]! + 2e-3, `${problem.name} strength ${g}: ${w[g]} vs ${c[g]}`);
    assert.ok(warm.validationScore < cold.validationScore + 2e-3, `${problem.name}: ${warm.validationScore} vs ${cold.validationScore}`);
  }
});

test('stacking chooses and fits its meta-model on a seeded stratified sample of at most maxRows rows', () => {
  for (const problem of problems) {
    const metric = metricsForTask(problem.task)[0]!;
    const n = problem.y.length;
    const maxRows = Math.floor(n / 2);
    const sampled = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 4, maxRows });
    assert.equal(sampled.details?.['rows'], maxRows, `${problem.name}: meta-model rows`);
    assert.deepEqual(getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 4, maxRows }), sampled, 'seeded');
    const all = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 4 });
    assert.equal(all.details?.['rows'], n);
    // Half the rows choose a model of the same quality class: both beat the constant predictor by far.
    const single = getSelector('single-best').select(problem.candidates, problem.y, metric);
    const loss = (score: number) => (metric.higherIsBetter ? -score : score);
    assert.ok(loss(sampled.validationScore) < loss(single.validationScore) + 0.1 * Math.abs(loss(single.validationScore)) + 0.05,
      `${problem.name} ${metric.name}: sampled ${sampled.validationScore} vs single best ${single.validationScore}`);
  }
});

test('stacking under a tight deadline plans fewer rows and members, evaluates moderate strengths first, falls back to GES', () => {
  assert.deepEqual(evaluationOrder([0.01, 0.1, 1, 10, 100]), [1, 0.1, 10, 0.01, 100]);
  assert.deepEqual(evaluationOrder([0, 5, 0.5]), [0.5, 5, 0]);
  const problem = problems.find((p) => p.task === 'multiclass')!;
  const metric = getMetric('log_loss');
  const all = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 2 });
  assert.equal(all.trajectory.length, 5);
  assert.equal(all.details?.['fellBackToGes'], undefined);
  // Deadline passed: one strength (l2 = 1) on a shrunk problem, its L-BFGS stopped after one iteration: far from
  // converged, so GES is returned instead (cheap, it may finish its rounds shortly past the deadline).
  const late = getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 2, deadline: Date.now() - 1 });
  assert.equal(late.method, 'stacking');
  assert.equal(late.combiner.kind, 'weights');
  for (const key of ['fellBackToGes', 'stoppedAtDeadline', 'shrunkForDeadline', 'strengthsEvaluated']) assert.equal(late.details?.[key], 1, key);
  const ges = getSelector('ges').select(problem.candidates, problem.y, metric, { seed: 2 });
  // GES is deterministic, so the fallback's rounds are the first rounds of a GES run without a deadline.
  assert.ok(late.trajectory.length >= 1 && late.trajectory.length <= ges.trajectory.length);
  assert.deepEqual(late.trajectory, ges.trajectory.slice(0, late.trajectory.length));
  if (late.trajectory.length === ges.trajectory.length) assert.deepEqual(late.combiner, ges.combiner);
  // With a deadline that does not pass, the plan is the full one.
  assert.deepEqual(getSelector('stacking').select(problem.candidates, problem.y, metric, { seed: 2, deadline: Date.now() + 3_600_000 }), all);
});

test('stacking leaves members with only zero coefficients out of its combiner, predictions unchanged', () => {
  const problem = problems.find((p) => p.task === 'binary')!;
  const metric = getMetric('log_loss');
  const n = problem.y.length;
  // The best members with their two class columns swapped: anti-correlated with the label, so a non-negative
  // coefficient can only be 0.
  const flipped: Candidate[] = problem.candidates.slice(0, 4).map((c, i) => ({
    ...c,
    id: 1000 + i,
    predictions: Float64Array.from(c.predictions, (_, j) => c.predictions[j ^ 1]!),
  }));
  const candidates = [...problem.candidates, ...flipped];
  const result = getSelector('stacking').select(candidates, problem.y, metric, { seed: 1, maxPool: candidates.length });
  assert.equal(result.combiner.kind, 'stacking');
  if (result.combiner.kind !== 'stacking') return;
  const { model, memberIds } = result.combiner;
  assert.ok(memberIds.length < result.details!['poolSize']!, `${memberIds.length} of ${result.details!['poolSize']} members used`);
  assert.equal(result.details!['membersUsed'], memberIds.length);
  assert.equal(model.inputWidth, memberIds.length);
  // Every kept member has a non-zero coefficient.
  memberIds.forEach((_, m) => assert.ok(model.coefficients[m * 2 + 1] !== 0 || model.coefficients[m * 2] !== 0));
  const byId = new Map(candidates.map((c) => [c.id, c.predictions] as const));
  const p = combinePredictions(result.combiner, byId, n, 2);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(p[2 * i]! + p[2 * i + 1]! - 1) < 1e-12);
});
