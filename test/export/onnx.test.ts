/**
 * ONNX export (src/export/onnx/) checked with onnxruntime-node: on every shared dataset (binary, multiclass,
 * regression; categorical features, missing values), test rows with extra missing values and unseen categories
 * give the probabilities / values of our own predictor within 1e-5, and the same labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureTable } from '../../src/data/dataset.js';
import { exportOnnx } from '../../src/export/onnx/index.js';
import { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { Rng } from '../../src/util/random.js';
import { DATA, directEnsemble } from './helpers.js';
import { TREES_AND_LINEAR, trainTest, withMissingAndUnseen } from './onnx-cases.js';
import { maxAbsDiff, ort, runOnnx } from './onnx-helpers.js';

const TOLERANCE = 1e-5;
const datasets = (JSON.parse(readFileSync(join(DATA, 'index.json'), 'utf8')) as { name: string }[]).map((d) => d.name);

async function assertOnnxMatches(model: EnsembleModel, table: FeatureTable, what: string): Promise<number> {
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const ours = model.predictMatrix(table);
  const theirs = await runOnnx(session, model, table);
  const diff = maxAbsDiff(theirs.matrix, ours);
  assert.ok(diff <= TOLERANCE, `${what}: max |onnx - ours| = ${diff}`);
  if (model.task !== 'regression') {
    const labels = model.predict(table) as string[];
    // Labels agree except where two classes tie to rounding.
    const k = model.nOutputs;
    theirs.labels!.forEach((label, i) => {
      if (label === labels[i]) return;
      const row = ours.subarray(i * k, (i + 1) * k);
      const a = row[model.classes.indexOf(label)]!;
      const b = row[model.classes.indexOf(labels[i]!)]!;
      assert.ok(Math.abs(a - b) <= TOLERANCE, `${what}: row ${i} label ${label} vs ${labels[i]}`);
    });
  }
  return diff;
}

test('every shared dataset: tree and linear members, fold models averaged, missing and unseen values', async () => {
  let worst = 0;
  for (const name of datasets) {
    const { train, test } = trainTest(name);
    const model = await directEnsemble(train, TREES_AND_LINEAR, 2);
    worst = Math.max(worst, await assertOnnxMatches(model, test, `${name} test rows`));
    worst = Math.max(worst, await assertOnnxMatches(model, withMissingAndUnseen(test), `${name} with missing and unseen values`));
  }
  assert.ok(worst <= TOLERANCE);
  console.log(`ONNX vs ours on ${datasets.length} datasets: max abs diff ${worst.toExponential(2)}`);
});

test('MLP (batch norm, elu / tanh) and ml_random_forest members: binary with categories, multiclass, regression', async () => {
  for (const name of ['credit-g', 'vote', 'glass', 'boston']) {
    const { train, test } = trainTest(name);
    const model = await directEnsemble(
      train,
      [
        { family: 'mlp', config: { hidden_layers: 2, width: 8, max_epochs: 2, batch_norm: true, activation: name === 'glass' ? 'tanh' : 'elu' } },
        // On regression, a Gaussian head (its mean is the member's prediction); classification ignores the option.
        { family: 'mlp', config: { hidden_layers: 1, width: 6, max_epochs: 2, loss: 'gaussian_nll' } },
        { family: 'ml_random_forest', config: { n_estimators: 3, max_rows: 150, max_depth: 6 } },
      ],
      2,
    );
    await assertOnnxMatches(model, withMissingAndUnseen(test), `${name} mlp + ml_random_forest`);
  }
});

test('a stacking meta-model as the combiner (binary and multiclass)', async () => {
  for (const name of ['diabetes', 'iris']) {
    const { train, test } = trainTest(name);
    const weighted = await directEnsemble(train, [{ family: 'gbdt', config: { n_estimators: 5 } }, { family: 'linear' }], 2);
    const k = weighted.nOutputs;
    const columns = k === 2 ? 1 : k;
    const rng = new Rng(3);
    const inputWidth = 2 * columns;
    const stacked = new EnsembleModel({
      ...weighted.info(),
      method: 'stacking',
      combiner: {
        kind: 'stacking',
        memberIds: weighted.members.map((m) => m.id),
        model: {
          learner: 'logistic',
          nonNegative: false,
          nOutputs: k,
          inputWidth,
          regularization: 1,
          coefficients: Array.from({ length: inputWidth * k }, () => rng.uniform(-2, 2)),
          intercepts: Array.from({ length: k }, () => rng.uniform(-1, 1)),
        },
      },
    });
    await assertOnnxMatches(stacked, withMissingAndUnseen(test), `${name} stacking`);
  }
});

test('the graph: one input per feature (double or string), outputs label and probabilities, metadata', async () => {
  const { train } = trainTest('credit-g');
  const model = await directEnsemble(train, [{ family: 'linear' }], 2);
  const session = await ort.InferenceSession.create(exportOnnx(model));
  assert.deepEqual([...session.inputNames].sort(), model.schema.map((f) => f.name).sort());
  assert.deepEqual([...session.outputNames].sort(), ['label', 'probabilities']);
  const regressor = await directEnsemble(trainTest('cpu').train, [{ family: 'linear' }], 2);
  const regression = await ort.InferenceSession.create(exportOnnx(regressor));
  assert.deepEqual([...regression.outputNames], ['prediction']);
});
