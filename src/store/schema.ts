import type Database from 'better-sqlite3';
import { StoreError } from './types.js';

/**
 * Ordered schema migrations. Migration i brings a database from version i to i + 1 (SQLite `user_version`).
 * Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY,
    dataset_name        TEXT    NOT NULL,
    dataset_fingerprint TEXT    NOT NULL,
    task                TEXT    NOT NULL CHECK (task IN ('binary', 'multiclass', 'regression')),
    metric              TEXT    NOT NULL,
    seed                INTEGER NOT NULL,
    n_rows              INTEGER NOT NULL,
    n_outputs           INTEGER NOT NULL,
    options             TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    error               TEXT,
    owner_pid           INTEGER,
    owner_host          TEXT,
    created_at          INTEGER NOT NULL,
    finished_at         INTEGER
  );

  CREATE TABLE trials (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,
    family           TEXT    NOT NULL,
    config           TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'timeout')),
    error            TEXT,
    fit_seconds      REAL,
    validation_score REAL,
    validation_loss  REAL,
    worker           TEXT,
    backend          TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    queued_at        INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    UNIQUE (run_id, number)
  );
  CREATE INDEX trials_by_status ON trials (run_id, status);

  CREATE TABLE predictions (
    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL CHECK (kind IN ('oof', 'test')),
    n_rows   INTEGER NOT NULL,
    n_cols   INTEGER NOT NULL,
    dtype    TEXT    NOT NULL DEFAULT 'f32le',
    data     BLOB    NOT NULL,
    PRIMARY KEY (trial_id, kind)
  );

  CREATE TABLE models (
    trial_id       INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    fold           INTEGER NOT NULL,
    family         TEXT    NOT NULL,
    format_version INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    PRIMARY KEY (trial_id, fold)
  );

  CREATE TABLE model_blobs (
    trial_id INTEGER NOT NULL,
    fold     INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    data     BLOB    NOT NULL,
    PRIMARY KEY (trial_id, fold, name),
    FOREIGN KEY (trial_id, fold) REFERENCES models(trial_id, fold) ON DELETE CASCADE
  );

  CREATE TABLE ensembles (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    method           TEXT    NOT NULL,
    combiner         TEXT    NOT NULL,
    validation_score REAL    NOT NULL,
    trajectory       TEXT    NOT NULL,
    details          TEXT,
    created_at       INTEGER NOT NULL
  );
  `,
  // 2: what a run needs besides its trials to be re-ensembled and exported without the original data.
  `
  CREATE TABLE run_context (
    run_id       INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    context      TEXT    NOT NULL,
    labels_dtype TEXT    NOT NULL CHECK (labels_dtype IN ('i32le', 'f64le')),
    labels       BLOB    NOT NULL
  );
  `,
  // 3: predicted variances (regression members that predict one, see FittedMember.predictVariance) stored next to
  // their predictions as kinds 'oof-variance' and 'test-variance'. SQLite cannot widen a CHECK, so the table is rebuilt.
  `
  CREATE TABLE predictions_v3 (
    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL CHECK (kind IN ('oof', 'test', 'oof-variance', 'test-variance')),
    n_rows   INTEGER NOT NULL,
    n_cols   INTEGER NOT NULL,
    dtype    TEXT    NOT NULL DEFAULT 'f32le',
    data     BLOB    NOT NULL,
    PRIMARY KEY (trial_id, kind)
  );
  INSERT INTO predictions_v3 (trial_id, kind, n_rows, n_cols, dtype, data)
    SELECT trial_id, kind, n_rows, n_cols, dtype, data FROM predictions;
  DROP TABLE predictions;
  ALTER TABLE predictions_v3 RENAME TO predictions;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Bring the database to SCHEMA_VERSION, one IMMEDIATE transaction per migration. The version is read inside the
 * write transaction, so processes opening a new database at the same moment apply each migration exactly once
 * (the others wait on the write lock, then see the new version). Refuses databases from the future.
 */
export function migrate(db: Database.Database): void {
  for (;;) {
    const upToDate = db
      .transaction((): boolean => {
        const current = db.pragma('user_version', { simple: true }) as number;
        if (current > SCHEMA_VERSION) {
          throw new StoreError(
            `database schema version ${current} is newer than this auto-ensemble understands (${SCHEMA_VERSION}): upgrade auto-ensemble`,
          );
        }
        if (current === SCHEMA_VERSION) return true;
        db.exec(MIGRATIONS[current]!);
        db.pragma(`user_version = ${current + 1}`);
        return false;
      })
      .immediate();
    if (upToDate) return;
  }
}
