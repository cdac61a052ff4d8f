import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdout } from '../../src/data/split.js';
import { takeFeatureRows, takeRows, targetLabels } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { getFamily } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { sampleProposal } from '../../src/search/config.js';
import { labelScale, pairwiseDiversity, fitDiversitySurrogate, samplePairs, type EvaluatedMember } from '../../src/search/diversity.js';
import { diversityChooser, diversityWeight } from '../../src/search/divbo.js';
import { createEncoder } from '../../src/search/encode.js';
import { loadSearchSpace } from '../../src/search/space.js';
import { spearman } from '../../src/util/ranks.js';
import type { TrialProposal } from '../../src/search/types.js';

test('pairwise diversity: 0 for identical members, 1 for opposite certain ones, scaled for regression', () => {
  const a = Float64Array.from([1, 0, 0, 1, 0.5, 0.5]);
  assert.equal(pairwiseDiversity(a, a, 2), 0);
  const b = Float64Array.from([0, 1, 1, 0, 0.5, 0.5]);
  assert.ok(Math.abs(pairwiseDiversity(a, b, 2) - 2 / 3) < 1e-12);
  const three = Float64Array.from([1, 0, 0]);
  const other = Float64Array.from([0, 0, 1]);
  assert.ok(Math.abs(pairwiseDiversity(three, other, 3) - 1) < 1e-12);
  const y = Float64Array.from([0, 2, 4, 6]);
  const sd = labelScale(y);
  assert.ok(Math.abs(sd - Math.sqrt(5)) < 1e-12);
  assert.ok(Math.abs(pairwiseDiversity(Float64Array.from([1, 2, 3, 4]), Float64Array.from([2, 2, 3, 2]), 1, sd) - 0.75 / sd) < 1e-12);
  assert.throws(() => pairwiseDiversity(a, three, 2), /equal-shaped/);
});

test('the diversity weight schedule starts at 0 and rises to beta / 2', () => {
  assert.equal(diversityWeight(0), 0);
  assert.ok(diversityWeight(5) > diversityWeight(1));
  assert.ok(Math.abs(diversityWeight(1000) - 0.025) < 1e-9);
  assert.ok(Math.abs(diversityWeight(10, 0.1, 0.5) - 0.1 * (1 / (1 + Math.exp(-5)) - 0.5)) < 1e-12);
});

test('pair sampling: all pairs when few, a distinct sample otherwise', () => {
  assert.equal(samplePairs(5, 100, new Rng(1)).length, 10);
  const sample = samplePairs(100, 300, new Rng(1));
  assert.equal(sample.length, 300);
  assert.equal(new Set(sample.map(([i, j]) => `${i},${j}`)).size, 300);
  assert.ok(sample.every(([i, j]) => i < j));
});


test('the diversity surrogate ranks held-out pairs of real members better than chance', async (t) => {
  const data = loadDatasetFile('../shared/datasets/diabetes.arff');
  const split = holdout(data.nRows, 0.3, 7, targetLabels(data) as Int32Array);
  const train = takeRows(data, split.train);
  const valid = takeFeatureRows(data, split.test);
  const space = loadSearchSpace('small');
  const rng = new Rng(2024);
  const members: EvaluatedMember[] = [];
  const controller = new AbortController();
  for (let i = 0; i < 24; i++) {
    const proposal: TrialProposal = sampleProposal(space, rng);
    const member = await getFamily(proposal.family).fit(train, proposal.config, { seed: i, signal: controller.signal, deadline: Infinity });
    members.push({ proposal, predictions: member.predict(valid) });
  }
  const fitted = members.slice(0, 16);
  const heldOut = members.slice(16);
  const encoder = createEncoder(space);
  const surrogate = fitDiversitySurrogate(fitted, 2, 1, encoder, 5);
  const a: TrialProposal[] = [];
  const b: TrialProposal[] = [];
  const truth: number[] = [];
  heldOut.forEach((h, i) => {
    for (const other of [...fitted, ...heldOut.slice(i + 1)]) {
      a.push(h.proposal);
      b.push(other.proposal);
      truth.push(pairwiseDiversity(h.predictions, other.predictions, 2));
    }
  });
  const rho = spearman(surrogate.predictPairs(a, b), Float64Array.from(truth));
  const report = `Spearman ${rho.toFixed(3)} on ${truth.length} held-out pairs`;
  t.diagnostic(report);
  assert.ok(rho > 0, report);
});

test('DivBO acquisition: EI alone at t = 0, diversity breaks near-ties later, lowest rank sum wins', () => {
  const pool: TrialProposal[] = [{ family: 'f', config: { x: 0 } }];
  const candidates: TrialProposal[] = [0.1, 0.5, 0.9].map((x) => ({ family: 'f', config: { x } }));
  // Predicted diversity grows with the distance in x.
  const grid = (a: readonly TrialProposal[], b: readonly TrialProposal[]): Float64Array =>
    Float64Array.from(a.flatMap((p) => b.map((q) => Math.abs((p.config.x as number) - (q.config.x as number)))));
  const chooser = diversityChooser(pool, grid, 0.05, 0.2);
  const ei = Float64Array.from([0.3, 0.2, 0.1]);
  assert.equal(chooser.choose(candidates, ei, 0), 0);
  assert.equal(chooser.choose(candidates, ei, 100), 0, 'a small weight cannot overturn clear EI ranks');
  const strong = diversityChooser(pool, grid, 4, 0.2);
  assert.equal(strong.choose(candidates, ei, 100), 2, 'with a large beta the most diverse candidate wins');
  const tied = Float64Array.from([0.2, 0.2, 0.2]);
  assert.equal(chooser.choose(candidates, tied, 50), 2, 'equal EI: the most diverse wins');
});
