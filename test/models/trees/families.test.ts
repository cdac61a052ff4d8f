import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeRows, type Dataset } from '../../../src/data/dataset.js';
import { loadDatasetFile } from '../../../src/data/load.js';
import { holdout } from '../../../src/data/split.js';
import { getMetric } from '../../../src/metrics/index.js';
import { extraTreesFamily } from '../../../src/models/families/extra-trees.js';
import { gbdtFamily } from '../../../src/models/families/gbdt.js';
import { randomForestFamily } from '../../../src/models/families/random-forest.js';
import type { Config, FitContext, FittedMember, MemberFamily, SerializedMember } from '../../../src/models/types.js';
import { ConfigError } from '../../../src/util/errors.js';

const DATA = '../shared/datasets';
const cache = new Map<string, Dataset>();
function load(name: string): Dataset {
  if (!cache.has(name)) cache.set(name, loadDatasetFile(`${DATA}/${name}.arff`));
  return cache.get(name)!;
}

function ctx(seed = 1, signal = new AbortController().signal): FitContext {
  return { seed, signal, deadline: Infinity };
}

function split(ds: Dataset, seed = 1): { train: Dataset; test: Dataset } {
  const fold = holdout(ds.nRows, 0.25, seed, ds.target.kind === 'classes' ? ds.target.codes : undefined);
  return { train: takeRows(ds, fold.train), test: takeRows(ds, fold.test) };
}

function score(metric: string, ds: Dataset, pred: Float64Array, k: number): number {
  const y = ds.target.kind === 'classes' ? ds.target.codes : ds.target.values;
  return getMetric(metric).score(y, pred, k);
}

async function roundTrip(family: MemberFamily, member: FittedMember): Promise<FittedMember> {
  const s = member.serialize();
  const copy: SerializedMember = {
    family: s.family,
    formatVersion: s.formatVersion,
    state: JSON.parse(JSON.stringify(s.state)),
    blobs: Object.fromEntries(Object.entries(s.blobs).map(([k, v]) => [k, Uint8Array.from(v)])),
  };
  return family.load(copy);
}

function assertBitEqual(a: Float64Array, b: Float64Array): void {
  assert.equal(a.length, b.length);
  assert.deepEqual(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function assertProbabilities(p: Float64Array, k: number): void {
  for (let i = 0; i < p.length; i += k) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      assert.ok(p[i + j]! >= 0 && p[i + j]! <= 1);
      s += p[i + j]!;
    }
    assert.ok(Math.abs(s - 1) < 1e-9, `row sums to ${s}`);
  }
}

test('gbdt: spambase holdout AUC > 0.97, reload bit-exact, deterministic', async () => {
  const { train, test: te } = split(load('spambase'));
  const m = await gbdtFamily.fit(train, {}, ctx(7));
  const p = m.predict(te);
  assert.equal(m.nOutputs, 2);
  assertProbabilities(p, 2);
  const auc = score('roc_auc', te, p, 2);
  assert.ok(auc > 0.97, `AUC ${auc}`);
  assertBitEqual(p, (await roundTrip(gbdtFamily, m)).predict(te));
  const again = await gbdtFamily.fit(train, {}, ctx(7));
  assertBitEqual(p, again.predict(te));
});

test('random_forest: satimage holdout accuracy > 0.90, reload bit-exact', async () => {
  const { train, test: te } = split(load('satimage'));
  const m = await randomForestFamily.fit(train, { n_estimators: 60 }, ctx(3));
  const p = m.predict(te);
  const k = train.target.kind === 'classes' ? train.target.classes.length : 1;
  assert.equal(m.nOutputs, k);
  assertProbabilities(p, k);
  const acc = score('accuracy', te, p, k);
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  assertBitEqual(p, (await roundTrip(randomForestFamily, m)).predict(te));
});

test('all three families on regression (boston): R^2 > 0.75, reload bit-exact', async () => {
  const { train, test: te } = split(load('boston'));
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    const m = await family.fit(train, family === gbdtFamily ? {} : { n_estimators: 50 }, ctx(2));
    assert.equal(m.nOutputs, 1);
    const p = m.predict(te);
    const r2 = score('r2', te, p, 1);
    assert.ok(r2 > 0.75, `${family.name} R^2 ${r2}`);
    assertBitEqual(p, (await roundTrip(family, m)).predict(te));
  }
});

test('nominal features and missing values: soybean (multiclass) and vote (binary)', async () => {
  for (const name of ['soybean', 'vote']) {
    const ds = load(name);
    const { train, test: te } = split(ds);
    const k = ds.target.kind === 'classes' ? ds.target.classes.length : 1;
    for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
      const m = await family.fit(train, family === gbdtFamily ? { n_estimators: 100 } : { n_estimators: 50 }, ctx(4));
      const p = m.predict(te);
      assertProbabilities(p, k);
      const acc = score('accuracy', te, p, k);
      assert.ok(acc > 0.85, `${family.name} on ${name}: accuracy ${acc}`);
      assertBitEqual(p, (await roundTrip(family, m)).predict(te));
    }
  }
});

