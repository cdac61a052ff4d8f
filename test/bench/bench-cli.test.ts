/**
 * `auto-ensemble bench --suite smoke` end to end as a child process (real searches with tiny budgets), then
 * resume (nothing rerun) and `auto-ensemble report` on the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/bench/results-csv.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/auto-ensemble.js', ...args], { encoding: 'utf8', timeout: 150_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('bench --suite smoke runs every method on every task, resumes, and reports', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  try {
    const out = join(dir, 'smoke.csv');
    const common = ['--suite', 'smoke', '--cache', join(dir, 'cache'), '--out', out];
    const run = await cli('bench', ...common, '--budget', '4', '--max-trials', '4');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), out);
    assert.match(run.stderr, /\[9\/9\] /);
    const rows = readResults(out);
    const frameworks = ['constantpredictor', 'RandomForest', 'AE-divbo-ges', 'AE-divbo-qdo-es', 'AE-divbo-stacking', 'AE-divbo-single-best'];
    assert.equal(rows.length, 3 * frameworks.length);
    for (const task of ['iris', 'vote', 'cpu']) {
      const taskRows = rows.filter((r) => r.task === task);
      assert.deepEqual(taskRows.map((r) => r.framework).sort(), [...frameworks].sort());
      const constant = Number(taskRows.find((r) => r.framework === 'constantpredictor')!.result);
      for (const r of taskRows) {
        assert.ok(Number.isFinite(Number(r.result)), `${task} ${r.framework}: ${r.result}`);
        assert.equal(r.metric, { iris: 'neg_logloss', vote: 'auc', cpu: 'neg_rmse' }[task]);
        if (r.framework.startsWith('AE-') && !r.info!.startsWith('failed:')) {
          assert.equal(r.constraint, '4s');
          assert.ok(Number(r.trials) >= 1 && Number(r.trials) <= 4, `trials ${r.trials}`);
          assert.ok(Number(r.ensemble_size) >= 1);
          // Any trained member beats predicting the priors / the mean on these easy sets.
          assert.ok(Number(r.result) > constant, `${task} ${r.framework} ${r.result} vs constant ${constant}`);
        }
      }
    }
    const resumed = await cli('bench', ...common, '--budget', '4', '--max-trials', '4');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /9 done, 0 to run/);
    assert.equal(readResults(out).length, rows.length);
    const report = await cli('report', out, '--out', join(dir, 'report'));
    assert.equal(report.code, 0, report.stderr);
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    for (const f of frameworks) assert.ok(md.includes(f), f);
    assert.ok(existsSync(join(dir, 'report', 'normalized-scores.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench rejects an unknown suite and unknown methods with one-line errors', async () => {
  const [suite, method] = await Promise.all([
    cli('bench', '--suite', 'nope-suite'),
    cli('bench', '--suite', 'smoke', '--ensembles', 'ges,magic'),
  ]);
  assert.equal(suite.code, 1);
  assert.match(suite.stderr, /^auto-ensemble: unknown suite 'nope-suite'/);
  assert.equal(method.code, 1);
  assert.match(method.stderr, /unknown ensemble method magic/);
});
