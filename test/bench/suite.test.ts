/** Suite files: validation, the built-in suites, and split generation (OpenML format, seeded, generated once). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtinSuitePath, loadSuite, parseSuiteFile } from '../../src/bench/suite.js';
import { parseOpenmlSplits } from '../../src/data/openml-split.js';
import { fillCacheFromLocal } from '../../src/openml/fill-cache.js';
import { ConfigError } from '../../src/util/errors.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'bench-suite-test-'));

test('parseSuiteFile rejects bad suites with the reason', () => {
  const bad = (doc: unknown, pattern: RegExp): void =>
    assert.throws(() => parseSuiteFile(JSON.stringify(doc), 'x.json'), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  bad({ datasets: [] }, /'name'/);
  bad({ name: 's', datasets: [] }, /non-empty/);
  bad({ name: 's', datasets: [{ name: 'a', path: 'a.arff', target: 't' }] }, /'task'/);
  bad({ name: 's', datasets: [{ name: 'a', path: 'a.arff', target: 't', task: 'ranking' }] }, /binary, multiclass or regression/);
  const one = { name: 'a', path: 'a.arff', target: 't', task: 'binary' };
  bad({ name: 's', datasets: [one, one] }, /twice/);
  bad({ name: 's', datasets: [one], splits: { folds: 1 } }, /splits.folds/);
  assert.throws(() => parseSuiteFile('{', 'x.json'), /not valid JSON/);
});

test('the built-in suites list the shared datasets with their targets', () => {
  const shared = parseSuiteFile(readFileSync(builtinSuitePath('shared-18'), 'utf8'), 'shared-18.json');
  assert.equal(shared.datasets.length, 18);
  const index = JSON.parse(readFileSync('../shared/datasets/index.json', 'utf8')) as { name: string; target: string; task: string }[];
  for (const entry of index) {
    const d = shared.datasets.find((x) => x.name === entry.name);
    assert.ok(d, entry.name);
    assert.equal(d.target, entry.target);
    assert.equal(d.task, entry.task);
  }
  const smoke = parseSuiteFile(readFileSync(builtinSuitePath('smoke'), 'utf8'), 'smoke.json');
  assert.deepEqual(new Set(smoke.datasets.map((d) => d.task)), new Set(['binary', 'multiclass', 'regression']));
  assert.ok((smoke.defaults?.folds ?? 10) <= 2);
});

test('a local suite writes seeded OpenML split files once and loads tasks through the cache', async () => {
  const [a, b] = [tmp(), tmp()];
  try {
    const suite = await loadSuite('smoke', { cacheDir: a });
    assert.equal(suite.name, 'smoke');
    assert.deepEqual(suite.tasks.map((t) => t.name).sort(), ['cpu', 'iris', 'vote']);
    const iris = await suite.tasks.find((t) => t.name === 'iris')!.load();
    assert.equal(iris.dataset.nRows, 150);
    assert.equal(iris.folds.length, 5);
    // Stratified: each iris test fold holds 10 rows of each class.
    const codes = iris.dataset.target.kind === 'classes' ? iris.dataset.target.codes : new Int32Array(0);
    for (const fold of iris.folds) {
      const counts = [0, 0, 0];
      for (const r of fold.test) counts[codes[r]!]!++;
      assert.deepEqual(counts, [10, 10, 10]);
    }
    // The split file is OpenML's format and is not rewritten on the next load.
    const splitText = readFileSync(iris.files.splits, 'utf8');
    assert.match(splitText, /@ATTRIBUTE type \{TRAIN,TEST\}/);
    assert.equal(parseOpenmlSplits(splitText).length, 5);
    const written = statSync(iris.files.splits).mtimeMs;
    await loadSuite('smoke', { cacheDir: a });
    assert.equal(statSync(iris.files.splits).mtimeMs, written);
    // Same seed, fresh cache: the same bytes.
    const again = await (await loadSuite('smoke', { cacheDir: b, datasets: ['iris'] })).tasks[0]!.load();
    assert.equal(readFileSync(again.files.splits, 'utf8'), splitText);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('a suite file with another seed gets other splits; unknown names are errors', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'mine.json');
    const glass = { name: 'glass', path: resolve('../shared/datasets/glass.arff'), target: 'Type', task: 'multiclass' };
    writeFileSync(file, JSON.stringify({ name: 'mine', datasets: [glass], splits: { folds: 3, seed: 7 } }));
    const seven = await (await loadSuite(file, { cacheDir: join(dir, 'cache') })).tasks[0]!.load();
    writeFileSync(file, JSON.stringify({ name: 'mine', datasets: [glass], splits: { folds: 3, seed: 8 } }));
    const eight = await (await loadSuite(file, { cacheDir: join(dir, 'cache') })).tasks[0]!.load();
    assert.equal(seven.folds.length, 3);
    assert.notDeepEqual([...seven.folds[0]!.test], [...eight.folds[0]!.test]);
    await assert.rejects(loadSuite(file, { cacheDir: join(dir, 'cache'), datasets: ['iris'] }), /has no dataset iris/);
    await assert.rejects(loadSuite('no-such-suite', { cacheDir: dir }), /unknown suite/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an OpenML suite id or alias loads through the client; offline, a missing suite says what is missing', async () => {
  const dir = tmp();
  try {
    await fillCacheFromLocal({ cacheDir: dir, names: ['iris', 'cpu'], folds: 3, suite: 'mini' });
    const suite = await loadSuite('openml/mini', { cacheDir: dir, offline: true });
    assert.equal(suite.source.startsWith('openml:'), true);
    assert.deepEqual(suite.tasks.map((t) => [t.id, t.name]).sort(), [
      ['local-cpu', 'cpu'],
      ['local-iris', 'iris'],
    ]);
    const cpu = await suite.tasks.find((t) => t.name === 'cpu')!.load();
    assert.equal(cpu.dataset.task, 'regression');
    assert.equal(cpu.folds.length, 3);
    await assert.rejects(loadSuite('271', { cacheDir: dir, offline: true }), /271/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
