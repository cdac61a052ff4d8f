/** The CLI skeleton and `inspect`, run as a child process exactly as users run it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/auto-ensemble.js', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const DATA = '../shared/datasets';

test('inspect --json on soybean: 683 rows, 35 features, 19 classes', async () => {
  const run = await cli('inspect', '--data', `${DATA}/soybean.arff`, '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const out = JSON.parse(run.stdout) as {
    rows: number;
    features: { name: string; kind: string; missing: number }[];
    target: string;
    task: string;
    classes: { name: string; count: number }[];
  };
  assert.equal(out.rows, 683);
  assert.equal(out.features.length, 35);
  assert.equal(out.classes.length, 19);
  assert.equal(out.target, 'class');
  assert.equal(out.task, 'multiclass');
  assert.ok(out.features.every((f) => f.kind === 'categorical'));
  assert.equal(
    out.features.reduce((s, f) => s + f.missing, 0),
    2337,
  );
  assert.equal(
    out.classes.reduce((s, c) => s + c.count, 0),
    683,
  );
});

test('inspect --json on a regression set has empty classes; --target picks a CSV column', async () => {
  const [boston, people] = await Promise.all([
    cli('inspect', '--data', `${DATA}/boston.arff`, '--json'),
    cli('inspect', '--data', 'test/fixtures/data/people.csv', '--target', 'city', '--json'),
  ]);
  assert.equal(boston.code, 0, boston.stderr);
  const b = JSON.parse(boston.stdout) as { rows: number; task: string; classes: unknown[]; features: unknown[] };
  assert.deepEqual([b.rows, b.task, b.classes, b.features.length], [506, 'regression', [], 13]);
  assert.equal(people.code, 0, people.stderr);
  const p = JSON.parse(people.stdout) as { target: string; task: string; classes: { name: string; count: number }[] };
  assert.equal(p.target, 'city');
  assert.equal(p.task, 'multiclass');
  assert.deepEqual(p.classes, [
    { name: 'Boston', count: 3 },
    { name: 'Chicago', count: 2 },
    { name: 'New York', count: 3 },
  ]);
});

test('inspect prints a human table', async () => {
  const run = await cli('inspect', '--data', `${DATA}/credit-g.arff`);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^dataset\s+credit-g$/m);
  assert.match(run.stdout, /^rows\s+1000$/m);
  assert.match(run.stdout, /^target\s+class \(binary\)$/m);
  assert.match(run.stdout, /^\s+good\s+700\s+70\.0%$/m);
  assert.match(run.stdout, /^\s+checking_status\s+categorical\s+0\s+4$/m);
  assert.match(run.stdout, /^\s+credit_amount\s+numeric\s+0\s+921$/m);
});

test('errors: one stderr line, non-zero exit, stack only with --verbose', async () => {
  const [missing, verbose, badTarget, usage, unknown] = await Promise.all([
    cli('inspect', '--data', 'no/such.arff'),
    cli('--verbose', 'inspect', '--data', 'no/such.arff'),
    cli('inspect', '--data', `${DATA}/iris.arff`, '--target', 'species'),
    cli('inspect'),
    cli('inspekt', '--data', 'x'),
  ]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'auto-ensemble: no/such.arff: cannot read dataset: no such file\n');
  assert.equal(verbose.code, 1);
  assert.match(verbose.stderr, /^auto-ensemble: no\/such\.arff: cannot read dataset/);
  assert.match(verbose.stderr, /\n\s+at /);
  assert.equal(badTarget.code, 1);
  assert.equal(
    badTarget.stderr,
    `auto-ensemble: ${DATA}/iris.arff: unknown target column 'species'; available columns: ` +
      'sepallength, sepalwidth, petallength, petalwidth, class\n',
  );
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, "auto-ensemble: required option '--data <file>' not specified\n");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^auto-ensemble: unknown command 'inspekt'.*inspect.*\n$/);
  assert.equal(unknown.stderr.split('\n').length, 2);
});

test('--help lists the commands; --version prints the package version', async () => {
  const [help, version, inspectHelp] = await Promise.all([cli('--help'), cli('--version'), cli('inspect', '--help')]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: auto-ensemble/);
  assert.match(help.stdout, /^\s+inspect \[options\]/m);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
  assert.match(inspectHelp.stdout, /--data <file>/);
  assert.match(inspectHelp.stdout, /--json/);
});

test('main() in process writes to the given IO and returns the exit code', async () => {
  let out = '';
  let err = '';
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  assert.equal(await main(['node', 'auto-ensemble', 'inspect', '--data', `${DATA}/iris.arff`, '--json'], io), 0);
  assert.equal(JSON.parse(out).rows, 150);
  assert.equal(err, '');
  out = '';
  assert.equal(await main(['node', 'auto-ensemble', 'inspect', '--data', `${DATA}/iris.arff`, '--task', 'regression'], io), 1);
  assert.match(err, /^auto-ensemble: .*iris\.arff, line \d+, column 'class': task regression needs a numeric target/);
});
