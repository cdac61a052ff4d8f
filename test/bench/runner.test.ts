/**
 * The result CSV (append, quoting, resume) and the runner's bookkeeping with a stand-in engine: re-ensembling
 * from one search, class-order mapping, the AMLB failure rule (a failed run scores as the constant predictor),
 * and resuming (finished cells are not rerun).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutoEnsembleResult, DatasetInput, EnsembleMethod } from '../../src/api/types.js';
import { RESULT_COLUMNS, appendResults, cellKey, finishedCells, readResults } from '../../src/bench/results-csv.js';
import { peerManifest } from '../../src/bench/peers.js';
import { runBenchmark, type BenchEngine } from '../../src/bench/runner.js';
import { loadSuite } from '../../src/bench/suite.js';
import type { Dataset, FeatureTable } from '../../src/data/dataset.js';

test('appendResults writes the header once, quotes fields, and reads back; finishedCells keys the cells', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-csv-'));
  try {
    const path = join(dir, 'sub', 'r.csv');
    appendResults(path, [{ task: 'a', framework: 'F', constraint: 'none', fold: 0, result: 0.5, params: '{"x":1,"y":"q\\"z"}', info: 'line1\nline2' }]);
    appendResults(path, [{ task: 'a', framework: 'F', constraint: 'none', fold: 1, result: -1.25, duration: 0.123456789 }]);
    const text = readFileSync(path, 'utf8');
    assert.equal(text.split('\n')[0], RESULT_COLUMNS.join(','));
    assert.equal(text.match(/^id,/gm)?.length, 1);
    const rows = readResults(path);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.params, '{"x":1,"y":"q\\"z"}');
    assert.equal(rows[0]!.info, 'line1\nline2');
    assert.equal(rows[1]!.result, '-1.25');
    assert.equal(rows[1]!.duration, '0.1235');
    assert.equal(rows[1]!.auc, '');
    const done = finishedCells(path);
    assert.ok(done.has(cellKey({ task: 'a', framework: 'F', constraint: 'none', fold: 1 })));
    assert.ok(!done.has(cellKey({ task: 'a', framework: 'F', constraint: 'none', fold: 2 })));
    writeFileSync(join(dir, 'other.csv'), 'a,b\n1,2\n');
    assert.throws(() => appendResults(join(dir, 'other.csv'), [{ task: 'x' }]), /header lacks/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A stand-in for the library: predicts the training class priors with the class columns in reversed order (the
 * runner must map them back), fails the 'stacking' re-ensemble, and counts calls.
 */
function fakeEngine(calls: string[]): BenchEngine {
  let priors: number[] = [];
  let classes: string[] = [];
  const result = (method: string): AutoEnsembleResult =>
    ({
      runId: 7,
      task: 'binary',
      metric: 'roc_auc',
      classes: [...classes].reverse(),
      members: [{ trialId: 1 }, { trialId: 2 }],
      leaderboard: [],
      validationScore: 0.9,
      seconds: 0.01,
      run: { runId: 7, stoppedBy: 'max-trials', trials: { queued: 0, running: 0, done: 3, failed: 1, timeout: 0 }, best: null, elapsedSeconds: 0.5, ensembleDeadline: Infinity },
      ensemble: {
        method,
        predictMatrix(table: FeatureTable): Float64Array {
          const reversed = [...priors].reverse();
          const out = new Float64Array(table.nRows * reversed.length);
          for (let i = 0; i < table.nRows; i++) out.set(reversed, i * reversed.length);
          return out;
        },
      },
    }) as unknown as AutoEnsembleResult;
  return {
    async autoEnsemble(dataset: DatasetInput, options) {
      const train = dataset as Dataset;
      assert.equal(train.target.kind, 'classes');
      if (train.target.kind !== 'classes') throw new Error('unreachable');
      classes = [...train.target.classes];
      const counts = classes.map(() => 0);
      for (const c of train.target.codes) counts[c]!++;
      priors = counts.map((c) => c / train.nRows);
      calls.push(`search ${options.search} ${options.ensemble} ${options.timeBudget}`);
      return result(options.ensemble!);
    },
    async reEnsemble(runId: number, options: { ensemble: EnsembleMethod }) {
      calls.push(`re ${runId} ${options.ensemble}`);
      if (options.ensemble === 'stacking') throw new Error('stacking exploded');
      return result(options.ensemble);
    },
  };
}

