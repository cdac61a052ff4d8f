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
  // 3: pruned trials (stopped early by fold-level racing) and each trial's per-fold validation losses; a heartbeat and
  // the owner's process start time, so a resume tells a dead owner from a live one even when its pid was reused;
  // the training seconds a run has used in all its sessions (a resume continues with what is left of the budget).
  // SQLite cannot change a CHECK constraint in place: the trials table is rebuilt (foreign keys are off during
  // migrations, so the predictions and models that reference trials are kept).
  `
  CREATE TABLE trials_v3 (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,
    family           TEXT    NOT NULL,
    config           TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'timeout', 'pruned')),
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
    fold_losses      TEXT,
    UNIQUE (run_id, number)
  );
  INSERT INTO trials_v3 (id, run_id, number, family, config, seed, status, error, fit_seconds, validation_score, validation_loss,
                         worker, backend, attempts, queued_at, started_at, finished_at)
    SELECT id, run_id, number, family, config, seed, status, error, fit_seconds, validation_score, validation_loss,
           worker, backend, attempts, queued_at, started_at, finished_at FROM trials;
  DROP TABLE trials;
  ALTER TABLE trials_v3 RENAME TO trials;
  CREATE INDEX trials_by_status ON trials (run_id, status);

  ALTER TABLE runs ADD COLUMN owner_started TEXT;
  ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
  ALTER TABLE runs ADD COLUMN training_seconds REAL NOT NULL DEFAULT 0;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Bring the database to SCHEMA_VERSION, one IMMEDIATE transaction per migration. The version is read inside the
 * write transaction, so processes opening a new database at the same moment apply each migration exactly once
 * (the others wait on the write lock, then see the new version). Refuses databases from the future.
 */
export function migrate(db: Database.Database): void {
  // A migration may rebuild a table that others reference: with foreign keys on, dropping it would cascade.
  // The pragma only takes effect outside a transaction; each migration checks the keys before it commits.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    migrateSteps(db);
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys === 1 ? 'ON' : 'OFF'}`);
  }
}

function migrateSteps(db: Database.Database): void {
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
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new StoreError(`schema migration ${current + 1} broke ${broken.length} foreign key reference(s)`);
        db.pragma(`user_version = ${current + 1}`);
        return false;
      })
      .immediate();
    if (upToDate) return;
  }
}
