import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoEnsemble, reEnsemble, loadRunEnsemble } from '../../src/api/auto-ensemble.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import { takeRows, targetLabels, type Dataset } from '../../src/data/dataset.js';
import { getMetric } from '../../src/metrics/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { ConfigError, DataError } from '../../src/util/errors.js';

const DATA = '../shared/datasets';
const quick = { maxTrials: 5, searchSpace: 'small', folds: 3, concurrency: 2 } as const;

function tempDb(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ae-api-'));
  return { path: join(dir, 'runs.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function split(dataset: Dataset, seed = 1): { train: Dataset; test: Dataset } {
  const y = dataset.target.kind === 'classes' ? dataset.target.codes : undefined;
  const fold = holdout(dataset.nRows, 0.3, seed, y);
  return { train: takeRows(dataset, fold.train), test: takeRows(dataset, fold.test) };
}

test('binary: searches, ensembles and predicts held-out rows well above chance', async () => {
  const db = tempDb();
  try {
    const { train, test: held } = split(loadDatasetFile(`${DATA}/diabetes.arff`));
    const result = await autoEnsemble(train, { ...quick, search: 'bo', store: db.path, seed: 3 });
    assert.equal(result.task, 'binary');
    assert.equal(result.metric, 'roc_auc');
    assert.equal(result.run.trials.done + result.run.trials.failed + result.run.trials.timeout, 5);
    assert.ok(result.members.length >= 1);
    const weightSum = result.members.reduce((s, m) => s + m.weight, 0);
    assert.ok(Math.abs(weightSum - 1) < 1e-9, `weights sum to ${weightSum}`);
    const scores = result.leaderboard.map((e) => e.validationScore);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'leaderboard is best first (AUC: higher first)');
    assert.ok(result.validationScore >= scores[0]! - 1e-12, 'ensemble at least as good as the best member on OOF rows');
    const p = result.ensemble.predictMatrix(held);
    const auc = getMetric('roc_auc').score(targetLabels(held), p, 2);
    assert.ok(auc > 0.78, `held-out AUC ${auc}`);
    const labels = result.ensemble.predict(held) as string[];
    assert.equal(labels.length, held.nRows);
    assert.ok(labels.every((l) => result.classes.includes(l)));
  } finally {
    db.done();
  }
});

test('the same seed and trial budget give a bit-identical ensemble', async () => {
  const a = tempDb();
  const b = tempDb();
  try {
    const data = loadDatasetFile(`${DATA}/glass.arff`);
    const options = { ...quick, maxTrials: 4, search: 'random' as const, seed: 11 };
    const first = await autoEnsemble(data, { ...options, store: a.path });
    const second = await autoEnsemble(data, { ...options, store: b.path });
    assert.deepEqual(first.members.map((m) => [m.family, m.weight]), second.members.map((m) => [m.family, m.weight]));
    assert.deepEqual(first.ensemble.predictMatrix(data), second.ensemble.predictMatrix(data));
  } finally {
    a.done();
    b.done();
  }
});

test('regression from rows in memory, then re-ensembled by other selectors without retraining', async () => {
  const db = tempDb();
  try {
    const boston = loadDatasetFile(`${DATA}/boston.arff`);
    const rows = Array.from({ length: boston.nRows }, (_, i) => {
      const row: Record<string, unknown> = { medv: (boston.target as { values: Float64Array }).values[i] };
      for (const c of boston.features) row[c.name] = c.kind === 'numeric' ? c.values[i] : c.categories[c.codes[i]!];
      return row;
    });
    const result = await autoEnsemble({ rows, target: 'medv' }, { ...quick, store: db.path, ensemble: 'ges' });
    assert.equal(result.task, 'regression');
    assert.equal(result.metric, 'rmse');
    const rmse = result.validationScore;
    assert.ok(rmse > 0 && rmse < 6, `OOF RMSE ${rmse}`);
    for (const method of ['qdo-es', 'stacking', 'single-best'] as const) {
      const again = await reEnsemble(result.runId, { ensemble: method, store: db.path });
      assert.equal(again.runId, result.runId);
      assert.ok(again.validationScore > 0 && again.validationScore < 8, `${method}: ${again.validationScore}`);
      const p = again.ensemble.predictMatrix(rows.slice(0, 5));
      assert.equal(p.length, 5);
    }
    const store = new SqliteStore(db.path);
    try {
      assert.equal(store.listTrials(result.runId).length, 5, 're-ensembling trained nothing new');
      assert.deepEqual(store.listEnsembles(result.runId).map((e) => e.method), ['ges', 'qdo-es', 'stacking', 'single-best']);
    } finally {
      store.close();
    }
    const stored = await loadRunEnsemble(result.runId, { store: db.path });
    assert.equal(stored.ensemble.method, 'single-best');
  } finally {
    db.done();
  }
});

test('a wall-clock budget is respected, ensemble building included', async () => {
  const db = tempDb();
  try {
    const started = Date.now();
    const result = await autoEnsemble(`${DATA}/vehicle.arff`, { timeBudget: 8, searchSpace: 'small', folds: 3, store: db.path, concurrency: 2 });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 8 + 4, `took ${seconds} s for an 8 s budget`);
    assert.ok(result.run.trials.done >= 1);
  } finally {
    db.done();
  }
});

