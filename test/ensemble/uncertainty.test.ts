/**
 * The uncertainty split's identities on random inputs: entropy of the mixture = expected member entropy + mutual
 * information (classification), the law of total variance (regression); and the edge cases a user can rely on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationUncertainty, gaussianNll, regressionUncertainty, type MixtureComponent } from '../../src/ensemble/uncertainty.js';
import { DataError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

function randomWeights(rng: Rng, m: number): number[] {
  const raw: number[] = Array.from({ length: m }, () => (rng.next() < 0.2 ? 0 : rng.next()));
  if (!raw.some((w) => w > 0)) raw[0] = 1;
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / sum);
}

/** Random probability rows, some sharp (near one-hot), some with exact zeros. */
function randomProbabilities(rng: Rng, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const sharp = rng.next() < 0.3 ? 8 : 1;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += p[i * k + c] = rng.next() < 0.1 ? 0 : Math.exp(sharp * rng.normal());
    if (sum === 0) sum = p[i * k] = 1;
    for (let c = 0; c < k; c++) p[i * k + c]! /= sum;
  }
  return p;
}

function entropy(p: Float64Array, row: number, k: number): number {
  let h = 0;
  for (let c = 0; c < k; c++) {
    const q = p[row * k + c]!;
    if (q > 0) h -= q * Math.log(q);
  }
  return h;
}

describe('classification uncertainty split', () => {
  it('total = aleatoric + epistemic on random mixtures (to rounding), each part >= 0, total <= log k', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const k = 2 + rng.int(9);
      const m = 1 + rng.int(8);
      const n = 20;
      const weights = randomWeights(rng, m);
      const components: MixtureComponent[] = weights.map((weight) => ({ weight, predictions: randomProbabilities(rng, n, k) }));
      const { total, aleatoric, epistemic } = classificationUncertainty(components, n, k);
      const mean = new Float64Array(n * k);
      for (const c of components) for (let i = 0; i < n * k; i++) mean[i]! += c.weight * c.predictions[i]!;
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(total[i]! - (aleatoric[i]! + epistemic[i]!)) <= 1e-12 * Math.max(1, total[i]!), `identity broken: ${total[i]} vs ${aleatoric[i]} + ${epistemic[i]}`);
        assert.ok(Math.abs(total[i]! - entropy(mean, i, k)) <= 1e-12, 'total is the entropy of the weighted mean');
        let expected = 0;
        for (const c of components) expected += c.weight * entropy(c.predictions as Float64Array, i, k);
        assert.ok(Math.abs(aleatoric[i]! - expected) <= 1e-12, 'aleatoric is the weighted member entropy');
        assert.ok(epistemic[i]! >= 0 && aleatoric[i]! >= 0);
        assert.ok(total[i]! <= Math.log(k) + 1e-12);
      }
    }
  });

  it('one member, or members that agree, have no epistemic uncertainty; disagreeing sure members have only epistemic', () => {
    const p = Float64Array.from([0.2, 0.5, 0.3, 1, 0, 0]);
    const one = classificationUncertainty([{ weight: 1, predictions: p }], 2, 3);
    assert.deepEqual(Array.from(one.epistemic), [0, 0]);
    const agree = classificationUncertainty([{ weight: 0.3, predictions: p }, { weight: 0.7, predictions: p.slice() }], 2, 3);
    for (const e of agree.epistemic) assert.ok(e < 1e-15);
    const sure = classificationUncertainty([
      { weight: 0.5, predictions: Float64Array.from([1, 0]) },
      { weight: 0.5, predictions: Float64Array.from([0, 1]) },
    ], 1, 2);
    assert.equal(sure.aleatoric[0], 0);
    assert.ok(Math.abs(sure.epistemic[0]! - Math.log(2)) < 1e-15, 'two sure, opposite members: log 2 nats of mutual information');
  });
});

describe('regression uncertainty split (law of total variance)', () => {
  it('total = aleatoric + epistemic exactly, and equals the mixture variance E[y^2] - E[y]^2 on random inputs', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 200; trial++) {
      const m = 1 + rng.int(8);
      const n = 30;
      const scale = 10 ** rng.uniform(-3, 3);
      const weights = randomWeights(rng, m);
      const components: MixtureComponent[] = weights.map((weight) => ({
        weight,
        predictions: Float64Array.from({ length: n }, () => scale * rng.normal()),
        ...(rng.next() < 0.8 ? { variance: Float64Array.from({ length: n }, () => (scale * rng.normal()) ** 2) } : {}),
      }));
      const { total, aleatoric, epistemic, mean } = regressionUncertainty(components, n);
      for (let i = 0; i < n; i++) {
        assert.equal(total[i], aleatoric[i]! + epistemic[i]!);
        let second = 0;
        for (const c of components) second += c.weight * ((c.variance?.[i] ?? 0) + c.predictions[i]! ** 2);
        const direct = second - mean[i]! ** 2;
        assert.ok(Math.abs(total[i]! - direct) <= 1e-9 * Math.max(second, 1e-300), `${total[i]} vs ${direct}`);
        assert.ok(epistemic[i]! >= 0 && aleatoric[i]! >= 0);
      }
    }
  });

  it('refuses weights that do not sum to 1 and mis-shaped inputs', () => {
    const p = new Float64Array(3);
    assert.throws(() => regressionUncertainty([{ weight: 0.5, predictions: p }], 3), DataError);
    assert.throws(() => regressionUncertainty([{ weight: 1, predictions: p, variance: new Float64Array(2) }], 3), DataError);
    assert.throws(() => classificationUncertainty([], 1, 2), DataError);
  });

  it('gaussianNll is the mean negative log density', () => {
    const nll = gaussianNll(Float64Array.from([1, 3]), Float64Array.from([0, 3]), Float64Array.from([4, 1]));
    const expected = (0.5 * (Math.log(2 * Math.PI * 4) + 1 / 4) + 0.5 * Math.log(2 * Math.PI)) / 2;
    assert.ok(Math.abs(nll - expected) < 1e-15);
  });
});
