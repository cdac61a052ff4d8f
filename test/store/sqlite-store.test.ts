import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ae-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = {
  datasetName: 'd', datasetFingerprint: 'sha256:0', task: 'regression' as const, metric: 'rmse', seed: 3,
  nRows: 3, nOutputs: 1, options: {}, owner: { pid: process.pid, host: 'h' },
};

describe('SqliteStore', () => {
  it('creates a versioned schema in WAL mode and reopens the file with its data', () => {
    const path = join(dir, 'a.db');
    const store = new SqliteStore(path);
    const id = store.createRun(run).id;
    const t = store.enqueueTrial(id, { number: 0, family: 'linear', config: { l2: 0.1 }, seed: 9 });
    store.startTrial(t.id, 'cpu#0');
    store.finishTrial(t.id, { validationScore: 1, validationLoss: 1, fitSeconds: 0.1, oof: new Float32Array([1, 2, 3]), models: [] });
    store.close();

    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();

    const again = new SqliteStore(path);
    assert.deepEqual(again.getPredictions(t.id, 'oof')!.values, new Float32Array([1, 2, 3]));
    assert.equal(again.listRuns().length, 1);
    again.close();
  });

  it('upgrades a version-2 database (before stored variances) and keeps its predictions', () => {
    const path = join(dir, 'v2.db');
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]!);
    raw.exec(MIGRATIONS[1]!);
    raw.pragma('user_version = 2');
    raw.exec(`INSERT INTO runs (id, dataset_name, dataset_fingerprint, task, metric, seed, n_rows, n_outputs, options, status, created_at)
              VALUES (1, 'd', 'sha256:0', 'regression', 'rmse', 3, 3, 1, '{}', 'done', 0)`);
    raw.exec(`INSERT INTO trials (id, run_id, number, family, config, seed, status, queued_at) VALUES (1, 1, 0, 'linear', '{}', 1, 'done', 0)`);
    raw.prepare('INSERT INTO predictions (trial_id, kind, n_rows, n_cols, data) VALUES (1, ?, 3, 1, ?)')
      .run('oof', Buffer.from(new Float32Array([1.5, 2.5, 3.5]).buffer));
    raw.close();
    const store = new SqliteStore(path);
    assert.deepEqual(store.getPredictions(1, 'oof')!.values, new Float32Array([1.5, 2.5, 3.5]));
    assert.equal(store.getPredictions(1, 'oof-variance'), undefined);
    store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => new SqliteStore(path), (e: unknown) => e instanceof StoreError && /newer/.test(e.message));
  });

  it('sees another connection\'s committed trials (two processes on one file)', () => {
    const path = join(dir, 'shared.db');
    const writer = new SqliteStore(path);
    const reader = new SqliteStore(path);
    const id = writer.createRun(run).id;
    writer.enqueueTrial(id, { number: 0, family: 'f', config: {}, seed: 1 });
    assert.deepEqual(reader.listTrials(id).map((t) => t.number), [0]);
    writer.close();
    reader.close();
  });
});
