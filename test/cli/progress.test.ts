/** The progress display (fake clock, captured output) and the CLI's text formats (tables, CSV). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { formatBytes, formatDuration, formatScore, formatTable, toCsv } from '../../src/cli/format.js';
import { ProgressDisplay } from '../../src/cli/progress.js';
import type { ProgressEvent, RunSummary } from '../../src/training/types.js';

function finished(trial: number, status: 'done' | 'failed' | 'timeout', score: number | undefined, best: number | null, timeLeft: number): ProgressEvent {
  return {
    type: 'trial-finished',
    runId: 1,
    trial,
    family: 'gbdt',
    status,
    ...(score === undefined ? { error: 'out of memory\nstack...' } : { validationScore: score }),
    seconds: 1,
    best: best === null ? null : { trial: 0, family: 'gbdt', validationScore: best, validationLoss: -best },
    finished: trial + 1,
    timeLeft,
  };
}

const summary: RunSummary = {
  runId: 1,
  stoppedBy: 'time-budget',
  secondsLeft: 0,
  trialLimitSeconds: 10,
  trials: { queued: 0, running: 0, done: 2, failed: 1, timeout: 0, pruned: 0 },
  best: null,
  elapsedSeconds: 61,
  ensembleDeadline: Infinity,
};

test('progress on a terminal: redraws one line in place with bar, counts, best score and time left', () => {
  let now = 1_000_000;
  let out = '';
  const display = new ProgressDisplay({ write: (s) => (out += s), tty: true, columns: 200, metric: 'roc_auc', timeBudget: 100, now: () => now });
  display.handle({ type: 'run-started', runId: 1, resumed: false, timeLeft: 100 });
  assert.equal(out, 'run 1 started\n\r[------------------------]   0%  0 trials done, 0 failed, 0 running  best roc_auc -  1m40s left\x1b[K');
  display.handle({ type: 'trial-started', runId: 1, trial: 0, family: 'gbdt', lane: 'cpu', timeLeft: 100 });
  now += 50_000;
  display.handle(finished(0, 'done', 0.8123, 0.8123, 50));
  assert.equal(display.status(), '[############------------]  50%  1 trials done, 0 failed, 0 running  best roc_auc 0.8123 (gbdt)  50s left');
  assert.ok(out.endsWith(`\r${display.status()}\x1b[K`), JSON.stringify(out));
  // Narrow terminals lose the bar graphic first, then the running count; the score and time left stay.
  assert.equal(display.status(79), ' 50%  1 trials done, 0 failed, 0 running  best roc_auc 0.8123 (gbdt)  50s left');
  assert.equal(display.status(60), ' 50%  1 done, 0 failed  best roc_auc 0.8123 (gbdt)  50s left');
  assert.equal(display.status(30), ' 50%  1 done, 0 failed  best r');
  out = '';
  display.handle(finished(1, 'failed', undefined, 0.8123, 40));
  // A failure is a note on its own line (first line of the error only), then the status line is redrawn.
  assert.ok(out.startsWith('\r\x1b[Ktrial 1 (gbdt) failed: out of memory\n\r['), JSON.stringify(out));
  assert.match(display.status(), /1 trials done, 1 failed, 0 running/);
  out = '';
  display.handle({ type: 'run-finished', summary });
  assert.equal(out, '\r\x1b[Ksearch finished: 2 trials done, 1 failed in 1m01s (stopped at the end of the training time)\n');
});

test('progress in a log: plain lines, only when something changed; the trial limit drives the bar', async () => {
  const lines: string[] = [];
  let now = 0;
  const display = new ProgressDisplay({ write: (s) => lines.push(s), tty: false, metric: 'rmse', maxTrials: 4, intervalMs: 20, now: () => now });
  display.handle({ type: 'run-started', runId: 3, resumed: true, timeLeft: Infinity });
  display.handle(finished(0, 'done', 2.5, 2.5, Infinity));
  now = 5000;
  await new Promise((r) => setTimeout(r, 70));
  now = 9000;
  await new Promise((r) => setTimeout(r, 70));
  display.stop();
  assert.equal(lines[0], 'run 3 resumed\n');
  assert.equal(lines.length, 2, JSON.stringify(lines));
  assert.equal(lines[1], '[######------------------]  25%  1/4 trials done, 0 failed, 0 running  best rmse 2.5000 (gbdt)  5s elapsed\n');
  assert.ok(lines.every((l) => !l.includes('\r') && !l.includes('\x1b')));
});

test('progress: Ctrl-C note and status; failure notes are capped', () => {
  let out = '';
  const display = new ProgressDisplay({ write: (s) => (out += s), tty: false, metric: 'log_loss', maxFailureNotes: 2 });
  display.handle({ type: 'run-started', runId: 1, resumed: false, timeLeft: 30 });
  display.handle(finished(0, 'timeout', undefined, null, 0)); // cut off by the end of the budget: counted only
  assert.equal(out, 'run 1 started\n');
  for (let t = 1; t < 4; t++) display.handle(finished(t, 'failed', undefined, null, 20));
  display.markStopping();
  display.stop();
  assert.equal((out.match(/failed: out of memory/g) ?? []).length, 2);
  assert.match(out, /further failed trials are only counted/);
  assert.match(out, /^stopping: no new trials/m);
  assert.match(display.status(), /0 trials done, 4 failed, 0 running {2}best log_loss - {2}stopping$/);
});

test('CSV: quoting by RFC 4180, full-precision numbers, round trip through csv-parse', () => {
  const header = ['a,b', 'say "hi"', 'plain', 'multi\nline'];
  const rows = [[0.1 + 0.2, 'x', 1e-300, 'y'], ['', ' padded ', -0, 'z']];
  const text = toCsv(header, rows);
  assert.equal(text.split('\n')[0], '"a,b","say ""hi""",plain,"multi');
  const parsed = parse(text) as string[][];
  assert.deepEqual(parsed[0], header);
  assert.equal(Number(parsed[1]![0]), 0.1 + 0.2);
  assert.equal(Number(parsed[1]![2]), 1e-300);
  assert.equal(parsed[2]![1], ' padded ');
  assert.ok(text.endsWith('\n') && !text.includes('\r'));
});

test('tables and numbers', () => {
  assert.equal(
    formatTable(['name', 'score'], [['gbdt', '0.8123'], ['linear', '12.5000']]),
    ['  name      score', '  ------  -------', '  gbdt     0.8123', '  linear  12.5000'].join('\n'),
  );
  assert.deepEqual([formatScore(0.81234), formatScore(12345.67), formatScore(0.00001234), formatScore(NaN), formatScore(null)], ['0.8123', '12345.7', '1.234e-5', '-', '-']);
  assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024)], ['512 B', '1.50 KiB', '5.00 MiB']);
  assert.deepEqual([formatDuration(42.4), formatDuration(185), formatDuration(3720), formatDuration(Infinity)], ['42s', '3m05s', '1h02m', 'no limit']);
});