test('regression with a nominal feature (cpu) and extra trees on classification (segment)', async () => {
  const cpu = split(load('cpu'));
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    // 156 training rows with a heavy-tailed target: boosting needs smaller leaves than its default 20 rows.
    const config: Config = family === gbdtFamily ? { min_samples_leaf: 5, l2_regularization: 0 } : {};
    const m = await family.fit(cpu.train, config, ctx(5));
    const r2 = score('r2', cpu.test, m.predict(cpu.test), 1);
    assert.ok(r2 > (family === gbdtFamily ? 0.65 : 0.8), `${family.name} on cpu: R^2 ${r2}`);
  }
  const seg = split(load('segment'));
  const m = await extraTreesFamily.fit(seg.train, { n_estimators: 50, criterion: 'entropy' }, ctx(5));
  const acc = score('accuracy', seg.test, m.predict(seg.test), 7);
  assert.ok(acc > 0.93, `extra_trees on segment: accuracy ${acc}`);
});

test('a class absent from the training rows still gets its (near-zero) output column', async () => {
  const iris = load('iris');
  const rows: number[] = [];
  for (let i = 0; i < iris.nRows; i++) if (iris.target.kind === 'classes' && iris.target.codes[i] !== 2) rows.push(i);
  const train = takeRows(iris, rows);
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    const m = await family.fit(train, family === gbdtFamily ? { n_estimators: 30 } : { n_estimators: 20 }, ctx(1));
    assert.equal(m.nOutputs, 3);
    const p = m.predict(iris);
    assertProbabilities(p, 3);
    for (let i = 0; i < iris.nRows; i++) assert.ok(p[i * 3 + 2]! < 0.01, `${family.name}: ${p[i * 3 + 2]}`);
  }
});

test('seeds: same seed same predictions, other seed other forest', async () => {
  const { train, test: te } = split(load('diabetes'));
  for (const family of [randomForestFamily, extraTreesFamily]) {
    const a = (await family.fit(train, { n_estimators: 20 }, ctx(1))).predict(te);
    const b = (await family.fit(train, { n_estimators: 20 }, ctx(1))).predict(te);
    const c = (await family.fit(train, { n_estimators: 20 }, ctx(2))).predict(te);
    assertBitEqual(a, b);
    assert.notDeepEqual(a, c);
  }
  const g1 = (await gbdtFamily.fit(train, { subsample: 0.7, colsample_bytree: 0.7 }, ctx(1))).predict(te);
  const g2 = (await gbdtFamily.fit(train, { subsample: 0.7, colsample_bytree: 0.7 }, ctx(1))).predict(te);
  assertBitEqual(g1, g2);
});

test('abort: an aborted signal rejects with AbortError, also mid-fit', async () => {
  const { train } = split(load('spambase'));
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(family.fit(train, {}, ctx(1, pre.signal)), (e: Error) => e.name === 'AbortError');
    const mid = new AbortController();
    const config: Config = family === gbdtFamily ? { n_estimators: 100000, early_stopping: false } : { n_estimators: 100000 };
    const started = Date.now();
    setTimeout(() => mid.abort(), 100);
    await assert.rejects(family.fit(train, config, ctx(1, mid.signal)), (e: Error) => e.name === 'AbortError');
    assert.ok(Date.now() - started < 5000, 'stopped soon after the abort');
  }
});

test('config: defaults are complete, unknown keys and bad values are ConfigErrors', async () => {
  const { train } = split(load('iris'));
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    assert.ok(family.supports('binary') && family.supports('multiclass') && family.supports('regression'));
    await assert.rejects(family.fit(train, { no_such_key: 1 }, ctx()), (e: Error) => e instanceof ConfigError && /no_such_key/.test(e.message));
    await assert.rejects(family.fit(train, { max_bins: 1000 }, ctx()), ConfigError);
    // Every default key is accepted back.
    await family.fit(train, { ...family.defaults, n_estimators: 3 }, ctx());
  }
  assert.equal(randomForestFamily.defaults['bootstrap'], true);
  assert.equal(extraTreesFamily.defaults['bootstrap'], false);
});

test('early stopping keeps the best round; a passed deadline keeps what was trained', async () => {
  const { train } = split(load('credit-g'));
  const stopped = await gbdtFamily.fit(train, { n_estimators: 2000, learning_rate: 0.3 }, ctx(1));
  const info = (stopped.serialize().state as { info: { rounds: number } }).info;
  assert.ok(info.rounds >= 1 && info.rounds < 200, `rounds ${info.rounds}`);
  const late: FitContext = { seed: 1, signal: new AbortController().signal, deadline: Date.now() - 1 };
  for (const family of [gbdtFamily, randomForestFamily, extraTreesFamily]) {
    const m = await family.fit(train, { n_estimators: 500 }, late);
    const trees = (m.serialize().state as { info: { trees: number } }).info.trees;
    assert.equal(trees, 1, `${family.name} kept ${trees} trees`);
    assertProbabilities(m.predict(train), 2);
  }
});
