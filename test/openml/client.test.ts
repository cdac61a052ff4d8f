import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OpenmlClient } from '../../src/openml/client.js';
import { OpenmlApiError, OpenmlFormatError, OpenmlHttpError, OpenmlOfflineError } from '../../src/openml/errors.js';
import { fixturePath, send, startFixtureServer, type FixtureServer } from './fixture-server.js';

let server: FixtureServer;
const dirs: string[] = [];

async function freshCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ae-openml-'));
  dirs.push(dir);
  return dir;
}

async function client(extra: Partial<ConstructorParameters<typeof OpenmlClient>[0]> = {}): Promise<OpenmlClient> {
  return new OpenmlClient({ baseUrl: server.baseUrl, cacheDir: await freshCache(), retryDelayMs: 5, ...extra });
}

before(async () => {
  server = await startFixtureServer();
});
after(async () => {
  await server.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('OpenML client against recorded responses', () => {
  it('parses a classification task with typed numbers', async () => {
    const task = await (await client()).getTask(59);
    assert.equal(task.id, 59);
    assert.equal(task.kind, 'classification');
    assert.equal(task.taskTypeId, 1);
    assert.equal(task.datasetId, 61);
    assert.equal(task.targetFeature, 'class');
    const ep = task.estimationProcedure!;
    assert.equal(ep.type, 'crossvalidation');
    assert.equal(ep.id, 1);
    assert.equal(ep.numberFolds, 3);
    assert.equal(ep.numberRepeats, 1);
    assert.equal(ep.percentage, undefined, 'a parameter without value is absent');
    assert.equal(ep.stratifiedSampling, true);
    assert.equal(ep.dataSplitsUrl, `${server.origin}/api_splits/get/59/Task_59_splits.arff`);
    assert.deepEqual(task.evaluationMeasures, ['predictive_accuracy']);
    assert.deepEqual(task.tags, ['basic', 'study_1', 'under100k', 'under1m']);
  });

  it('reads bare one-element lists and empty [] values (regression task)', async () => {
    const task = await (await client()).getTask(990002);
    assert.equal(task.kind, 'regression');
    assert.equal(task.estimationProcedure!.numberFolds, 3);
    assert.equal(task.estimationProcedure!.numberRepeats, 2);
    assert.equal(task.estimationProcedure!.percentage, undefined, 'a value of [] is no value');
    assert.deepEqual(task.evaluationMeasures, []);
    assert.deepEqual(task.tags, ['fixture']);
  });

  it('parses dataset descriptions, features and qualities', async () => {
    const c = await client();
    const iris = await c.getDatasetDescription(61);
    assert.equal(iris.name, 'iris');
    assert.equal(iris.version, 1);
    assert.equal(iris.fileId, 61);
    assert.equal(iris.url, `${server.origin}/data/v1/download/61/iris.arff`);
    assert.equal(iris.parquetUrl, `${server.origin}/datasets/0000/0061/dataset_61.pq`);
    assert.equal(iris.defaultTargetAttribute, 'class');
    assert.deepEqual(iris.rowIdAttributes, []);
    assert.deepEqual(iris.ignoreAttributes, []);
    assert.equal(iris.md5Checksum, '78a84626345341b8d0e60f534f8352c3');
    assert.equal(iris.localSource, undefined);

    const cpu = await c.getDatasetDescription(990001);
    assert.deepEqual(cpu.rowIdAttributes, ['row_id']);
    assert.deepEqual(cpu.ignoreAttributes, ['vendor']);
    assert.deepEqual(cpu.tags, ['fixture']);

    const features = await c.getFeatures(61);
    assert.deepEqual(
      features.map((f) => [f.index, f.name, f.dataType]),
      [
        [0, 'sepallength', 'numeric'],
        [1, 'sepalwidth', 'numeric'],
        [2, 'petallength', 'numeric'],
        [3, 'petalwidth', 'numeric'],
        [4, 'class', 'nominal'],
      ],
    );
    assert.deepEqual(features[4]!.nominalValues, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
    assert.equal(features[4]!.isTarget, true);
    assert.equal(features[0]!.isTarget, false);
    assert.equal(features[0]!.numberOfMissingValues, 0);

    const q = await c.getQualities(61);
    assert.equal(q.NumberOfInstances, 30);
    assert.equal(q.NumberOfClasses, 3);
    assert.equal(q.Dimensionality, 0.16666666666666666);
    assert.equal(q.CfsSubsetEval_DecisionStumpAUC, null, '[] means no value');
    assert.equal(q.kNN1NErrRate, null, 'absent value means no value');
  });

  it('lists suites by id and alias, including a one-task suite sent as a bare value', async () => {
    const c = await client();
    const cc18 = await c.getStudy('OpenML-CC18');
    assert.equal(cc18.id, 99);
    assert.equal(cc18.alias, 'OpenML-CC18');
    assert.equal(cc18.mainEntityType, 'task');
    assert.deepEqual(cc18.taskIds, [3, 6, 11, 12, 14]);
    assert.deepEqual(cc18.dataIds, [3, 6, 11, 12, 14]);
    const before = server.totalHits();
    const byId = await new OpenmlClient({ cacheDir: c.cache.dir, offline: true }).getStudy(99);
    assert.deepEqual(byId.taskIds, cc18.taskIds, 'a study fetched by alias is cached under its id too');
    assert.equal(server.totalHits(), before);

    const amlb = await c.getStudy(271);
    assert.deepEqual(amlb.taskIds, [2073]);
    assert.deepEqual(amlb.dataIds, []);
  });

  it('caches: a second call, even from a new client, does not reach the server', async () => {
    const c = await client();
    await c.getTask(59);
    await c.getDatasetDescription(61);
    const arff = await c.getDatasetArff(await c.getDatasetDescription(61));
    const hits = server.totalHits();
    const again = new OpenmlClient({ baseUrl: server.baseUrl, cacheDir: c.cache.dir });
    assert.equal((await again.getTask(59)).datasetId, 61);
    assert.equal(await again.getDatasetArff(await again.getDatasetDescription(61)), arff);
    assert.equal(server.totalHits(), hits);
    assert.ok(existsSync(join(c.cache.dir, 'tasks', '59.json')));
    assert.ok(existsSync(join(c.cache.dir, 'datasets', '61', 'description.json')));
    assert.equal(readFileSync(arff, 'utf8'), readFileSync(fixturePath('iris-30.arff'), 'utf8'));
  });

  it("turns OpenML's 412 error document into OpenmlApiError without retrying or caching", async () => {
    const c = await client();
    const path = '/api/v1/json/task/123456';
    await assert.rejects(c.getTask(123456), (err: unknown) => {
      assert.ok(err instanceof OpenmlApiError);
      assert.equal(err.status, 412);
      assert.equal(err.code, 151);
      assert.equal(err.apiMessage, 'Unknown task');
      assert.match(err.message, /Unknown task/);
      return true;
    });
    assert.equal(server.hits.get(path), 1);
    assert.equal(existsSync(c.cache.taskPath(123456)), false);
  });

  it('retries transient failures with bounded attempts', async () => {
    const path = '/api/v1/json/task/7001';
    const body = readFileSync(fixturePath('task-59.json'), 'utf8').replace('"task_id":"59"', '"task_id":"7001"');
    server.override(path, (_req, res, hit) =>
      hit <= 2 ? send(res, 503, 'text/plain', 'busy') : send(res, 200, 'application/json', body),
    );
    assert.equal((await (await client({ attempts: 3 })).getTask(7001)).id, 7001);
    assert.equal(server.hits.get(path), 3);

    const failing = '/api/v1/json/task/7002';
    server.override(failing, (_req, res) => send(res, 503, 'text/plain', 'busy'));
    await assert.rejects((await client({ attempts: 2 })).getTask(7002), (err: unknown) => {
      assert.ok(err instanceof OpenmlHttpError);
      assert.equal(err.status, 503);
      assert.equal(err.attempts, 2);
      return true;
    });
    assert.equal(server.hits.get(failing), 2);
  });

  it('does not retry a 404 and times out a server that never answers', async () => {
    const missing = '/api/v1/json/task/7003';
    server.override(missing, (_req, res) => send(res, 404, 'text/plain', 'no such page'));
    await assert.rejects(
      (await client()).getTask(7003),
      (err: unknown) => err instanceof OpenmlHttpError && err.status === 404,
    );
    assert.equal(server.hits.get(missing), 1);

    const hanging = '/api/v1/json/task/7004';
    server.override(hanging, () => undefined);
    await assert.rejects((await client({ timeoutMs: 100, attempts: 2 })).getTask(7004), (err: unknown) => {
      assert.ok(err instanceof OpenmlHttpError);
      assert.equal(err.status, undefined);
      assert.match(err.message, /within 100 ms/);
      return true;
    });
    assert.equal(server.hits.get(hanging), 2);
  });

  it('rejects documents of the wrong shape, naming the URL', async () => {
    const noSource = '{"task":{"task_id":"7005","task_type_id":"1","input":[]}}';
    server.override('/api/v1/json/task/7005', (_req, res) => send(res, 200, 'application/json', noSource));
    server.override('/api/v1/json/task/7006', (_req, res) => send(res, 200, 'text/html', '<html>maintenance</html>'));
    const c = await client();
    await assert.rejects(c.getTask(7005), (err: unknown) => {
      assert.ok(err instanceof OpenmlFormatError);
      assert.match(err.message, /source_data/);
      assert.match(err.message, /task\/7005/);
      return true;
    });
    await assert.rejects(
      c.getTask(7006),
      (err: unknown) => err instanceof OpenmlFormatError && /not JSON/.test(err.message),
    );
    assert.equal(existsSync(c.cache.taskPath(7005)), false, 'an invalid document is not cached');
  });

  it('does not keep a data file whose MD5 differs from the published one', async () => {
    const c = await client();
    const description = await c.getDatasetDescription(990003);
    await assert.rejects(
      c.getDatasetArff(description),
      (err: unknown) => err instanceof OpenmlFormatError && /MD5/.test(err.message),
    );
    assert.equal(existsSync(c.cache.arffPath(990003)), false);
    const unchecked = new OpenmlClient({ baseUrl: server.baseUrl, cacheDir: c.cache.dir, verifyChecksum: false });
    assert.ok(existsSync(await unchecked.getDatasetArff(description)));
  });

  it('offline mode reads only the cache and names the missing file', async () => {
    const hits = server.totalHits();
    const c = await client({ offline: true });
    await assert.rejects(c.getTask(59), (err: unknown) => {
      assert.ok(err instanceof OpenmlOfflineError);
      assert.equal(err.reason, 'offline');
      assert.equal(err.missing.length, 1);
      assert.equal(err.missing[0]!.path, join(c.cache.dir, 'tasks', '59.json'));
      assert.match(err.message, /description of task 59/);
      assert.match(err.message, /fill-openml-cache/);
      return true;
    });
    await assert.rejects(c.getStudy('OpenML-CC18'), OpenmlOfflineError);
    assert.equal(server.totalHits(), hits, 'offline mode never reaches the server');
  });

  it('never asks the server for a local id', async () => {
    const hits = server.totalHits();
    await assert.rejects((await client()).getTask('local-iris'), OpenmlOfflineError);
    await assert.rejects((await client()).getTask('iris' as never), OpenmlFormatError);
    assert.equal(server.totalHits(), hits);
  });
});
