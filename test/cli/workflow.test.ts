/**
 * The user workflow, end to end through the real CLI: fit (classification with --holdout, regression with --test)
 * -> bundle -> predict CSV -> runs / leaderboard -> reensemble -> export (and refit) -> serve over HTTP.
 * Tiny budgets (4 trials, small space, 3 folds) on iris and cpu; everything in a temp directory and temp database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadDatasetFile } from '../../src/data/load.js';
import { takeRows, targetLabels, type ClassTarget } from '../../src/data/dataset.js';
import { holdout } from '../../src/data/split.js';
import { loadBundle } from '../../src/export/bundle.js';
import { getMetric } from '../../src/metrics/index.js';
import { tableToRows } from '../../src/serving/serving-cost.js';
import { DATA, cli, cliAll, readCsv, startCli, tempDir } from './helpers.js';
import { maxAbsDiff, ort, runOnnx } from '../export/onnx-helpers.js';

interface FitJson {
  runId: number;
  task: string;
  metric: string;
  classes: string[];
  trials: { done: number; failed: number; timeout: number };
  stoppedBy: string;
  leaderboard: { trial: number; validationScore: number }[];
  ensemble: { method: string; members: { trialId: number; weight: number }[] };
  validationScore: number;
  testScore: number | null;
  bundle: { dir: string; bytes: number };
  latency: { singleRowMs: number; batchRows: number; batchMs: number; rowsPerSecond: number };
}

const tmp = tempDir('workflow');
const db = tmp.path('runs.db');
const irisModel = tmp.path('iris-model');
const cpuModel = tmp.path('cpu-model');
const tiny = ['--max-trials', '4', '--space', 'small', '--folds', '3', '--db', db];
let iris: FitJson;
let irisStderr: string;
let cpuReport: string;
let cpuRunId: number;

before(async () => {
  const [irisRun, cpuRun] = await Promise.all([
    cli('fit', '--data', `${DATA}/iris.arff`, '--target', 'class', '--holdout', '0.3', ...tiny, '--deploy', 'exact', '--out', irisModel, '--json'),
    cli('fit', '--data', `${DATA}/cpu.arff`, '--test', `${DATA}/cpu.arff`, ...tiny, '--out', cpuModel),
  ]);
  assert.equal(irisRun.code, 0, irisRun.stderr);
  assert.equal(cpuRun.code, 0, cpuRun.stderr);
  iris = JSON.parse(irisRun.stdout) as FitJson;
  irisStderr = irisRun.stderr;
  cpuReport = cpuRun.stdout;
  cpuRunId = Number(/^run (\d+):/m.exec(cpuReport)![1]);
});

after(() => tmp.remove());

test('fit --json: run summary, ensemble, held-out score equal to scoring the saved bundle', async () => {
  assert.equal(iris.task, 'multiclass');
  assert.equal(iris.metric, 'log_loss');
  assert.deepEqual(iris.classes, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
  assert.equal(iris.trials.done + iris.trials.failed + iris.trials.timeout, 4);
  assert.equal(iris.stoppedBy, 'max-trials');
  assert.equal(iris.ensemble.method, 'ges');
  const weights = iris.ensemble.members.reduce((s, m) => s + m.weight, 0);
  assert.ok(Math.abs(weights - 1) < 1e-9, `weights sum to ${weights}`);
  assert.ok(iris.validationScore > 0 && iris.validationScore < 1.1, String(iris.validationScore));
  assert.ok(iris.validationScore <= iris.leaderboard[0]!.validationScore + 1e-12, 'GES is no worse than its best member on validation');
  assert.ok(iris.bundle.bytes > 1000 && existsSync(`${irisModel}/manifest.json`));
  assert.ok(iris.latency.singleRowMs > 0 && iris.latency.batchMs > 0 && iris.latency.batchRows === 1000);
  assert.match(irisStderr, /^run \d+ started: iris, 105 rows, 4 features, multiclass target 'class'; metric log_loss; at most 4 trials$/m);
  assert.match(irisStderr, /^search finished: \d trials done(, \d pruned)?, \d failed in \d+s \(stopped at the trial limit\)$/m);

  // --holdout 0.3 is the seeded, stratified split of src/data/split.ts: score the bundle on it independently.
  const data = loadDatasetFile(`${DATA}/iris.arff`);
  const split = holdout(data.nRows, 0.3, 0, data.target.kind === 'classes' ? data.target.codes : undefined);
  const test = takeRows(data, split.test);
  const model = await loadBundle(irisModel);
  const expected = getMetric('log_loss').score(targetLabels(test), model.predictMatrix(test), 3);
  assert.ok(Math.abs(iris.testScore! - expected) < 1e-12, `${iris.testScore} vs ${expected}`);
});

test('fit report (regression, --test with the target): leaderboard, ensemble, scores, bundle size, latency', async () => {
  assert.match(cpuReport, /^run \d+: \d trials done(, \d pruned)?, 0 failed in \d+s \(stopped at the trial limit\)$/m);
  assert.match(cpuReport, /^leaderboard \(top 4 of 4, validation rmse\)$/m);
  assert.match(cpuReport, /^\s+rank\s+trial\s+family\s+rmse\s+fit s\s+config$/m);
  assert.match(cpuReport, /^ensemble: ges, \d members?$/m);
  assert.match(cpuReport, /^validation rmse\s+\d+\.\d{4}\s+\(best single member \d+\.\d{4}\)$/m);
  assert.match(cpuReport, /^bundle\s+\S+cpu-model \(\d+(\.\d+)? (KiB|MiB), deploy small: \d of \d members \(\d refit\).*\)$/m);
  assert.match(cpuReport, /^latency 1 row \d+\.\d+ ms, 1,000 rows \d+(\.\d+)? ms \([\d,]+ rows\/s\)$/m);
  const printed = Number(/^test rmse\s+(\S+)\s+\(209 rows of \S+cpu\.arff\)$/m.exec(cpuReport)![1]);
  const data = loadDatasetFile(`${DATA}/cpu.arff`);
  const model = await loadBundle(cpuModel);
  const rmse = getMetric('rmse').score(targetLabels(data), model.predictMatrix(data), 1);
  assert.equal(printed.toFixed(4), rmse.toFixed(4));
});

test('predict: class-probability CSV in input order, identical to the bundle in process; regression CSV', async () => {
  const data = loadDatasetFile(`${DATA}/iris.arff`);
  const rows = tableToRows(data);
  const names = data.features.map((f) => f.name);
  // The rows reversed, without the target column, as a CSV file.
  const reversed = tmp.path('iris-reversed.csv');
  writeFileSync(reversed, [names.join(','), ...[...rows].reverse().map((r) => names.map((n) => String(r[n])).join(','))].join('\n') + '\n');
  const outFile = tmp.path('pred-reversed.csv');
  const [plain, fromCsv, cpu] = await cliAll([
    ['predict', '--model', irisModel, '--data', `${DATA}/iris.arff`],
    ['predict', '--model', irisModel, '--data', reversed, '--out', outFile],
    ['predict', '--model', cpuModel, '--data', `${DATA}/cpu.arff`],
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(fromCsv.code, 0, fromCsv.stderr);
  assert.equal(fromCsv.stdout, '');
  assert.equal(fromCsv.stderr, `wrote 150 predictions to ${outFile}\n`);

  const forward = readCsv(plain.stdout);
  const backward = readCsv(readFileSync(outFile, 'utf8'));
  assert.deepEqual(forward.header, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica', 'prediction']);
  assert.deepEqual(backward.header, forward.header);
  assert.equal(forward.rows.length, 150);
  assert.deepEqual(backward.rows, [...forward.rows].reverse());
  const model = await loadBundle(irisModel);
  const p = model.predictMatrix(data);
  forward.rows.forEach((row, i) => {
    const probs = row.slice(0, 3).map(Number);
    assert.deepEqual(probs, Array.from(p.subarray(i * 3, i * 3 + 3)), `row ${i}`);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9, `row ${i} sums to 1`);
    assert.equal(row[3], forward.header[probs.indexOf(Math.max(...probs))]);
  });
  const target = data.target as ClassTarget;
  const correct = forward.rows.filter((row, i) => row[3] === target.classes[target.codes[i]!]).length;
  assert.ok(correct >= 140, `${correct} of 150 training rows predicted right`);

  assert.equal(cpu.code, 0, cpu.stderr);
  const regression = readCsv(cpu.stdout);
  assert.deepEqual(regression.header, ['prediction']);
  assert.equal(regression.rows.length, 209);
  assert.ok(regression.rows.every((r) => r.length === 1 && Number.isFinite(Number(r[0]))));
});

test('predict --interval / --uncertainty: set or lower/upper columns and the uncertainty split, as the bundle gives them', async () => {
  const [sets, intervals, badLevel, badMethod] = await cliAll([
    ['predict', '--model', irisModel, '--data', `${DATA}/iris.arff`, '--interval', '0.9', '--uncertainty', '--set-method', 'aps'],
    ['predict', '--model', cpuModel, '--data', `${DATA}/cpu.arff`, '--interval', '0.8'],
    ['predict', '--model', cpuModel, '--data', `${DATA}/cpu.arff`, '--interval', '90'],
    ['predict', '--model', irisModel, '--data', `${DATA}/iris.arff`, '--interval', '0.9', '--set-method', 'best'],
  ]);
  assert.equal(sets.code, 0, sets.stderr);
  const setCsv = readCsv(sets.stdout);
  assert.deepEqual(setCsv.header, ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica', 'prediction', 'set', 'total', 'aleatoric', 'epistemic']);
  const model = await loadBundle(irisModel);
  const data = loadDatasetFile(`${DATA}/iris.arff`);
  const expected = model.predictProba(data, { interval: 0.9, uncertainty: true, setMethod: 'aps' });
  setCsv.rows.forEach((row, i) => {
    assert.deepEqual(JSON.parse(row[4]!), expected[i]!.set);
    assert.equal(Number(row[5]), expected[i]!.uncertainty!.total);
  });
  assert.equal(intervals.code, 0, intervals.stderr);
  const intervalCsv = readCsv(intervals.stdout);
  assert.deepEqual(intervalCsv.header, ['prediction', 'lower', 'upper']);
  assert.ok(intervalCsv.rows.every((r) => Number(r[1]) <= Number(r[0]) && Number(r[0]) <= Number(r[2])));
  assert.equal(badLevel.code, 1);
  assert.match(badLevel.stderr, /^auto-ensemble: interval must be a coverage level strictly between 0 and 1 \(e\.g\. 0\.9\), got 90\n$/);
  assert.equal(badMethod.code, 1);
  assert.match(badMethod.stderr, /setMethod must be one of lac, aps/);
});

test('predict with a missing feature column: exit 1, one line naming the column', async () => {
  const file = tmp.path('no-petalwidth.csv');
  writeFileSync(file, 'sepallength,sepalwidth,petallength\n5.1,3.5,1.4\n');
  const run = await cli('predict', '--model', irisModel, '--data', file);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^auto-ensemble: .*missing feature column 'petalwidth'\n$/);
});

test('runs and leaderboard: JSON and tables', async () => {
  const [runsJson, runsText, board, limited, boardText] = await cliAll([
    ['runs', '--db', db, '--json'],
    ['runs', '--db', db],
    ['leaderboard', String(iris.runId), '--db', db, '--json'],
    ['leaderboard', String(cpuRunId), '--db', db, '--json', '--limit', '2'],
    ['leaderboard', String(iris.runId), '--db', db],
  ]);
  for (const run of [runsJson, runsText, board, limited, boardText]) assert.equal(run.code, 0, run.stderr);
  const runs = JSON.parse(runsJson.stdout) as { id: number; dataset: string; task: string; status: string; trials: { done: number }; ensembles: unknown[] }[];
  assert.deepEqual(runs.map((r) => r.id).sort(), [iris.runId, cpuRunId].sort());
  const irisRun = runs.find((r) => r.id === iris.runId)!;
  assert.deepEqual([irisRun.dataset, irisRun.task, irisRun.status, irisRun.trials.done, irisRun.ensembles.length], ['iris', 'multiclass', 'done', iris.trials.done, 1]);
  assert.match(runsText.stdout, /^\s+run\s+dataset\s+task\s+metric\s+status\s+trials\s+failed\s+best\s+ensemble\s+created$/m);
  assert.match(runsText.stdout, new RegExp(`^\\s+${cpuRunId}\\s+cpu\\s+regression\\s+rmse\\s+done\\s+4\\s+0\\s`, 'm'));

  const rows = JSON.parse(board.stdout) as { rank: number; trial: number; family: string; validationScore: number }[];
  assert.equal(rows.length, iris.trials.done);
  assert.deepEqual(rows.map((r) => r.rank), rows.map((_, i) => i + 1));
  const scores = rows.map((r) => r.validationScore);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b), 'log loss: best (lowest) first');
  assert.deepEqual(rows.map((r) => r.trial), iris.leaderboard.map((r) => r.trial));
  assert.equal((JSON.parse(limited.stdout) as unknown[]).length, 2);
  assert.match(boardText.stdout, new RegExp(`^run ${iris.runId} \\(iris, multiclass\\): 4 of 4 trials done, 0 failed; validation log_loss$`, 'm'));
});

test('reensemble with another method, then export each ensemble; export --deploy small reproduces fit\'s default bundle', async () => {
  const stackedDir = tmp.path('iris-stacking');
  const re = await cli('reensemble', String(iris.runId), '--ensemble', 'stacking', '--db', db, '--out', stackedDir);
  assert.equal(re.code, 0, re.stderr);
  assert.match(re.stdout, /^ensemble: stacking, \d members?$/m);
  assert.match(re.stdout, /^\s+\d+\s+ges\s+\d+\s+\d\.\d{4}\s/m);
  assert.match(re.stdout, /^\s+\d+\s+stacking\s+\d+\s+\d\.\d{4}\s/m);
  assert.ok(existsSync(`${stackedDir}/manifest.json`));
  const listed = await cli('runs', '--db', db, '--json');
  const ensembles = (JSON.parse(listed.stdout) as { id: number; ensembles: { id: number; method: string }[] }[]).find((r) => r.id === iris.runId)!.ensembles;
  assert.deepEqual(ensembles.map((e) => e.method), ['ges', 'stacking']);

  const gesDir = tmp.path('iris-export-ges');
  const refitDir = tmp.path('cpu-refit');
  const [exported, refit] = await cliAll([
    ['export', String(iris.runId), '--db', db, '--ensemble-id', String(ensembles[0]!.id), '--out', gesDir],
    ['export', String(cpuRunId), '--db', db, '--out', refitDir, '--deploy', 'small', '--data', `${DATA}/cpu.arff`],
  ]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /^ensemble: ges, /m);
  assert.equal(refit.code, 0, refit.stderr);
  assert.match(refit.stdout, /^bundle\s+\S+cpu-refit \(.*, deploy small: \d of \d members \(\d refit\).*\)$/m);

  // The exported GES ensemble is the one fit saved (--deploy exact): same predictions. The cpu fit saved the default
  // form, small: exporting it again from the stored run refits the same members with the same seeds, bit for bit.
  const [fromFit, fromExport, stacked, cpuFit, cpuExport] = await Promise.all(
    [irisModel, gesDir, stackedDir, cpuModel, refitDir].map((dir) => loadBundle(dir)),
  );
  const data = loadDatasetFile(`${DATA}/iris.arff`);
  assert.deepEqual(fromExport!.predictMatrix(data), fromFit!.predictMatrix(data));
  assert.equal(stacked!.method, 'stacking');
  const cpu = loadDatasetFile(`${DATA}/cpu.arff`);
  assert.deepEqual(cpuExport!.predictMatrix(cpu), cpuFit!.predictMatrix(cpu));
  const manifest = JSON.parse(readFileSync(`${refitDir}/manifest.json`, 'utf8')) as { members: { models: unknown[] }[]; deployment: { form: string } };
  assert.ok(manifest.members.length > 0 && manifest.members.every((m) => m.models.length === 1));
  assert.equal(manifest.deployment.form, 'small');
});

test('export --format onnx writes one ONNX graph that onnxruntime runs like the bundle', async () => {
  // The run's newest ensemble is the stacking one (reensemble above): exported to ONNX and as a bundle.
  const file = tmp.path('iris.onnx');
  const run = await cli('export', String(iris.runId), '--db', db, '--format', 'onnx', '--out', file);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^onnx\s+\S+iris\.onnx \(\d+(\.\d+)? (KiB|MiB), deploy exact/m);
  const model = await loadBundle(tmp.path('iris-stacking'));
  assert.equal(model.method, 'stacking');
  const data = loadDatasetFile(`${DATA}/iris.arff`);
  const session = await ort.InferenceSession.create(readFileSync(file));
  const { matrix, labels } = await runOnnx(session, model, data);
  assert.ok(maxAbsDiff(matrix, model.predictMatrix(data)) <= 1e-9);
  assert.deepEqual(labels, model.predict(data));
});

test('serve: health, metadata, predictions equal to the bundle in process, 400 on bad rows, 413 on too much', async () => {
  const server = startCli('serve', irisModel, '--port', '0', '--max-rows', '5', '--body-limit', '4000');
  try {
    const url = (await server.waitForStdout(/at (http:\/\/127\.0\.0\.1:\d+)\n/))[1]!;
    assert.match(server.stdout, /^serving \S+iris-model \(multiclass, 3 classes, \d members?\) at http/m);
    const post = (body: unknown): Promise<Response> =>
      fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const metadata = (await (await fetch(`${url}/metadata`)).json()) as { task: string; classes: string[]; features: { name: string }[] };
    assert.equal(metadata.task, 'multiclass');
    assert.deepEqual(metadata.classes, iris.classes);
    assert.deepEqual(metadata.features.map((f) => f.name), ['sepallength', 'sepalwidth', 'petallength', 'petalwidth']);

    const rows = [
      { sepallength: 5.1, sepalwidth: 3.5, petallength: 1.4, petalwidth: 0.2 },
      { sepallength: 6.7, sepalwidth: 3.0, petallength: 5.2, petalwidth: 2.3 },
    ];
    const ok = await post({ rows });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { predictions: string[]; probabilities: Record<string, number>[] };
    const model = await loadBundle(irisModel);
    assert.deepEqual(body.predictions, model.predict(rows));
    assert.deepEqual(body.probabilities, model.predictProba(rows));
    assert.deepEqual(body.predictions, ['Iris-setosa', 'Iris-virginica']);

    const wrongType = await post({ rows: [{ ...rows[0], sepalwidth: 'wide' }] });
    assert.equal(wrongType.status, 400);
    assert.match(((await wrongType.json()) as { error: string }).error, /sepalwidth/);
    const missingColumn = await post({ rows: [{ sepallength: 5.1 }] });
    assert.equal(missingColumn.status, 400);
    assert.equal((await post('{"rows": [')).status, 400);
    assert.equal((await post({ rows: 'all of them' })).status, 400);
    const tooMany = await post({ rows: Array.from({ length: 6 }, () => rows[0]) });
    assert.equal(tooMany.status, 413);
    assert.match(((await tooMany.json()) as { error: string }).error, /too many rows: 6 \(limit 5\)/);
    const tooBig = await post({ rows: [{ ...rows[0], padding: 'x'.repeat(5000) }] });
    assert.equal(tooBig.status, 413);

    const uncertain = await post({ rows, interval: 0.9, uncertainty: true });
    assert.equal(uncertain.status, 200);
    const detail = (await uncertain.json()) as { sets: string[][]; uncertainty: { total: number; aleatoric: number; epistemic: number }[] };
    const inProcess = model.predictProba(rows, { interval: 0.9, uncertainty: true });
    assert.deepEqual(detail.sets, inProcess.map((r) => r.set));
    assert.deepEqual(detail.uncertainty, inProcess.map((r) => r.uncertainty));
    const badLevel = await post({ rows, interval: 1.5 });
    assert.equal(badLevel.status, 400);
    assert.match(((await badLevel.json()) as { error: string }).error, /strictly between 0 and 1/);
    const badOption = await post({ rows, confidence: 0.9 });
    assert.equal(badOption.status, 400);
    assert.match(((await badOption.json()) as { error: string }).error, /unknown predict option 'confidence'/);
    const described = (await (await fetch(`${url}/metadata`)).json()) as { uncertainty: { calibrated: boolean; folds: number } };
    assert.deepEqual([described.uncertainty.calibrated, described.uncertainty.folds], [true, 3]);
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.equal(await server.exited, 0);
  assert.match(server.stderr, /SIGTERM: closing the server/);
});

test('fit: Ctrl-C (SIGINT) stops the search early and still saves the best ensemble so far', async () => {
  const sigintDb = tmp.path('sigint.db');
  const out = tmp.path('sigint-model');
  const fit = startCli('fit', '--data', `${DATA}/diabetes.arff`, '--budget', '120', '--space', 'small', '--folds', '3', '--db', sigintDb, '--out', out, '--json');
  const { SqliteStore } = await import('../../src/store/index.js');
  const deadline = Date.now() + 60_000;
  let done = 0;
  while (done === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    if (!existsSync(sigintDb)) continue;
    try {
      const store = new SqliteStore(sigintDb, { readonly: true });
      try {
        done = store.listRuns().flatMap((r) => store.listTrials(r.id, ['done'])).length;
      } finally {
        store.close();
      }
    } catch {
      // the database is being created: try again
    }
  }
  assert.ok(done > 0, `a trial finished within a minute; stderr: ${fit.stderr}`);
  fit.child.kill('SIGINT');
  const code = await fit.exited;
  assert.equal(code, 0, fit.stderr);
  assert.match(fit.stderr, /^stopping: no new trials; building the ensemble from the trials so far/m);
  const summary = JSON.parse(fit.stdout) as FitJson;
  assert.equal(summary.stoppedBy, 'cancelled');
  assert.ok(summary.trials.done >= 1 && summary.ensemble.members.length >= 1);
  assert.ok(existsSync(`${out}/manifest.json`));
});
