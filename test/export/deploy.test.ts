/**
 * Deployment forms (src/export/deploy.ts): exact / fast / small from one stored run, their out-of-fold bookkeeping,
 * tree trimming, the manifest section, and the options' errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { autoEnsemble, loadRunEnsemble, reEnsemble } from '../../src/api/auto-ensemble.js';
import type { AutoEnsembleResult } from '../../src/api/types.js';
import { takeRows, type Dataset } from '../../src/data/dataset.js';
import { datasetFolds } from '../../src/data/split.js';
import { loadBundle } from '../../src/export/bundle.js';
import { DEFAULT_DEPLOY_TOLERANCE, deployEnsemble } from '../../src/export/deploy.js';
import { getMetric } from '../../src/metrics/index.js';
import { getFamily } from '../../src/models/registry.js';
import { TreeMember } from '../../src/models/trees/member.js';
import { predictRawInto } from '../../src/models/trees/predictor.js';
import { SqliteStore } from '../../src/store/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { assertBitIdentical, directEnsemble, loadShared, QUICK, tempDir } from './helpers.js';

const tmp = tempDir('ae-deploy-');
const store = join(tmp.path, 'runs.db');
let data: Dataset;
let exact: AutoEnsembleResult;

before(async () => {
  data = loadShared('diabetes');
  // Forests of 40 trees so that trimming has room; GES over a handful of members.
  const space = {
    name: 'deploy-test',
    families: {
      random_forest: { hyperparameters: { n_estimators: { type: 'constant', value: 40 }, min_samples_leaf: { type: 'int', low: 1, high: 10, default: 3 } } },
      extra_trees: { hyperparameters: { n_estimators: { type: 'constant', value: 40 }, min_samples_leaf: { type: 'int', low: 1, high: 10, default: 3 } } },
      linear: { hyperparameters: { l2: { type: 'float', low: 0.001, high: 1000, log: true, default: 1 } } },
    },
  };
  exact = await autoEnsemble(data, { ...QUICK, searchSpace: space, maxTrials: 6, ensemble: 'ges', deploy: 'exact', store });
});

after(() => tmp.done());

test('exact keeps every selected member with its fold models and no deployment record', () => {
  assert.equal(exact.ensemble.deployment, undefined);
  for (const m of exact.ensemble.members) assert.equal(m.models.length, 3);
});

test('fast: one refit model per kept member, dropped + kept = selected, loss within the tolerance', async () => {
  const fast = await loadRunEnsemble(exact.runId, { store, deploy: 'fast', dataset: data });
  const d = fast.ensemble.deployment!;
  assert.equal(d.form, 'fast');
  assert.equal(d.tolerance, DEFAULT_DEPLOY_TOLERANCE);
  const kept = fast.ensemble.members.map((m) => m.id);
  assert.deepEqual([...kept, ...d.droppedMembers].sort(), exact.ensemble.members.map((m) => m.id).sort());
  for (const m of fast.ensemble.members) assert.equal(m.models.length, 1);
  const weights = fast.ensemble.combiner.kind === 'weights' ? fast.ensemble.combiner.weights : [];
  assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(fast.members.map((m) => m.trialId), kept, 'the result summary lists the deployed members');
  assert.equal(d.exactValidationScore, exact.validationScore);
  assert.ok(d.validationLossIncrease <= DEFAULT_DEPLOY_TOLERANCE * Math.abs(exact.validationScore) + 1e-12, String(d.validationLossIncrease));
  assert.deepEqual(d.trimmedTrees, []);
});

test('tolerance 0 never makes the out-of-fold score worse; refit: true is that form', async () => {
  const strict = await loadRunEnsemble(exact.runId, { store, refit: true, dataset: data });
  assert.equal(strict.ensemble.deployment!.form, 'fast');
  assert.equal(strict.ensemble.deployment!.tolerance, 0);
  assert.ok(strict.ensemble.deployment!.validationLossIncrease <= 0);
});

test('small trims forests to a prefix of their trees, and the bundle keeps the deployment record', async () => {
  const small = await loadRunEnsemble(exact.runId, { store, deploy: 'small', deployTolerance: 0.01, dataset: data });
  const d = small.ensemble.deployment!;
  assert.equal(d.form, 'small');
  assert.ok(d.trimmedTrees.length > 0, 'a 1% budget trims at least one 40-tree forest');
  for (const t of d.trimmedTrees) {
    assert.ok(t.trees < t.from && t.trees >= 8, JSON.stringify(t));
    const model = small.ensemble.members.find((m) => m.id === t.id)!.models[0]!;
    assert.ok(model instanceof TreeMember && model.treeCount === t.trees);
  }
  assert.ok(d.validationLossIncrease <= 0.01 * Math.abs(exact.validationScore) + 1e-12);
  const dir = join(tmp.path, 'small');
  small.save(dir);
  const loaded = await loadBundle(dir);
  assert.deepEqual(loaded.deployment, d);
  assertBitIdentical(loaded.predictMatrix(data), small.ensemble.predictMatrix(data), 'small bundle');
});

test('fold models, each on its own held-out rows, reproduce the stored out-of-fold predictions deploy decides on', () => {
  const member = exact.ensemble.members.find((m) => m.models[0] instanceof TreeMember)!;
  const folds = datasetFolds(data, 3, QUICK.seed);
  const k = exact.ensemble.nOutputs;
  const db = new SqliteStore(store);
  const stored = db.readPredictions([member.id], 'oof', 'float64').member(0);
  db.close();
  const rebuilt = new Float64Array(stored.length);
  for (const [f, fold] of folds.entries()) {
    const model = member.models[f] as TreeMember;
    const p = model.withFirstTrees(model.treeCount).predict(takeRows(data, fold.test));
    fold.test.forEach((row, i) => {
      for (let c = 0; c < k; c++) rebuilt[row * k + c] = p[i * k + c]!;
    });
  }
  // The store keeps predictions as float32.
  assertBitIdentical(Float64Array.from(rebuilt, Math.fround), Float64Array.from(stored), 'out-of-fold predictions');
});

test('firstTrees: a prefix model sums exactly what the full model sums over its first trees', async () => {
  const member = exact.ensemble.members.find((m) => m.models[0] instanceof TreeMember)!;
  const model = member.models[0] as TreeMember;
  const trimmed = model.withFirstTrees(5);
  assert.equal(trimmed.treeCount, 5);
  // A forest averages its trees: 5 * (prefix mean) equals the full model's raw sum over trees 0..4.
  const trees = (model as unknown as { trees: Parameters<typeof predictRawInto>[0] }).trees;
  const encoder = (model as unknown as { encoder: { transform(t: Dataset): Parameters<typeof predictRawInto>[1] } }).encoder;
  const X = encoder.transform(data);
  const raw = new Float64Array(data.nRows * model.nOutputs);
  predictRawInto(trees, X, raw, 0, 5);
  const p = trimmed.predict(data);
  for (let i = 0; i < raw.length; i++) assert.equal(p[i], raw[i]! / 5);
});

test('bad deployment options are refused with the reason', async () => {
  await assert.rejects(autoEnsemble(data, { store, maxTrials: 1, deploy: 'tiny' as never }), (e: unknown) => e instanceof ConfigError && /deploy must be one of exact, fast, small/.test(e.message));
  await assert.rejects(autoEnsemble(data, { store, maxTrials: 1, deployTolerance: -1 }), /deployTolerance must be a non-negative number/);
  await assert.rejects(autoEnsemble(data, { store, maxTrials: 1, refit: true, deploy: 'exact' }), /refit: true contradicts deploy: 'exact'/);
  await assert.rejects(reEnsemble(exact.runId, { store, ensemble: 'ges', deploy: 'small' }), /needs the run's training data/);
  await assert.rejects(loadRunEnsemble(exact.runId, { store, deploy: 'fast', dataset: loadShared('credit-g') }), /own training data/);
});

test('MLP members keep their fold models in the refit forms (their accuracy is the average of the fold networks)', async () => {
  const part = takeRows(data, Int32Array.from({ length: 300 }, (_, i) => i));
  const model = await directEnsemble(part, [{ family: 'mlp', config: { hidden_layers: 1, width: 4, max_epochs: 2 } }, { family: 'linear' }], 2);
  const folds = datasetFolds(part, 2, 1);
  const oof = new Map<number, Float64Array>();
  for (const member of model.members) {
    const out = new Float64Array(part.nRows * 2);
    folds.forEach((fold, f) => {
      const p = member.models[f]!.predict(takeRows(part, fold.test));
      fold.test.forEach((row, i) => out.set(p.subarray(2 * i, 2 * i + 2), 2 * row));
    });
    oof.set(member.id, out);
  }
  const refitted: string[] = [];
  const deployed = await deployEnsemble(model, {
    form: 'fast',
    tolerance: 0,
    data: part,
    folds,
    metric: getMetric('log_loss', 'binary'),
    oof,
    refit: async (member) => {
      refitted.push(member.family);
      return getFamily(member.family).fit(part, member.config, { seed: 1, signal: new AbortController().signal, deadline: Infinity });
    },
  });
  assert.ok(!refitted.includes('mlp'), 'the MLP is never refit');
  const mlp = deployed.members.find((m) => m.family === 'mlp');
  if (mlp !== undefined) assert.equal(mlp.models.length, 2);
  for (const m of deployed.members.filter((x) => x.family !== 'mlp')) assert.equal(m.models.length, 1);
});