test('an abort signal stops the search early and still returns the best ensemble so far', async () => {
  const db = tempDb();
  try {
    const controller = new AbortController();
    let finished = 0;
    const result = await autoEnsemble(`${DATA}/iris.arff`, {
      timeBudget: 120,
      searchSpace: 'small',
      folds: 3,
      store: db.path,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'trial-finished' && event.status === 'done' && ++finished === 3) controller.abort();
      },
    });
    assert.equal(result.run.stoppedBy, 'cancelled');
    assert.ok(result.members.length >= 1);
    assert.ok(result.run.elapsedSeconds < 60);
  } finally {
    db.done();
  }
});

test('bad input and options are clear errors', async () => {
  const db = tempDb();
  try {
    const iris = `${DATA}/iris.arff`;
    const bad: [unknown, RegExp][] = [
      [{ search: 'grid' }, /search must be one of random, bo, divbo/],
      [{ ensemble: 'bagging' }, /ensemble must be one of/],
      [{ timeBudget: -5 }, /timeBudget must be a positive number/],
      [{ maxTrials: 2.5 }, /maxTrials must be a positive integer/],
      [{ folds: 1 }, /folds must be an integer >= 2/],
      [{ metric: 'rmse' }, /rmse/],
      [{ budget: 10 }, /unknown option 'budget'/],
      [{ searchSpace: '/no/such/space.json' }, /space\.json/],
    ];
    for (const [options, message] of bad) {
      await assert.rejects(
        autoEnsemble(iris, { store: db.path, maxTrials: 2, ...(options as object) }),
        (e: unknown) => e instanceof ConfigError && message.test(e.message) || (e instanceof Error && message.test(e.message)),
        `options ${JSON.stringify(options)}`,
      );
    }
    await assert.rejects(autoEnsemble(iris, { target: 'nope', store: db.path, maxTrials: 2 }), (e: unknown) => e instanceof DataError && /nope/.test(e.message));
    await assert.rejects(autoEnsemble(`${DATA}/missing.arff`, { store: db.path, maxTrials: 2 }), DataError);
    await assert.rejects(autoEnsemble({ rows: [{ a: 1 }] } as never, { store: db.path, maxTrials: 2 }), /target/);
    await assert.rejects(reEnsemble(999, { ensemble: 'ges', store: db.path }), /no run 999/);
    await assert.rejects(reEnsemble(1, { ensemble: 'nope' as never, store: db.path }), /ensemble must be one of/);
  } finally {
    db.done();
  }
});