test('runner: one search re-ensembled per method, failures scored as the constant predictor, resumable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
  try {
    const suite = await loadSuite('smoke', { cacheDir: join(dir, 'cache'), datasets: ['vote'] });
    const out = join(dir, 'results.csv');
    const calls: string[] = [];
    const options = {
      suite,
      out,
      folds: 1,
      budgets: [5],
      search: ['divbo' as const],
      ensembles: ['ges', 'stacking', 'single-best'] as EnsembleMethod[],
      baselines: ['constant' as const],
      engine: fakeEngine(calls),
      workDir: join(dir, 'stores', 'new'),
    };
    const first = await runBenchmark(options);
    assert.ok(existsSync(join(dir, 'stores', 'new')), 'a named work directory is created');
    assert.deepEqual(calls, ['search divbo ges 5', 're 7 stacking', 're 7 single-best']);
    assert.equal(first.rowsWritten, 4);
    assert.equal(first.failures, 1);
    const rows = readResults(out);
    const by = (f: string): Record<string, string> => rows.find((r) => r.framework === f)!;
    const constant = by('constantpredictor');
    assert.equal(constant.constraint, 'none');
    assert.equal(Number(constant.result), 0.5);
    // The fake predicts the priors: after mapping the columns back its log loss is the constant predictor's.
    const ges = by('AE-divbo-ges');
    assert.equal(ges.constraint, '5s');
    assert.equal(ges.metric, 'auc');
    assert.ok(Math.abs(Number(ges.logloss) - Number(constant.logloss)) < 1e-12, `${ges.logloss} vs ${constant.logloss}`);
    assert.equal(ges.models_count, '3');
    assert.equal(ges.trials, '4');
    assert.equal(ges.ensemble_size, '2');
    const stacking = by('AE-divbo-stacking');
    assert.match(stacking.info!, /^failed: stacking exploded \(scored as the constant predictor\)$/);
    assert.equal(stacking.result, constant.result);
    assert.equal(stacking.logloss, constant.logloss);
    assert.ok(Number(by('AE-divbo-single-best').training_duration) >= 0.5, 'search time is charged to re-ensembled methods');
    // Resume: nothing left to run, nothing appended.
    const again = await runBenchmark(options);
    assert.equal(again.jobsRun, 0);
    assert.equal(again.rowsWritten, 0);
    assert.equal(calls.length, 3);
    assert.equal(readResults(out).length, 4);
    // A new ensemble method only adds its cells: the search runs again for it.
    const more = await runBenchmark({ ...options, ensembles: ['ges', 'stacking', 'single-best', 'qdo-es'] });
    assert.equal(more.jobsRun, 1);
    assert.equal(readResults(out).length, 4 + 1);
    assert.deepEqual(calls.slice(3), ['search divbo qdo-es 5']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the peer manifest points the Python script at the same cached data, split files and feature columns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
  try {
    const suite = await loadSuite('smoke', { cacheDir: join(dir, 'cache') });
    const manifest = (await peerManifest({ suite, out: join(dir, 'r.csv'), folds: 1, seed: 3 })) as {
      columns: string[];
      folds: number;
      seed: number;
      frameworks: string[];
      tasks: { name: string; type: string; data: string; splits: string; target: string; classes: string[]; features: string[] }[];
    };
    assert.deepEqual(manifest.columns, [...RESULT_COLUMNS]);
    assert.deepEqual([manifest.folds, manifest.seed], [1, 3]);
    assert.deepEqual(manifest.frameworks, ['sklearn-RF', 'sklearn-HGB', 'XGBoost']);
    const vote = manifest.tasks.find((t) => t.name === 'vote')!;
    assert.equal(vote.type, 'binary');
    assert.equal(vote.target, 'Class');
    assert.deepEqual(vote.classes, ['democrat', 'republican']);
    assert.equal(vote.features.length, 16);
    assert.match(readFileSync(vote.splits, 'utf8'), /@ATTRIBUTE rowid NUMERIC/);
    assert.match(readFileSync(vote.data, 'utf8'), /@relation/i);
    assert.deepEqual(manifest.tasks.find((t) => t.name === 'cpu')!.classes, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
