import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { autoEnsemble, reEnsemble } from '../../src/api/auto-ensemble.js';
import type { AutoEnsembleResult } from '../../src/api/types.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadBundle, type BundleManifest } from '../../src/export/bundle.js';
import { assertBitIdentical, loadShared, QUICK, rowsOf, tempDir } from './helpers.js';

/** Save `result`, load the bundle, and check it predicts bit-identical numbers on the table and on JSON-like rows. */
async function assertRoundTrip(result: AutoEnsembleResult, data: Dataset, dir: string): Promise<BundleManifest> {
  const bytes = result.save(dir);
  assert.ok(bytes > 0, 'bundle size reported');
  const loaded = await loadBundle(dir);
  assert.equal(loaded.task, result.task);
  assert.deepEqual(loaded.classes, result.classes);
  assert.deepEqual(loaded.schema, result.ensemble.schema);
  assertBitIdentical(loaded.predictMatrix(data), result.ensemble.predictMatrix(data), `${data.name} table`);
  const rows = rowsOf(data, 60);
  assertBitIdentical(loaded.predictMatrix(rows), result.ensemble.predictMatrix(rows), `${data.name} rows`);
  assertBitIdentical(loaded.predictMatrix(rows), result.ensemble.predictMatrix(data).subarray(0, 60 * loaded.nOutputs), `${data.name} rows vs table`);
  if (result.task !== 'regression') assert.deepEqual(loaded.predict(rows), result.ensemble.predict(rows));
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
}

test('binary with nominal features (credit-g): weighted (ges) and stacking bundles predict bit-identically', async () => {
  const tmp = tempDir();
  try {
    const data = loadShared('credit-g');
    const result = await autoEnsemble(data, { ...QUICK, maxTrials: 5, ensemble: 'ges', deploy: 'exact', store: join(tmp.path, 'runs.db') });
    const manifest = await assertRoundTrip(result, data, join(tmp.path, 'ges'));
    assert.equal(manifest.format, 'auto-ensemble-bundle');
    assert.equal(manifest.task, 'binary');
    assert.equal(manifest.target, 'class');
    assert.equal(manifest.combiner.kind, 'weights');
    assert.equal(manifest.metric, 'roc_auc');
    assert.equal(manifest.features.length, 20);
    const purpose = manifest.features.find((f) => f.name === 'purpose');
    assert.ok(purpose?.kind === 'categorical' && purpose.categories!.includes('radio/tv'));
    for (const m of manifest.members) assert.equal(m.models.length, 3, 'one model per fold without refit');
    assert.ok(Math.abs(manifest.members.reduce((s, m) => s + m.weight, 0) - 1) < 1e-9);

    const stacked = await reEnsemble(result.runId, { ensemble: 'stacking', store: join(tmp.path, 'runs.db') });
    const stackedManifest = await assertRoundTrip(stacked, data, join(tmp.path, 'stacking'));
    assert.equal(stackedManifest.combiner.kind, 'stacking');
  } finally {
    tmp.done();
  }
});

test('multiclass (glass) with refit: one model per member, bit-identical after loading', async () => {
  const tmp = tempDir();
  try {
    const data = loadShared('glass');
    const result = await autoEnsemble(data, { ...QUICK, maxTrials: 4, ensemble: 'stacking', refit: true, store: join(tmp.path, 'runs.db') });
    const manifest = await assertRoundTrip(result, data, join(tmp.path, 'bundle'));
    assert.equal(manifest.task, 'multiclass');
    assert.equal(manifest.classes.length, 6);
    assert.equal(manifest.combiner.kind, 'stacking');
    for (const m of manifest.members) assert.equal(m.models.length, 1, 'refit keeps one model per member');
    const proba = (await loadBundle(join(tmp.path, 'bundle'))).predictProba(rowsOf(data, 3));
    for (const row of proba) assert.ok(Math.abs(Object.values(row).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  } finally {
    tmp.done();
  }
});

test('regression (boston): weighted and stacking bundles predict bit-identical values', async () => {
  const tmp = tempDir();
  try {
    const data = loadShared('boston');
    const result = await autoEnsemble(data, { ...QUICK, maxTrials: 4, ensemble: 'ges', store: join(tmp.path, 'runs.db') });
    const manifest = await assertRoundTrip(result, data, join(tmp.path, 'ges'));
    assert.equal(manifest.task, 'regression');
    assert.deepEqual(manifest.classes, []);
    const loaded = await loadBundle(join(tmp.path, 'ges'));
    assert.throws(() => loaded.predictProba(rowsOf(data, 1)), /regress/);
    const values = loaded.predict(rowsOf(data, 5));
    assert.ok(values instanceof Float64Array && values.every((v) => Number.isFinite(v)));
    const stacked = await reEnsemble(result.runId, { ensemble: 'stacking', store: join(tmp.path, 'runs.db') });
    await assertRoundTrip(stacked, data, join(tmp.path, 'stacking'));
  } finally {
    tmp.done();
  }
});

test('missing values (vote): bundles keep the members\' missing-value handling', async () => {
  const tmp = tempDir();
  try {
    const data = loadShared('vote');
    const hasMissing = data.features.some((c) => (c.kind === 'categorical' ? c.codes.includes(-1) : c.values.some(Number.isNaN)));
    assert.ok(hasMissing, 'vote has missing values');
    const result = await autoEnsemble(data, { ...QUICK, maxTrials: 4, ensemble: 'ges', store: join(tmp.path, 'runs.db') });
    await assertRoundTrip(result, data, join(tmp.path, 'bundle'));
  } finally {
    tmp.done();
  }
});

test('an MLP member (TensorFlow.js weights) round-trips bit-identically', async () => {
  const tmp = tempDir();
  try {
    const data = loadShared('diabetes');
    const mlpOnly = {
      name: 'mlp-tiny',
      families: {
        mlp: {
          hyperparameters: {
            hidden_layers: { type: 'constant', value: 1 },
            width: { type: 'ordinal', values: [8, 16], default: 8 },
            max_epochs: { type: 'constant', value: 4 },
            batch_size: { type: 'constant', value: 64 },
            learning_rate: { type: 'float', low: 0.001, high: 0.01, log: true, default: 0.003 },
          },
        },
      },
    };
    const result = await autoEnsemble(data, { ...QUICK, searchSpace: mlpOnly, maxTrials: 2, ensemble: 'ges', store: join(tmp.path, 'runs.db') });
    assert.ok(result.members.every((m) => m.family === 'mlp'));
    const manifest = await assertRoundTrip(result, data, join(tmp.path, 'bundle'));
    const model = manifest.members[0]!.models[0]!;
    assert.ok(model.blobFile !== undefined && model.blobs.weights !== undefined, 'weights stored in the binary file');
  } finally {
    tmp.done();
  }
});
