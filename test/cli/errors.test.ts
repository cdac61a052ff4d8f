/**
 * Every bad-input path of the user commands: the exit code (2 = usage, 1 = bad data or configuration), one line
 * `auto-ensemble: <message>` on stderr, nothing on stdout, and no training started.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { SqliteStore } from '../../src/store/index.js';
import { main } from '../../src/cli/main.js';
import { DATA, cliAll, tempDir } from './helpers.js';

const tmp = tempDir('errors');
after(() => tmp.remove());

interface Case {
  readonly args: readonly string[];
  readonly code: 1 | 2;
  readonly message: RegExp;
}

/** Run each case in process through main() (the same code as the binary, without a process start each). */
async function check(cases: readonly Case[]): Promise<void> {
  for (const { args, code, message } of cases) {
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
    const exit = await main(['node', 'auto-ensemble', ...args], io);
    const what = args.join(' ');
    assert.equal(exit, code, `${what}: exit code (stderr: ${err})`);
    assert.equal(out, '', `${what}: stdout`);
    assert.match(err, /^auto-ensemble: [^\n]+\n$/, `${what}: one line on stderr`);
    assert.match(err, message, what);
  }
}

test('the binary: exit 2 on usage errors, 1 on bad data, one stderr line each', async () => {
  const [usage, data] = await cliAll([
    ['fit', '--data', `${DATA}/iris.arff`, '--budget', 'soon'],
    ['fit', '--data', 'no/such.arff', '--db', tmp.path('bin.db')],
  ]);
  assert.deepEqual([usage.code, usage.stdout], [2, '']);
  assert.equal(usage.stderr, "auto-ensemble: option '--budget <seconds>' argument 'soon' is invalid. expected a positive number.\n");
  assert.deepEqual([data.code, data.stdout], [1, '']);
  assert.equal(data.stderr, 'auto-ensemble: no/such.arff: cannot read dataset: no such file\n');
});

