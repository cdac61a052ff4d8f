import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerializedMember } from '../../src/models/types.js';
import { StoreError, type NewRun, type Store, type TrialSuccess } from '../../src/store/types.js';

/**
 * The Store contract as tests (see the doc comment of `Store` in src/store/types.ts). Any implementation runs it:
 * `storeConformance('name', () => new MyStore(...))`; each test gets a fresh, empty store and closes it.
 */
export function storeConformance(name: string, openStore: () => Store): void {
  const withStore = (fn: (store: Store) => void) => () => {
    const store = openStore();
    try {
      fn(store);
    } finally {
      store.close();
    }
  };

  describe(`Store conformance: ${name}`, () => {
    it('creates, lists and finishes runs', withStore((store) => {
      const a = store.createRun(newRun({ seed: 1 }));
      const b = store.createRun(newRun({ seed: 2, options: { folds: 3, nested: { list: [1, 2] } } }));
      assert.equal(a.status, 'running');
      assert.deepEqual(a.owner, { pid: 4242, host: 'test-host' });
      assert.deepEqual(b.options, { folds: 3, nested: { list: [1, 2] } });
      assert.deepEqual(store.listRuns().map((r) => r.id), [b.id, a.id]);
      store.finishRun(a.id, 'done');
      const finished = store.getRun(a.id)!;
      assert.equal(finished.status, 'done');
      assert.ok(finished.finishedAt !== null && finished.finishedAt >= finished.createdAt);
      store.finishRun(b.id, 'failed', 'out of patience');
      assert.equal(store.getRun(b.id)!.error, 'out of patience');
      assert.equal(store.getRun(9999), undefined);
    }));

    it('moves trials queued -> running -> done and stores predictions and models in one step', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const trial = store.enqueueTrial(run.id, { number: 0, family: 'gbdt', config: { depth: 3, loss: 'log' }, seed: 7 });
      assert.equal(trial.status, 'queued');
      assert.equal(trial.attempts, 0);
      store.startTrial(trial.id, 'cpu#1', 'cpu');
      assert.equal(store.getTrial(trial.id)!.status, 'running');
      const oof = probabilities(4, 3, 1);
      const test = probabilities(2, 3, 2);
      store.finishTrial(trial.id, success(oof, [model(0), model(1)], test));
      const done = store.getTrial(trial.id)!;
      assert.equal(done.status, 'done');
      assert.deepEqual(done.config, { depth: 3, loss: 'log' });
      assert.equal(done.worker, 'cpu#1');
      assert.equal(done.backend, 'cpu');
      assert.equal(done.attempts, 1);
      assert.equal(done.validationLoss, 0.25);
      assert.ok(done.startedAt !== null && done.finishedAt !== null && done.finishedAt >= done.startedAt);
      const storedOof = store.getPredictions(trial.id, 'oof')!;
      assert.deepEqual([storedOof.rows, storedOof.cols], [4, 3]);
      assert.deepEqual(storedOof.values, Float32Array.from(oof));
      const storedTest = store.getPredictions(trial.id, 'test')!;
      assert.deepEqual([storedTest.rows, storedTest.cols], [2, 3]);
      assert.deepEqual(storedTest.values, Float32Array.from(test));
      const models = store.getModels(trial.id);
      assert.equal(models.length, 2);
      assert.deepEqual(models[1]!.state, model(1).state);
      assert.deepEqual(models[1]!.blobs.weights, model(1).blobs.weights);
      assert.equal(models[0]!.formatVersion, 2);
    }));

    it('stores the predicted variances of a regression member next to its predictions', withStore((store) => {
      const run = store.createRun(newRun({ task: 'regression', nRows: 4, nOutputs: 1 }));
      const trial = store.enqueueTrial(run.id, { number: 0, family: 'random_forest', config: {}, seed: 3 });
      store.startTrial(trial.id, 'cpu#0');
      const oofVariance = new Float64Array([0.5, 1, 0, 2.25]);
      const testVariance = new Float64Array([3, 4]);
      store.finishTrial(trial.id, { ...success(new Float64Array([1, 2, 3, 4]), [], new Float64Array([5, 6])), oofVariance, testVariance });
      const oof = store.getPredictions(trial.id, 'oof-variance')!;
      assert.deepEqual([oof.rows, oof.cols], [4, 1]);
      assert.deepEqual(oof.values, Float32Array.from(oofVariance));
      assert.deepEqual(store.getPredictions(trial.id, 'test-variance')!.values, Float32Array.from(testVariance));
      assert.deepEqual(Array.from(store.readPredictions([trial.id], 'oof-variance', 'float64').member(0)), [0.5, 1, 0, 2.25]);
      // A member without variances has none stored; a negative variance or a classification run is refused whole.
      const plain = store.enqueueTrial(run.id, { number: 1, family: 'gbdt', config: {}, seed: 4 });
      store.startTrial(plain.id, 'cpu#0');
      assert.throws(() => store.finishTrial(plain.id, { ...success(new Float64Array(4), []), oofVariance: new Float64Array([1, -1, 1, 1]) }), StoreError);
      assert.equal(store.getPredictions(plain.id, 'oof'), undefined);
      store.finishTrial(plain.id, success(new Float64Array(4), []));
      assert.equal(store.getPredictions(plain.id, 'oof-variance'), undefined);
      const classes = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const c = store.enqueueTrial(classes.id, { number: 0, family: 'random_forest', config: {}, seed: 5 });
      store.startTrial(c.id, 'cpu#0');
      assert.throws(() => store.finishTrial(c.id, { ...success(probabilities(4, 3, 1), []), oofVariance: new Float64Array(4) }), StoreError);
    }));

    it('stores the backend that actually ran, given at the end, over the one given at the start', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const [done, failed, unknown] = [0, 1, 2].map((number) => store.enqueueTrial(run.id, { number, family: 'mlp', config: {}, seed: number }));
      for (const t of [done!, failed!, unknown!]) store.startTrial(t.id, 'gpu', 'auto');
      store.finishTrial(done!.id, { ...success(probabilities(4, 3, 1), []), backend: 'wasm' });
      store.failTrial(failed!.id, { status: 'timeout', error: 'time limit', backend: 'webgpu' });
      store.failTrial(unknown!.id, { status: 'failed', error: 'boom' });
      assert.deepEqual([done!, failed!, unknown!].map((t) => store.getTrial(t.id)!.backend), ['wasm', 'webgpu', 'auto']);
    }));

    it('finishTrial is atomic: a rejected result leaves the trial running with nothing stored', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const trial = store.enqueueTrial(run.id, { number: 0, family: 'linear', config: {}, seed: 1 });
      store.startTrial(trial.id, 'cpu#0');
      // Test predictions of the wrong width are checked after the status and the OOF rows were written.
      assert.throws(() => store.finishTrial(trial.id, success(probabilities(4, 3, 1), [model(0)], new Float64Array(5))), StoreError);
      assert.equal(store.getTrial(trial.id)!.status, 'running');
      assert.equal(store.getPredictions(trial.id, 'oof'), undefined);
      assert.deepEqual(store.getModels(trial.id), []);
      assert.throws(() => store.finishTrial(trial.id, success(new Float64Array(7), [])), StoreError);
      store.finishTrial(trial.id, success(probabilities(4, 3, 1), [model(0)]));
      assert.equal(store.getTrial(trial.id)!.status, 'done');
    }));

    it('never changes a finished trial', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const done = store.enqueueTrial(run.id, { number: 0, family: 'a', config: {}, seed: 1 });
      store.startTrial(done.id, 'w');
      store.finishTrial(done.id, success(probabilities(4, 3, 1), []));
      const failed = store.enqueueTrial(run.id, { number: 1, family: 'b', config: {}, seed: 2 });
      store.startTrial(failed.id, 'w');
      store.failTrial(failed.id, { status: 'failed', error: 'Error: boom', fitSeconds: 0.5 });
      const before = [store.getTrial(done.id), store.getTrial(failed.id)];
      for (const id of [done.id, failed.id]) {
        assert.throws(() => store.startTrial(id, 'w'), StoreError);
        assert.throws(() => store.finishTrial(id, success(probabilities(4, 3, 3), [])), StoreError);
        assert.throws(() => store.failTrial(id, { status: 'timeout', error: 'late' }), StoreError);
      }
      store.reopenRun(run.id, { pid: 1, host: 'h' });
      assert.deepEqual([store.getTrial(done.id), store.getTrial(failed.id)], before);
      assert.deepEqual(store.getPredictions(done.id, 'oof')!.values, Float32Array.from(probabilities(4, 3, 1)));
      assert.equal(store.getTrial(failed.id)!.error, 'Error: boom');
      assert.equal(store.getTrial(failed.id)!.fitSeconds, 0.5);
    }));

    it('checks trial state changes and unique numbers', withStore((store) => {
      const run = store.createRun(newRun());
      const trial = store.enqueueTrial(run.id, { number: 0, family: 'a', config: {}, seed: 1 });
      assert.throws(() => store.finishTrial(trial.id, success(probabilities(4, 3, 1), [])), StoreError);
      assert.throws(() => store.enqueueTrial(run.id, { number: 0, family: 'b', config: {}, seed: 2 }), StoreError);
      assert.throws(() => store.startTrial(12345, 'w'), StoreError);
      // A queued trial that never got to start can be failed directly (e.g. its family is unknown).
      store.failTrial(trial.id, { status: 'failed', error: 'unknown family' });
      assert.equal(store.getTrial(trial.id)!.status, 'failed');
    }));

    it('adds an executor\'s retries to a finished or failed trial\'s attempts, and refuses bad counts', withStore((store) => {
      const run = store.createRun(newRun());
      const [a, b, c] = [0, 1, 2].map((number) => store.enqueueTrial(run.id, { number, family: 'f', config: {}, seed: number }).id);
      for (const id of [a!, b!, c!]) store.startTrial(id, 'w');
      store.finishTrial(a!, { ...success(probabilities(4, 3, 1), []), retries: 2 });
      store.failTrial(b!, { status: 'failed', error: 'worker died', retries: 1 });
      assert.deepEqual([a!, b!].map((id) => store.getTrial(id)!.attempts), [3, 2]);
      assert.throws(() => store.failTrial(c!, { status: 'failed', error: 'x', retries: -1 }), StoreError);
      assert.equal(store.getTrial(c!)!.status, 'running');
    }));

    it('reopenRun re-queues running trials and keeps everything else', withStore((store) => {
      const run = store.createRun(newRun());
      const ids = [0, 1, 2, 3].map((number) => store.enqueueTrial(run.id, { number, family: 'f', config: { n: number }, seed: number }).id);
      for (const id of ids.slice(0, 3)) store.startTrial(id, 'w');
      store.finishTrial(ids[0]!, success(probabilities(4, 3, 1), []));
      store.failTrial(ids[1]!, { status: 'timeout', error: 'time limit' });
      // ids[2] is left running by a "dead" process, ids[3] is queued.
      assert.equal(store.reopenRun(run.id, { pid: 77, host: 'other' }), 1);
      assert.deepEqual(store.listTrials(run.id).map((t) => t.status), ['done', 'timeout', 'queued', 'queued']);
      const requeued = store.getTrial(ids[2]!)!;
      assert.deepEqual(requeued.config, { n: 2 });
      assert.equal(requeued.attempts, 1);
      assert.equal(requeued.startedAt, null);
      assert.deepEqual(store.getRun(run.id)!.owner, { pid: 77, host: 'other' });
      store.startTrial(ids[2]!, 'w2');
      assert.equal(store.getTrial(ids[2]!)!.attempts, 2);
      assert.deepEqual(store.listTrials(run.id, ['queued']).map((t) => t.number), [3]);
      assert.deepEqual(store.listTrials(run.id, ['done', 'timeout']).map((t) => t.number), [0, 1]);
    }));

    it('ranks the leaderboard by validation loss, ties by number, done trials only', withStore((store) => {
      const run = store.createRun(newRun());
      const losses = [0.5, 0.2, 0.5, 0.1];
      losses.forEach((loss, number) => {
        const t = store.enqueueTrial(run.id, { number, family: 'f', config: {}, seed: number });
        store.startTrial(t.id, 'w');
        store.finishTrial(t.id, { ...success(probabilities(4, 3, number), []), validationLoss: loss, validationScore: -loss });
      });
      const failed = store.enqueueTrial(run.id, { number: 4, family: 'f', config: {}, seed: 4 });
      store.failTrial(failed.id, { status: 'failed', error: 'x' });
      assert.deepEqual(store.leaderboard(run.id).map((t) => t.number), [3, 1, 0, 2]);
      assert.deepEqual(store.leaderboard(run.id, 2).map((t) => t.number), [3, 1]);
      const other = store.createRun(newRun());
      assert.deepEqual(store.leaderboard(other.id), []);
    }));

    it('reads a predictions matrix of chosen trials in float32 and float64', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 5, nOutputs: 2 }));
      const ids = [0, 1, 2].map((number) => {
        const t = store.enqueueTrial(run.id, { number, family: 'f', config: {}, seed: number });
        store.startTrial(t.id, 'w');
        store.finishTrial(t.id, success(probabilities(5, 2, number + 10), []));
        return t.id;
      });
      const chosen = [ids[2]!, ids[0]!];
      const m32 = store.readPredictions(chosen, 'oof', 'float32');
      assert.ok(m32.values instanceof Float32Array);
      assert.deepEqual([m32.rows, m32.cols, m32.values.length], [5, 2, 20]);
      assert.deepEqual(m32.member(0), Float32Array.from(probabilities(5, 2, 12)));
      assert.deepEqual(m32.member(1), Float32Array.from(probabilities(5, 2, 10)));
      const m64 = store.readPredictions(chosen, 'oof', 'float64');
      assert.ok(m64.values instanceof Float64Array);
      assert.deepEqual(m64.member(1), Float64Array.from(Float32Array.from(probabilities(5, 2, 10))));
      assert.throws(() => store.readPredictions([ids[0]!], 'test', 'float32'), StoreError);
      assert.equal(store.readPredictions([], 'oof', 'float32').values.length, 0);
    }));

    it('returns copies: mutating a read never changes the store', withStore((store) => {
      const run = store.createRun(newRun({ nRows: 4, nOutputs: 3 }));
      const t = store.enqueueTrial(run.id, { number: 0, family: 'f', config: { a: 1 }, seed: 1 });
      store.startTrial(t.id, 'w');
      store.finishTrial(t.id, success(probabilities(4, 3, 1), [model(0)]));
      store.getPredictions(t.id, 'oof')!.values.fill(9);
      store.readPredictions([t.id], 'oof', 'float32').values.fill(9);
      store.getModels(t.id)[0]!.blobs.weights!.fill(9);
      (store.getTrial(t.id)!.config as Record<string, number>).a = 2;
      assert.deepEqual(store.getPredictions(t.id, 'oof')!.values, Float32Array.from(probabilities(4, 3, 1)));
      assert.deepEqual(store.getModels(t.id)[0]!.blobs.weights, model(0).blobs.weights);
      assert.deepEqual(store.getTrial(t.id)!.config, { a: 1 });
    }));

    it('keeps a run context (labels and schema) once per run', withStore((store) => {
      const run = store.createRun(newRun());
      const context = {
        datasetName: 'iris', task: 'multiclass' as const, targetName: 'class', classes: ['a', 'b', 'c'],
        schema: [{ name: 'x', kind: 'numeric' as const }, { name: 'c', kind: 'categorical' as const, categories: ['u', 'v'] }],
        labels: Int32Array.from([0, 2, 1, 1]), nOutputs: 3,
      };
      assert.equal(store.getRunContext(run.id), undefined);
      store.saveRunContext(run.id, context);
      const read = store.getRunContext(run.id)!;
      assert.deepEqual(read, context);
      assert.ok(read.labels instanceof Int32Array);
      read.labels.fill(7);
      assert.deepEqual(store.getRunContext(run.id)!.labels, Int32Array.from([0, 2, 1, 1]));
      assert.throws(() => store.saveRunContext(run.id, context), StoreError);
      assert.throws(() => store.saveRunContext(999, context), StoreError);
      const regression = store.createRun(newRun({ task: 'regression', nOutputs: 1 }));
      const values = Float64Array.from([1.5, -2, 3.25]);
      store.saveRunContext(regression.id, { ...context, task: 'regression', classes: [], labels: values, nOutputs: 1 });
      assert.deepEqual(store.getRunContext(regression.id)!.labels, values);
    }));

    it('appends ensembles and lists them oldest first', withStore((store) => {
      const run = store.createRun(newRun());
      const first = store.saveEnsemble(run.id, {
        method: 'ges',
        combiner: { kind: 'weights', memberIds: [3, 1], weights: [0.75, 0.25] },
        validationScore: 0.91,
        trajectory: [0.3, 0.2, 0.15],
        details: { rounds: 3 },
      });
      store.saveEnsemble(run.id, {
        method: 'single-best',
        combiner: { kind: 'weights', memberIds: [3], weights: [1] },
        validationScore: 0.9,
        trajectory: [0.3],
      });
      const listed = store.listEnsembles(run.id);
      assert.deepEqual(listed.map((e) => e.method), ['ges', 'single-best']);
      assert.deepEqual(listed[0], first);
      assert.deepEqual(listed[0]!.combiner, { kind: 'weights', memberIds: [3, 1], weights: [0.75, 0.25] });
      assert.deepEqual(listed[0]!.details, { rounds: 3 });
      assert.equal(listed[1]!.details, undefined);
      assert.throws(() => store.saveEnsemble(999, { method: 'x', combiner: first.combiner, validationScore: 0, trajectory: [] }), StoreError);
    }));
  });
}

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    datasetName: 'iris',
    datasetFingerprint: 'sha256:abc',
    task: 'multiclass',
    metric: 'log_loss',
    seed: 0,
    nRows: 4,
    nOutputs: 3,
    options: { folds: 5 },
    owner: { pid: 4242, host: 'test-host' },
    ...overrides,
  };
}

/** Deterministic row-stochastic n x k values (not float32-exact, so storage conversion is exercised). */
function probabilities(n: number, k: number, salt: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += out[i * k + j] = 1 + Math.sin(salt * 7.1 + i * 1.3 + j * 0.7);
    for (let j = 0; j < k; j++) out[i * k + j]! /= sum;
  }
  return out;
}

function model(fold: number): SerializedMember {
  return {
    family: 'gbdt',
    formatVersion: 2,
    state: { fold, trees: [{ depth: 3 }], name: `fold-${fold}` },
    blobs: { weights: Uint8Array.from([fold, 1, 2, 3, 255]), thresholds: new Uint8Array(new Float64Array([fold + 0.5]).buffer) },
  };
}

function success(oof: Float64Array, models: SerializedMember[], test?: Float64Array): TrialSuccess {
  return { validationScore: 0.75, validationLoss: 0.25, fitSeconds: 1.5, oof, models, ...(test === undefined ? {} : { test }) };
}
