import assert from 'node:assert/strict';
import { mkdir, mkdtemp, copyFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Fold } from '../../src/data/split.js';
import { OpenmlClient } from '../../src/openml/client.js';
import { OpenmlOfflineError } from '../../src/openml/errors.js';
import { loadOpenmlTask } from '../../src/openml/load-task.js';
import { DataError } from '../../src/util/errors.js';
import { fixturePath, send, startFixtureServer, type FixtureServer } from './fixture-server.js';

let server: FixtureServer;
const dirs: string[] = [];

async function freshCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ae-openml-task-'));
  dirs.push(dir);
  return dir;
}

before(async () => {
  server = await startFixtureServer();
});
after(async () => {
  await server.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Every repeat's test folds partition the rows; each train set is the complement of its test set. */
function assertPartition(folds: readonly Fold[], nRows: number): void {
  const repeats = new Set(folds.map((f) => f.repeat));
  for (const r of repeats) {
    const seen = new Uint8Array(nRows);
    for (const f of folds.filter((x) => x.repeat === r)) {
      assert.equal(f.train.length + f.test.length, nRows);
      const inTest = new Set(f.test);
      for (const i of f.test) seen[i]!++;
      for (const i of f.train) assert.ok(!inTest.has(i));
    }
    assert.ok(seen.every((c) => c === 1), `repeat ${r}: every row in exactly one test fold`);
  }
}

describe('loadOpenmlTask: task id -> Dataset + folds', () => {
  it('loads a classification task with its stratified split file', async () => {
    const { dataset, folds, task, description, files } = await loadOpenmlTask(59, {
      baseUrl: server.baseUrl,
      cacheDir: await freshCache(),
    });
    assert.equal(task.id, 59);
    assert.equal(description.name, 'iris');
    assert.equal(dataset.name, 'iris');
    assert.equal(dataset.task, 'multiclass');
    assert.equal(dataset.nRows, 30);
    assert.deepEqual(dataset.features.map((f) => f.name), ['sepallength', 'sepalwidth', 'petallength', 'petalwidth']);
    assert.equal(dataset.target.kind, 'classes');
    if (dataset.target.kind !== 'classes') return;
    assert.deepEqual(dataset.target.classes, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
    // First data row of the fixture: 5.1,3.5,1.4,0.2,Iris-setosa
    const first = dataset.features.map((f) => (f.kind === 'numeric' ? f.values[0] : NaN));
    assert.deepEqual(first, [5.1, 3.5, 1.4, 0.2]);
    assert.equal(dataset.target.codes[0], 0);

    assert.equal(folds.length, 3);
    assert.deepEqual(folds.map((f) => [f.repeat, f.fold, f.test.length]), [[0, 0, 12], [0, 1, 9], [0, 2, 9]]);
    assertPartition(folds, dataset.nRows);
    // The split file is stratified: each test fold holds the same number of rows of each class.
    for (const f of folds) {
      const counts = [0, 0, 0];
      for (const i of f.test) counts[dataset.target.codes[i]!]!++;
      assert.equal(new Set(counts).size, 1, `fold ${f.fold} class counts ${counts}`);
    }
    assert.equal(await readFile(files.splits, 'utf8'), await readFile(fixturePath('task-59-splits.arff'), 'utf8'));
  });

  it('drops ignore and row-id attributes and reads repeated folds (regression task)', async () => {
    const { dataset, folds, dropped } = await loadOpenmlTask(990002, {
      baseUrl: server.baseUrl,
      cacheDir: await freshCache(),
    });
    assert.equal(dataset.task, 'regression');
    assert.equal(dataset.nRows, 24);
    assert.deepEqual(dataset.features.map((f) => f.name), ['MYCT', 'MMIN', 'MMAX', 'CACH', 'CHMIN', 'CHMAX']);
    assert.deepEqual(
      dropped.map((d) => [d.name, d.reason]),
      [
        ['row_id', 'OpenML row-id attribute'],
        ['vendor', 'OpenML ignore attribute'],
      ],
    );
    assert.equal(dataset.target.kind, 'values');
    if (dataset.target.kind === 'values') assert.equal(dataset.target.values[0], 199);
    assert.equal(folds.length, 6);
    assert.deepEqual([...new Set(folds.map((f) => f.repeat))], [0, 1]);
    assertPartition(folds, dataset.nRows);
    assert.notDeepEqual(folds[0]!.test, folds[3]!.test, 'the two repeats shuffle differently');
  });

  it('runs offline from the cache once loaded, without the server', async () => {
    const cacheDir = await freshCache();
    const online = await loadOpenmlTask(59, { baseUrl: server.baseUrl, cacheDir });
    const hits = server.totalHits();
    const offline = await loadOpenmlTask(59, { cacheDir, offline: true });
    assert.equal(server.totalHits(), hits);
    assert.deepEqual(offline.dataset.target, online.dataset.target);
    assert.deepEqual(offline.folds, online.folds);
  });

  it('offline, lists every missing file of the task at once', async () => {
    const full = await freshCache();
    const client = new OpenmlClient({ baseUrl: server.baseUrl, cacheDir: full });
    await client.getTask(59);
    const partial = await freshCache();
    const offlineClient = new OpenmlClient({ cacheDir: partial, offline: true });
    await mkdir(dirname(offlineClient.cache.taskPath(59)), { recursive: true });
    await copyFile(client.cache.taskPath(59), offlineClient.cache.taskPath(59));
    await assert.rejects(loadOpenmlTask(59, { client: offlineClient }), (err: unknown) => {
      assert.ok(err instanceof OpenmlOfflineError);
      assert.deepEqual(
        err.missing.map((m) => m.path),
        [
          join(partial, 'datasets', '61', 'description.json'),
          join(partial, 'datasets', '61', 'dataset.arff'),
          join(partial, 'tasks', '59', 'splits.arff'),
        ],
      );
      assert.match(err.message, /split file of task 59/);
      return true;
    });
  });

  it('rejects a split file that does not match the declared cross-validation', async () => {
    const body = (await readFile(fixturePath('task-59.json'), 'utf8'))
      .replaceAll('{{SERVER}}', server.origin)
      .replace('"task_id":"59"', '"task_id":"7010"')
      .replace('{"name":"number_folds","value":"3"}', '{"name":"number_folds","value":"5"}');
    server.override('/api/v1/json/task/7010', (_req, res) => send(res, 200, 'application/json', body));
    await assert.rejects(
      loadOpenmlTask(7010, { baseUrl: server.baseUrl, cacheDir: await freshCache() }),
      (err: unknown) => err instanceof DataError && /declares 1 x 5-fold/.test(err.message),
    );
  });
});
