// Every scikit-learn reference case in ../shared/reference/metrics.json, matched to 1e-9.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Task } from '../../src/data/dataset.js';
import { getMetric, type MetricName } from '../../src/metrics/index.js';

interface ReferenceCase {
  task: Task;
  y: number[];
  proba?: number[][];
  pred?: number[];
  expected: Record<string, number>;
}

const reference = JSON.parse(readFileSync('../shared/reference/metrics.json', 'utf8')) as { cases: ReferenceCase[] };

/** scikit-learn names in the file -> our metric names. */
const NAME_MAP: Record<string, MetricName> = { roc_auc_ovr_macro: 'roc_auc' };

function flatten(c: ReferenceCase): { y: Int32Array | Float64Array; pred: Float64Array; k: number } {
  if (c.task === 'regression') return { y: Float64Array.from(c.y), pred: Float64Array.from(c.pred!), k: 1 };
  const k = c.proba![0]!.length;
  return { y: Int32Array.from(c.y), pred: Float64Array.from(c.proba!.flat()), k };
}

test('the reference file covers every metric', () => {
  const covered = new Set<string>(reference.cases.flatMap((c) => Object.keys(c.expected).map((name) => NAME_MAP[name] ?? name)));
  for (const name of ['accuracy', 'balanced_accuracy', 'f1', 'f1_macro', 'log_loss', 'roc_auc', 'rmse', 'mae', 'r2']) {
    assert.ok(covered.has(name), `no reference case for ${name}`);
  }
});

for (const [index, c] of reference.cases.entries()) {
  for (const [sklearnName, expected] of Object.entries(c.expected)) {
    const name = NAME_MAP[sklearnName] ?? (sklearnName as MetricName);
    test(`case ${index} (${c.task}): ${sklearnName} matches scikit-learn`, () => {
      const { y, pred, k } = flatten(c);
      const metric = getMetric(name, c.task);
      const score = metric.score(y, pred, k);
      assert.ok(Math.abs(score - expected) <= 1e-9, `${name}: got ${score}, scikit-learn ${expected}`);
      const loss = metric.loss(y, pred, k);
      assert.equal(loss, metric.higherIsBetter ? -score : score);
    });
  }
}

test('float32 predictions score like their float64 values', () => {
  const c = reference.cases.find((x) => x.task === 'multiclass')!;
  const { y, pred, k } = flatten(c);
  const pred32 = Float32Array.from(pred);
  const widened = Float64Array.from(pred32);
  for (const name of ['log_loss', 'roc_auc', 'accuracy', 'f1_macro'] as const) {
    const metric = getMetric(name);
    assert.equal(metric.score(y, pred32, k), metric.score(y, widened, k));
  }
});
