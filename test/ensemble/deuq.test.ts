/**
 * The `deuq` selector (AutoDEUQ): greedy by the mixture's negative log-likelihood, using members' predicted
 * variances; its top-k variant; its trajectory. The generic Selector contract is in selector-conformance.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deuqSelect } from '../../src/ensemble/deuq.js';
import { greedyEnsembleSelection } from '../../src/ensemble/ges.js';
import type { Candidate } from '../../src/ensemble/types.js';
import { gaussianNll } from '../../src/ensemble/uncertainty.js';
import { getMetric } from '../../src/metrics/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

/** Noise sd 0.2 on half the rows and 2 on the other half; candidates see the truth with errors of their own. */
function heteroscedasticProblem(seed: number): { y: Float64Array; sd: Float64Array; candidates: Candidate[] } {
  const rng = new Rng(seed);
  const n = 2000;
  const sd = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.2 : 2));
  const y = Float64Array.from(sd, (s) => s * rng.normal());
  // The true mean is 0 everywhere: a candidate's predictions are its own errors.
  const noisyMean = (error: number): Float64Array => Float64Array.from({ length: n }, () => error * rng.normal());
  // A: knows the noise (variance = sd^2), mean error sd 0.3. B: a slightly better mean (0.25), no variance.
  // C: a variance of the wrong shape (large where the noise is small).
  const a = noisyMean(0.3);
  const b = noisyMean(0.25);
  const c = noisyMean(0.3);
  return {
    y,
    sd,
    candidates: [
      { id: 1, family: 'random_forest', config: {}, predictions: a, variance: Float64Array.from(sd, (s) => s * s) },
      { id: 2, family: 'gbdt', config: {}, predictions: b },
      { id: 3, family: 'extra_trees', config: {}, predictions: c, variance: Float64Array.from(sd, (s) => 4.04 - s * s) },
    ],
  };
}

describe('deuq selector', () => {
  it('prefers the member whose variance follows the noise over a more accurate member without one', () => {
    const { y, candidates } = heteroscedasticProblem(1);
    const rmse = getMetric('rmse');
    const ges = greedyEnsembleSelection(candidates, y, rmse, { seed: 1 });
    const deuq = deuqSelect(candidates, y, rmse, { seed: 1 });
    assert.equal(deuq.combiner.kind, 'weights');
    assert.ok(deuq.combiner.memberIds.includes(1), `deuq picked ${deuq.combiner.memberIds.join(', ')}`);
    const weightOf = (result: typeof deuq, id: number): number =>
      result.combiner.kind === 'weights' ? result.combiner.weights[result.combiner.memberIds.indexOf(id)] ?? 0 : 0;
    assert.ok(weightOf(deuq, 1) > 0.5, 'the informative-variance member carries the mixture');
    assert.ok(weightOf(ges, 2) >= weightOf(ges, 1), 'GES on RMSE does not see variances');
    // Trajectory: mixture NLL after each pick, strictly decreasing; it ends where the greedy stopped.
    for (let i = 1; i < deuq.trajectory.length; i++) assert.ok(deuq.trajectory[i]! < deuq.trajectory[i - 1]!);
    assert.ok(deuq.trajectory[0]! < gaussianNll(y, candidates[1]!.predictions, new Float64Array(y.length).fill(0.25 ** 2 + 2.02)));
  });

  it('top-k averages the k candidates of lowest own NLL; options are checked', () => {
    const { y, candidates } = heteroscedasticProblem(2);
    const rmse = getMetric('rmse');
    const top1 = deuqSelect(candidates, y, rmse, { strategy: 'top-k', size: 1 });
    assert.deepEqual(top1.combiner.memberIds, [1]);
    const top2 = deuqSelect(candidates, y, rmse, { strategy: 'top-k', size: 2 });
    assert.equal(top2.combiner.memberIds.length, 2);
    assert.deepEqual(top2.combiner.kind === 'weights' ? top2.combiner.weights : [], [0.5, 0.5]);
    assert.throws(() => deuqSelect(candidates, y, rmse, { strategy: 'best' as 'greedy' }), ConfigError);
    assert.throws(() => deuqSelect(candidates, y, rmse, { depth: 3 }), (e: unknown) => e instanceof ConfigError && /unknown option 'depth'/.test(e.message));
  });

  it('classification: greedy on the log loss of the mixture, stopping when a pick no longer helps', () => {
    const rng = new Rng(4);
    const n = 500;
    const y = Int32Array.from({ length: n }, () => rng.int(3));
    const member = (skill: number): Float64Array => {
      const p = new Float64Array(n * 3);
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let c = 0; c < 3; c++) z += p[i * 3 + c] = Math.exp((c === y[i] ? skill : 0) + rng.normal());
        for (let c = 0; c < 3; c++) p[i * 3 + c]! /= z;
      }
      return p;
    };
    const candidates: Candidate[] = [1.5, 1.2, 0.2].map((skill, j) => ({ id: j + 1, family: 'gbdt', config: {}, predictions: member(skill) }));
    const result = deuqSelect(candidates, y, getMetric('log_loss'));
    const logLoss = getMetric('log_loss');
    for (let i = 1; i < result.trajectory.length; i++) assert.ok(result.trajectory[i]! < result.trajectory[i - 1]!);
    assert.ok(result.trajectory.length < 25, 'stops before the round limit');
    const own = candidates.map((c) => logLoss.loss(y, c.predictions, 3));
    assert.ok(result.trajectory[0]! <= Math.min(...own) + 1e-12, 'starts from the best single candidate');
  });
});
