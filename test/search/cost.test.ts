import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costAdjusted, CostModel, EXCLUDE_FACTOR, MIN_TIME_SHARE } from '../../src/search/cost.js';
import type { TrialOutcome } from '../../src/search/types.js';
import { mixedSpace } from './fixtures.js';

const outcome = (trialId: number, family: string, status: TrialOutcome['status'], seconds: number): TrialOutcome => ({
  trialId, family, config: {}, status, seconds, ...(status === 'done' ? { loss: 1 } : {}),
});

test('cost model: told durations, capped priors, exclusion, and the time share a trial needs to start', () => {
  const prior = (family: string): number | undefined => ({ alpha: 100, beta: 4 })[family];
  const limit = 10;
  const model = new CostModel([outcome(0, 'beta', 'done', 2), outcome(1, 'beta', 'done', 4), outcome(2, 'tiny', 'timeout', 3)], prior, limit);
  assert.equal(model.familySeconds('beta'), 3, 'median of told durations');
  assert.equal(model.familySeconds('alpha'), limit, 'an untried family: its prior, capped at the limit');
  assert.equal(model.familySeconds('gamma'), 1, 'no prior, untried: 1 s, so it gets measured');
  assert.ok(model.excluded('alpha'), `prior 100 s > ${EXCLUDE_FACTOR} x the 10 s limit`);
  assert.ok(!model.excluded('beta') && !model.excluded('tiny'));
  const context = { secondsLeft: 2, trialLimit: limit, progress: 0.5 };
  assert.ok(model.fits('beta', 3, context), `beta needs ${MIN_TIME_SHARE} x 3 s`);
  assert.ok(!model.fits('tiny', 3, context), 'a family that timed out needs its whole predicted time');
  assert.ok(model.fits('tiny', 3, undefined), 'no context: time is no constraint');
  assert.deepEqual(model.feasibleFamilies(mixedSpace(), context), ['beta']);
  assert.deepEqual(model.feasibleFamilies(mixedSpace(), { ...context, secondsLeft: 1 }), []);
  assert.deepEqual(model.feasibleFamilies(mixedSpace(), { ...context, secondsLeft: 3 }), ['beta', 'tiny']);
});

test('EI per cost with cost cooling: cost weighs fully at the start, not at all at the end', () => {
  const ei = Float64Array.of(1, 2);
  const seconds = Float64Array.of(1, 8);
  assert.deepEqual(Array.from(costAdjusted(ei, seconds, 0)), [1, 0.25]);
  assert.deepEqual(Array.from(costAdjusted(ei, seconds, 1)), [1, 2]);
  const half = costAdjusted(ei, seconds, 0.5);
  assert.ok(Math.abs(half[1]! - 2 / Math.sqrt(8)) < 1e-12);
});
