import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDatasetFile } from '../../src/data/load.js';
import type { Fold } from '../../src/data/split.js';
import { OpenmlClient } from '../../src/openml/client.js';
import { OpenmlOfflineError } from '../../src/openml/errors.js';
import { fillCacheFromLocal } from '../../src/openml/fill-cache.js';
import { loadOpenmlTask } from '../../src/openml/load-task.js';
import { ConfigError } from '../../src/util/errors.js';
import { fixturePath } from './fixture-server.js';

const SHARED = '../shared/datasets';
const dirs: string[] = [];

async function freshCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ae-openml-fill-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function testSets(folds: readonly Fold[]): number[][] {
  return folds.map((f) => Array.from(f.test));
}

describe('fillCacheFromLocal: shared datasets -> offline OpenML cache', () => {
  it('writes tasks, data and split files that loadOpenmlTask reads offline', async () => {
    const cacheDir = await freshCache();
    const names = ['iris', 'cpu', 'vote'];
    const result = await fillCacheFromLocal({ cacheDir, sourceDir: SHARED, names, folds: 5, seed: 1 });
    assert.equal(result.suite, 'shared-3');
    assert.deepEqual(
      result.tasks.map((t) => [t.name, t.taskId, t.dataId, t.task]),
      [
        ['vote', 'local-vote', 56, 'binary'],
        ['iris', 'local-iris', 61, 'multiclass'],
        ['cpu', 'local-cpu', 'local-cpu', 'regression'],
      ],
    );

    const client = new OpenmlClient({ cacheDir, offline: true });
    const suite = await client.getStudy('shared-3');
    assert.deepEqual(suite.taskIds, ['local-vote', 'local-iris', 'local-cpu']);
    assert.deepEqual(suite.dataIds, [56, 61, 'local-cpu']);

    const iris = await loadOpenmlTask('local-iris', { client });
    const direct = loadDatasetFile(join(SHARED, 'iris.arff'), { target: 'class' });
    assert.equal(iris.dataset.name, 'iris');
    assert.deepEqual(iris.dataset.target, direct.target);
    assert.deepEqual(iris.dataset.features, direct.features);
    assert.equal(iris.description.localSource!.openmlDid, 61);
    assert.equal(iris.task.localSource!.openmlDid, 61);
    assert.equal(iris.folds.length, 5);
    for (const f of iris.folds) {
      const counts = [0, 0, 0];
      if (iris.dataset.target.kind === 'classes') for (const i of f.test) counts[iris.dataset.target.codes[i]!]!++;
      assert.deepEqual(counts, [10, 10, 10], 'stratified folds of iris hold 10 rows of each class');
    }

    const cpu = await loadOpenmlTask('local-cpu', { client });
    assert.equal(cpu.dataset.task, 'regression');
    assert.equal(cpu.dataset.nRows, 209);
    const seen = new Uint8Array(209);
    for (const f of cpu.folds) for (const i of f.test) seen[i]!++;
    assert.ok(seen.every((c) => c === 1));

    const vote = await client.getQualities(56);
    assert.equal(vote.NumberOfInstances, 435);
    assert.equal(vote.NumberOfClasses, 2);
    assert.ok(vote.NumberOfMissingValues! > 0, 'vote has missing values');
    const irisQualities = await client.getQualities(61);
    assert.equal(irisQualities.MajorityClassSize, 50);
    const features = await client.getFeatures(61);
    assert.deepEqual(features.filter((f) => f.isTarget).map((f) => f.name), ['class']);
  });

  it('makes the same splits for the same seed, whatever else is filled, and others for another seed', async () => {
    const a = await freshCache();
    const b = await freshCache();
    const c = await freshCache();
    await fillCacheFromLocal({ cacheDir: a, sourceDir: SHARED, names: ['glass'], folds: 3, seed: 7 });
    await fillCacheFromLocal({ cacheDir: b, sourceDir: SHARED, names: ['iris', 'glass'], folds: 3, seed: 7 });
    await fillCacheFromLocal({ cacheDir: c, sourceDir: SHARED, names: ['glass'], folds: 3, seed: 8 });
    const splits = (dir: string): Promise<string> => readFile(join(dir, 'tasks', 'local-glass', 'splits.arff'), 'utf8');
    assert.equal(await splits(a), await splits(b));
    assert.notEqual(await splits(a), await splits(c));
    const fa = await loadOpenmlTask('local-glass', { cacheDir: a, offline: true });
    const fc = await loadOpenmlTask('local-glass', { cacheDir: c, offline: true });
    assert.notDeepEqual(testSets(fa.folds), testSets(fc.folds));
  });

  it('leaves a real OpenML download alone and puts the local copy under a local id', async () => {
    const cacheDir = await freshCache();
    const real = join(cacheDir, 'datasets', '61', 'description.json');
    await mkdir(join(cacheDir, 'datasets', '61'), { recursive: true });
    const fixture = await readFile(fixturePath('data-61.json'), 'utf8');
    const realText = fixture.replaceAll('{{SERVER}}', 'http://127.0.0.1:9');
    await writeFile(real, realText);
    const result = await fillCacheFromLocal({ cacheDir, sourceDir: SHARED, names: ['iris'], folds: 3 });
    assert.equal(result.tasks[0]!.dataId, 'local-iris');
    assert.equal(await readFile(real, 'utf8'), realText);
    const loaded = await loadOpenmlTask('local-iris', { cacheDir, offline: true });
    assert.equal(loaded.dataset.nRows, 150);
  });

  it('says what is missing for a local task that was never filled, and rejects unknown names', async () => {
    const cacheDir = await freshCache();
    await assert.rejects(loadOpenmlTask('local-iris', { cacheDir }), (err: unknown) => {
      assert.ok(err instanceof OpenmlOfflineError);
      assert.equal(err.reason, 'local-id');
      assert.match(err.message, /tasks\/local-iris\.json/);
      assert.match(err.message, /fill-openml-cache/);
      return true;
    });
    await assert.rejects(fillCacheFromLocal({ cacheDir, sourceDir: SHARED, names: ['nope'] }), ConfigError);
  });
});