test('fit: missing or bad options and data', async () => {
  const db = tmp.path('fit.db');
  const full = tmp.path('full');
  mkdirSync(full);
  writeFileSync(`${full}/notes.txt`, 'mine');
  const iris = `${DATA}/iris.arff`;
  // Binary, one row of class b: a 20% holdout leaves it out of the test rows, where roc_auc is then undefined.
  const rare = tmp.path('rare.csv');
  writeFileSync(rare, ['x,y', ...Array.from({ length: 24 }, (_, i) => `${i},a`), '99,b'].join('\n') + '\n');
  // A numeric column with an unlisted missing marker.
  const tokens = tmp.path('tokens.csv');
  writeFileSync(tokens, ['x,y', ...Array.from({ length: 40 }, (_, i) => `${i === 3 || i === 17 ? 'missing' : i},${i % 2 === 0 ? 'a' : 'b'}`)].join('\n') + '\n');
  await check([
    { args: ['fit', '--target', 'class'], code: 2, message: /required option '--data <file>' not specified/ },
    { args: ['fit', '--data', 'no/such.arff', '--db', db], code: 1, message: /^auto-ensemble: no\/such\.arff: cannot read dataset: no such file\n$/ },
    { args: ['fit', '--data', iris, '--target', 'species', '--db', db], code: 1, message: /unknown target column 'species'; available columns: sepallength, .*class\n$/ },
    { args: ['fit', '--data', iris, '--budget', 'soon'], code: 2, message: /option '--budget <seconds>' argument 'soon' is invalid\. expected a positive number/ },
    { args: ['fit', '--data', iris, '--budget', '0'], code: 2, message: /argument '0' is invalid\. expected a positive number/ },
    { args: ['fit', '--data', iris, '--max-trials', '2.5'], code: 2, message: /'--max-trials <n>' argument '2\.5' is invalid\. expected a positive integer/ },
    { args: ['fit', '--data', iris, '--ensemble', 'voting'], code: 2, message: /'--ensemble <method>' argument 'voting' is invalid\. Allowed choices are ges, qo-es, qdo-es, stacking, single-best, top-k/ },
    { args: ['fit', '--data', iris, '--search', 'grid'], code: 2, message: /'--search <method>' argument 'grid' is invalid\. Allowed choices are random, bo, divbo/ },
    { args: ['fit', '--data', iris, '--metric', 'auc'], code: 2, message: /'--metric <name>' argument 'auc' is invalid/ },
    { args: ['fit', '--data', iris, '--metric', 'rmse', '--db', db], code: 1, message: /metric 'rmse' does not apply to multiclass tasks/ },
    { args: ['fit', '--data', iris, '--holdout', '1.5'], code: 2, message: /'--holdout <fraction>' argument '1\.5' is invalid/ },
    { args: ['fit', '--data', iris, '--holdout', '0.2', '--test', iris], code: 2, message: /option '--test <file>' cannot be used with option '--holdout <fraction>'/ },
    { args: ['fit', '--data', iris, '--test', 'no/test.csv', '--db', db], code: 1, message: /no\/test\.csv: cannot read dataset: no such file/ },
    { args: ['fit', '--data', iris, '--out', full, '--db', db], code: 1, message: /--out .*full is not empty and holds no bundle/ },
    { args: ['fit', '--data', iris, '--space', 'huge', '--max-trials', '1', '--db', db], code: 1, message: /huge/ },
    { args: ['fit', '--data', iris, '--force', '--db', db], code: 1, message: /--force applies to --resume: give the run id/ },
    { args: ['fit', '--data', rare, '--holdout', '0.2', '--db', db], code: 1, message: /roc_auc cannot score the test rows \(5 held-out rows, --holdout 0\.2\): .*Use a larger --holdout, another --metric, or a --test file with every class/ },
    { args: ['fit', '--data', tokens, '--target', 'y', '--max-trials', '1', '--db', db], code: 1, message: /'missing'.*missingTokens/ },
    { args: ['fit', '--data', iris, '--executor', 'ftp://h', '--db', db], code: 1, message: /executor must be 'local' or a Redis URL \(redis:\/\/host:port\), got 'ftp:\/\/h'/ },
    // Port 1 refuses connections: a clear error before any run is created, not a hang.
    { args: ['fit', '--data', iris, '--max-trials', '1', '--executor', 'redis://127.0.0.1:1', '--db', db], code: 1, message: /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/ },
    { args: ['worker'], code: 2, message: /required option '--redis <url>' not specified/ },
    { args: ['worker', '--redis', 'http://h:1'], code: 1, message: /'http:\/\/h:1' is not a Redis URL: it must start with redis:\/\//},
    { args: ['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '0'], code: 2, message: /'--concurrency <n>' argument '0' is invalid/ },
  ]);
  if (existsSync(db)) {
    const store = new SqliteStore(db);
    assert.equal(store.listRuns().length, 0, 'no run was started');
    store.close();
  }
});

test('predict, runs, leaderboard, reensemble, export, serve: bad arguments, unknown runs and bundles', async () => {
  const db = tmp.path('empty.db');
  new SqliteStore(db).close();
  const missingDb = tmp.path('missing.db');
  await check([
    { args: ['predict', '--data', `${DATA}/iris.arff`], code: 2, message: /required option '--model <dir>' not specified/ },
    { args: ['predict', '--model', tmp.path('nothing')], code: 2, message: /required option '--data <file>' not specified/ },
    { args: ['predict', '--model', tmp.path('nothing'), '--data', `${DATA}/iris.arff`], code: 1, message: /no bundle .*nothing/ },
    { args: ['runs', '--db', missingDb], code: 1, message: /no database at .*missing\.db \(fit creates one; --db selects another file\)/ },
    { args: ['leaderboard', '7', '--db', db], code: 1, message: /^auto-ensemble: no run 7 in .*empty\.db\n$/ },
    { args: ['leaderboard', 'latest', '--db', db], code: 2, message: /value 'latest' is invalid for argument 'run'\. expected a run id/ },
    { args: ['leaderboard', '1', '--db', missingDb], code: 1, message: /no database at/ },
    { args: ['reensemble', '1', '--db', db], code: 2, message: /required option '--ensemble <method>' not specified/ },
    { args: ['reensemble', '1', '--ensemble', 'voting', '--db', db], code: 2, message: /Allowed choices are ges, qo-es/ },
    { args: ['reensemble', '7', '--ensemble', 'ges', '--db', db], code: 1, message: /no run 7 in .*empty\.db/ },
    { args: ['export', '7', '--db', db], code: 2, message: /required option '--out <path>' not specified/ },
    { args: ['export', '7', '--out', tmp.path('x'), '--db', db], code: 1, message: /no run 7 in/ },
    { args: ['export', '7', '--out', tmp.path('x'), '--db', db, '--refit'], code: 2, message: /--refit needs --data <file>/ },
    { args: ['serve', tmp.path('nothing')], code: 1, message: /no bundle .*nothing/ },
    { args: ['serve', tmp.path('nothing'), '--port', '70000'], code: 2, message: /'--port <n>' argument '70000' is invalid/ },
    { args: ['serve'], code: 2, message: /missing required argument 'dir'/ },
  ]);
  assert.ok(!existsSync(missingDb), 'reading commands never create a database');
});

test('fit --missing reads the given tokens as missing values (the option the inference error points to)', async () => {
  const tokens = tmp.path('tokens-ok.csv');
  writeFileSync(tokens, ['x,y', ...Array.from({ length: 40 }, (_, i) => `${i === 3 || i === 17 ? 'missing' : i},${i % 2 === 0 ? 'a' : 'b'}`)].join('\n') + '\n');
  let out = '';
  let err = '';
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  const args = ['fit', '--data', tokens, '--target', 'y', '--missing', 'missing', '--max-trials', '1', '--folds', '2', '--space', 'small', '--db', tmp.path('tokens.db'), '--out', tmp.path('tokens-model'), '--json'];
  assert.equal(await main(['node', 'auto-ensemble', ...args], io), 0, err);
  assert.equal((JSON.parse(out) as { trials: { done: number } }).trials.done, 1);
});
