/**
 * Rank statistics against values from scipy's documentation examples and hand computations
 * (scipy 1.10: stats.wilcoxon, stats.friedmanchisquare, stats.chi2.sf).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  chiSquaredSurvival,
  friedmanTest,
  holmAdjust,
  wilcoxonSignedRank,
} from '../../src/bench/stats.js';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

test('averageRanks gives tied values their mean rank (scipy rankdata)', () => {
  assert.deepEqual([...averageRanks([10, 20, 10, 30, 20, 20])], [1.5, 4, 1.5, 6, 4, 4]);
  assert.deepEqual([...averageRanks([3])], [1]);
});

test('chi-squared survival matches scipy.stats.chi2.sf', () => {
  close(chiSquaredSurvival(3.5, 7), 0.8352254826103422, 1e-12, 'sf(3.5, 7)');
  close(chiSquaredSurvival(40, 3), 1.065509033425585e-8, 1e-18, 'sf(40, 3)');
  close(chiSquaredSurvival(0.5, 1), 0.47950012218695337, 1e-12, 'sf(0.5, 1)');
  // df = 2 has the closed form exp(-x / 2).
  close(chiSquaredSurvival(10.571428571428571, 2), Math.exp(-10.571428571428571 / 2), 1e-15, 'sf(x, 2)');
  assert.equal(chiSquaredSurvival(0, 4), 1);
});

test('Wilcoxon signed-rank, exact: scipy docs example (statistic 24, p = 0.041259765625)', () => {
  const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
  const r = wilcoxonSignedRank(d);
  assert.equal(r.method, 'exact');
  assert.equal(r.statistic, 24);
  assert.equal(r.wMinus, 24);
  assert.equal(r.wPlus, 96);
  close(r.pValue, 0.041259765625, 1e-15, 'p');
  // Paired form gives the same: x - y = d.
  const y = d.map((_, i) => 100 + i);
  const x = d.map((v, i) => y[i]! + v);
  assert.equal(wilcoxonSignedRank(x, y).pValue, r.pValue);
});

test('Wilcoxon signed-rank with ties uses the tie-corrected normal approximation (scipy method=approx)', () => {
  const d = [1, 2, 2, 3, -1, 4, 5, 5, 6, -2, 7, 8];
  const r = wilcoxonSignedRank(d);
  assert.equal(r.method, 'normal');
  assert.equal(r.statistic, 5.5);
  close(r.pValue, 0.008437510017470243, 2e-8, 'p');
});

test('Wilcoxon signed-rank beyond 50 pairs uses the normal approximation (scipy)', () => {
  const d = Array.from({ length: 60 }, (_, i) => i + 1);
  d[3] = -4;
  d[10] = -11;
  const r = wilcoxonSignedRank(d);
  assert.equal(r.method, 'normal');
  assert.equal(r.statistic, 15);
  close(r.pValue, 3.4620901010512977e-11, 1e-16, 'p');
});

test('Wilcoxon drops zero differences; all zeros give p = 1', () => {
  assert.equal(wilcoxonSignedRank([0, 0, 0]).pValue, 1);
  const r = wilcoxonSignedRank([0, 6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75, 0]);
  assert.equal(r.n, 15);
  close(r.pValue, 0.041259765625, 1e-15, 'p');
  // Smallest possible exact p for n = 5 all positive: 2 / 32.
  assert.equal(wilcoxonSignedRank([1, 2, 3, 4, 5]).pValue, 0.0625);
});

test('Friedman test: scipy docs example (chi2 = 10.5714, p = 0.0050634)', () => {
  const before = [72, 96, 88, 92, 74, 76, 82];
  const after = [120, 120, 132, 120, 101, 96, 112];
  const five = [76, 95, 104, 96, 84, 72, 76];
  const scores = before.flatMap((b, i) => [b, after[i]!, five[i]!]);
  const r = friedmanTest(scores, 7, 3, false);
  close(r.statistic, 10.57142857142857, 1e-12, 'statistic');
  close(r.pValue, 0.005063414171757498, 1e-15, 'p');
  assert.equal(r.df, 2);
  // Rank sums by hand: 10, 21, 11 (lower value = rank 1 with higherIsBetter = false).
  assert.deepEqual([...r.averageRanks].map((x) => x * 7), [10, 21, 11]);
  // Orientation flips the ranks but not the statistic.
  const flipped = friedmanTest(scores, 7, 3, true);
  close(flipped.statistic, r.statistic, 1e-12, 'flipped');
  assert.deepEqual([...flipped.averageRanks].map((x) => x * 7), [18, 7, 17]);
});

test('Friedman test with ties applies scipy\'s tie correction', () => {
  const a = [0.9, 0.8, 0.7, 0.95, 0.6];
  const b = [0.85, 0.8, 0.75, 0.9, 0.55];
  const c = [0.7, 0.6, 0.65, 0.8, 0.5];
  const d = [0.9, 0.81, 0.7, 0.96, 0.59];
  const scores = a.flatMap((_, i) => [a[i]!, b[i]!, c[i]!, d[i]!]);
  const r = friedmanTest(scores, 5, 4);
  close(r.statistic, 10.914893617021267, 1e-9, 'statistic');
  close(r.pValue, 0.012195092920840431, 1e-9, 'p');
  const tied = friedmanTest([1, 2, 3, 2, 2, 1, 2, 3, 1, 3, 1, 2], 4, 3);
  close(tied.statistic, 0.4, 1e-12, 'small');
  close(tied.pValue, 0.8187307530779818, 1e-12, 'small p');
});

test('Holm adjustment is monotone step-down and capped at 1', () => {
  const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.5]);
  // sorted: 0.01*4 = 0.04, 0.03*3 = 0.09, 0.04*2 = 0.08 -> max(0.09, 0.08) = 0.09, 0.5*1 = 0.5
  assert.deepEqual(
    adjusted.map((p) => Number(p.toFixed(10))),
    [0.04, 0.09, 0.09, 0.5],
  );
  assert.deepEqual(holmAdjust([0.6, 0.7]), [1, 1]);
});
