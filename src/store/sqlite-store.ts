import Database from 'better-sqlite3';
import type { Config, SerializedMember } from '../models/types.js';
import type { Predictions } from '../metrics/types.js';
import { asBuffer, copyBytes, decodeFloat32, decodeFloat32Into, encodeFloat32 } from './codec.js';
import { migrate } from './schema.js';
import {
  StoreError,
  type EnsembleRecord,
  type NewEnsemble,
  type NewRun,
  type RunContext,
  type NewTrial,
  type PredictionKind,
  type PredictionMatrix,
  type RunOwner,
  type RunRecord,
  type Store,
  type StoredPredictions,
  type TrialFailure,
  type TrialPruning,
  type TrialRecord,
  type TrialStatus,
  type TrialSuccess,
} from './types.js';

export const DEFAULT_DATABASE_FILE = './auto-ensemble.db';

export interface SqliteStoreOptions {
  /** Milliseconds to wait for another process's write lock before failing (default 10 000). */
  readonly busyTimeoutMs?: number;
  readonly readonly?: boolean;
}

type Row = Record<string, unknown>;

/**
 * The Store on SQLite (better-sqlite3): one database file, WAL journal (readers never block the writer),
 * synchronous=NORMAL (a committed transaction survives a killed process; only an OS crash can lose the last ones).
 */
export class SqliteStore implements Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string = DEFAULT_DATABASE_FILE, options: SqliteStoreOptions = {}) {
    this.path = path;
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.db = new Database(path, { readonly: options.readonly ?? false, timeout: busyTimeoutMs });
    if (options.readonly !== true) {
      // Switching to WAL needs an exclusive lock, and SQLite may answer SQLITE_BUSY at once (without its busy
      // handler) while another process opens the same new file: retry for as long as the busy timeout.
      if (path !== ':memory:') retryWhileBusy(() => this.db.pragma('journal_mode = WAL'), busyTimeoutMs);
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db);
    }
  }

  private sql(source: string): Database.Statement {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  // ---- runs ----

  createRun(run: NewRun): RunRecord {
    const info = this.sql(
      `INSERT INTO runs (dataset_name, dataset_fingerprint, task, metric, seed, n_rows, n_outputs, options, status,
                         owner_pid, owner_host, owner_started, created_at, heartbeat_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
    ).run(
      run.datasetName, run.datasetFingerprint, run.task, run.metric, run.seed, run.nRows, run.nOutputs,
      JSON.stringify(run.options ?? null), run.owner.pid, run.owner.host, run.owner.started ?? null, Date.now(), Date.now(),
    );
    return this.getRun(Number(info.lastInsertRowid))!;
  }

  getRun(runId: number): RunRecord | undefined {
    const row = this.sql('SELECT * FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row === undefined ? undefined : toRun(row);
  }

  listRuns(): RunRecord[] {
    return (this.sql('SELECT * FROM runs ORDER BY id DESC').all() as Row[]).map(toRun);
  }

  finishRun(runId: number, status: 'done' | 'failed', error?: string): void {
    const info = this.sql('UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?')
      .run(status, error ?? null, Date.now(), runId);
    if (info.changes !== 1) throw new StoreError(`no run ${runId}`);
  }

  reopenRun(runId: number, owner: RunOwner): number {
    return this.db.transaction(() => {
      const info = this.sql(
        `UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, owner_pid = ?, owner_host = ?, owner_started = ?,
                         heartbeat_at = ? WHERE id = ?`,
      ).run(owner.pid, owner.host, owner.started ?? null, Date.now(), runId);
      if (info.changes !== 1) throw new StoreError(`no run ${runId}`);
      return this.sql(
        `UPDATE trials SET status = 'queued', worker = NULL, backend = NULL, started_at = NULL
         WHERE run_id = ? AND status = 'running'`,
      ).run(runId).changes;
    }).immediate();
  }

  heartbeat(runId: number): void {
    const info = this.sql('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now(), runId);
    if (info.changes !== 1) throw new StoreError(`no run ${runId}`);
  }

  addTrainingSeconds(runId: number, seconds: number): void {
    if (!(seconds >= 0 && Number.isFinite(seconds))) throw new StoreError(`training seconds must be a finite number >= 0, got ${seconds}`);
    const info = this.sql('UPDATE runs SET training_seconds = training_seconds + ? WHERE id = ?').run(seconds, runId);
    if (info.changes !== 1) throw new StoreError(`no run ${runId}`);
  }

  // ---- trials ----

  enqueueTrial(runId: number, trial: NewTrial): TrialRecord {
    if (!Number.isInteger(trial.number) || trial.number < 0) throw new StoreError(`bad trial number ${trial.number}`);
    let id: number;
    try {
      id = Number(this.sql(
        `INSERT INTO trials (run_id, number, family, config, seed, status, queued_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
      ).run(runId, trial.number, trial.family, JSON.stringify(trial.config), trial.seed, Date.now()).lastInsertRowid);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreError(`cannot enqueue trial ${trial.number} in run ${runId}: ${(error as Error).message}`);
      }
      throw error;
    }
    return this.getTrial(id)!;
  }

  startTrial(trialId: number, worker: string, backend?: string): void {
    const info = this.sql(
      `UPDATE trials SET status = 'running', worker = ?, backend = ?, started_at = ?, attempts = attempts + 1
       WHERE id = ? AND status = 'queued'`,
    ).run(worker, backend ?? null, Date.now(), trialId);
    if (info.changes !== 1) this.illegal(trialId, 'start', ['queued']);
  }

  finishTrial(trialId: number, result: TrialSuccess): void {
    this.db.transaction(() => {
      const trial = this.requireTrial(trialId);
      if (trial.status !== 'running') this.illegal(trialId, 'finish', ['running']);
      const run = this.getRun(trial.runId)!;
      this.sql(
        `UPDATE trials SET status = 'done', error = NULL, fit_seconds = ?, validation_score = ?, validation_loss = ?,
                           worker = coalesce(?, worker), backend = coalesce(?, backend), attempts = attempts + ?, finished_at = ?, fold_losses = ? WHERE id = ?`,
      ).run(
        result.fitSeconds, result.validationScore, result.validationLoss, result.worker ?? null, result.backend ?? null, retries(result.retries), Date.now(),
        result.foldLosses === undefined ? null : JSON.stringify(result.foldLosses), trialId,
      );
      this.insertPredictions(trialId, 'oof', result.oof, run.nRows, run.nOutputs);
      if (result.test !== undefined) {
        if (result.test.length % run.nOutputs !== 0) throw new StoreError(`test predictions of trial ${trialId} are not rows x ${run.nOutputs}`);
        this.insertPredictions(trialId, 'test', result.test, result.test.length / run.nOutputs, run.nOutputs);
      }
      if (result.oofVariance !== undefined) this.insertVariances(trialId, 'oof-variance', result.oofVariance, run);
      if (result.testVariance !== undefined) this.insertVariances(trialId, 'test-variance', result.testVariance, run, result.test);
      result.models.forEach((model, fold) => this.insertModel(trialId, fold, model));
    }).immediate();
  }

  failTrial(trialId: number, failure: TrialFailure): void {
    const info = this.sql(
      `UPDATE trials SET status = ?, error = ?, fit_seconds = ?, worker = coalesce(?, worker), backend = coalesce(?, backend),
                         attempts = attempts + ?, finished_at = ?
       WHERE id = ? AND status IN ('queued', 'running')`,
    ).run(failure.status, failure.error, failure.fitSeconds ?? null, failure.worker ?? null, failure.backend ?? null, retries(failure.retries), Date.now(), trialId);
    if (info.changes !== 1) this.illegal(trialId, `mark ${failure.status}`, ['queued', 'running']);
  }

  pruneTrial(trialId: number, pruning: TrialPruning): void {
    const info = this.sql(
      `UPDATE trials SET status = 'pruned', error = ?, fit_seconds = ?, worker = coalesce(?, worker), backend = coalesce(?, backend),
                         attempts = attempts + ?, finished_at = ?, fold_losses = ?
       WHERE id = ? AND status = 'running'`,
    ).run(
      pruning.reason, pruning.fitSeconds ?? null, pruning.worker ?? null, pruning.backend ?? null, retries(pruning.retries), Date.now(),
      JSON.stringify(pruning.foldLosses), trialId,
    );
    if (info.changes !== 1) this.illegal(trialId, 'prune', ['running']);
  }

  getTrial(trialId: number): TrialRecord | undefined {
    const row = this.sql('SELECT * FROM trials WHERE id = ?').get(trialId) as Row | undefined;
    return row === undefined ? undefined : toTrial(row);
  }

  listTrials(runId: number, statuses?: readonly TrialStatus[]): TrialRecord[] {
    const rows = this.sql('SELECT * FROM trials WHERE run_id = ? ORDER BY number').all(runId) as Row[];
    const trials = rows.map(toTrial);
    return statuses === undefined ? trials : trials.filter((t) => statuses.includes(t.status));
  }

  leaderboard(runId: number, limit = -1): TrialRecord[] {
    const rows = this.sql(
      `SELECT * FROM trials WHERE run_id = ? AND status = 'done' ORDER BY validation_loss IS NULL, validation_loss ASC, number ASC LIMIT ?`,
    ).all(runId, limit) as Row[];
    return rows.map(toTrial);
  }

  // ---- predictions and models ----

  getPredictions(trialId: number, kind: PredictionKind): StoredPredictions | undefined {
    const row = this.sql('SELECT n_rows, n_cols, data FROM predictions WHERE trial_id = ? AND kind = ?')
      .get(trialId, kind) as Row | undefined;
    if (row === undefined) return undefined;
    return { rows: row.n_rows as number, cols: row.n_cols as number, values: decodeFloat32(row.data as Buffer) };
  }

  readPredictions(trialIds: readonly number[], kind: PredictionKind, dtype: 'float32'): PredictionMatrix<Float32Array>;
  readPredictions(trialIds: readonly number[], kind: PredictionKind, dtype: 'float64'): PredictionMatrix<Float64Array>;
  readPredictions(trialIds: readonly number[], kind: PredictionKind, dtype: 'float32' | 'float64'): PredictionMatrix {
    const get = this.sql('SELECT n_rows, n_cols, data FROM predictions WHERE trial_id = ? AND kind = ?');
    let rows = -1;
    let cols = -1;
    let block = new Float32Array(0);
    trialIds.forEach((trialId, i) => {
      const row = get.get(trialId, kind) as Row | undefined;
      if (row === undefined) throw new StoreError(`trial ${trialId} has no ${kind} predictions`);
      if (i === 0) {
        rows = row.n_rows as number;
        cols = row.n_cols as number;
        block = new Float32Array(trialIds.length * rows * cols);
      } else if (row.n_rows !== rows || row.n_cols !== cols) {
        throw new StoreError(`trial ${trialId} ${kind} predictions are ${String(row.n_rows)} x ${String(row.n_cols)}, expected ${rows} x ${cols}`);
      }
      decodeFloat32Into(row.data as Buffer, block, i * rows * cols);
    });
    const values = dtype === 'float64' ? Float64Array.from(block) : block;
    const size = Math.max(rows, 0) * Math.max(cols, 0);
    return {
      trialIds: [...trialIds],
      rows: Math.max(rows, 0),
      cols: Math.max(cols, 0),
      values,
      member: (index: number) => values.subarray(index * size, (index + 1) * size),
    };
  }

  getModels(trialId: number): SerializedMember[] {
    const models = this.sql('SELECT * FROM models WHERE trial_id = ? ORDER BY fold').all(trialId) as Row[];
    const blobs = this.sql('SELECT fold, name, data FROM model_blobs WHERE trial_id = ? ORDER BY fold, name').all(trialId) as Row[];
    return models.map((m) => {
      const own: Record<string, Uint8Array> = {};
      for (const b of blobs) if (b.fold === m.fold) own[b.name as string] = copyBytes(b.data as Buffer);
      return {
        family: m.family as string,
        formatVersion: m.format_version as number,
        state: JSON.parse(m.state as string) as unknown,
        blobs: own,
      };
    });
  }

  // ---- run context ----

  saveRunContext(runId: number, context: RunContext): void {
    if (this.getRun(runId) === undefined) throw new StoreError(`no run ${runId}`);
    const { labels, ...rest } = context;
    const dtype = labels instanceof Int32Array ? 'i32le' : 'f64le';
    try {
      this.sql('INSERT INTO run_context (run_id, context, labels_dtype, labels) VALUES (?, ?, ?, ?)').run(
        runId, JSON.stringify(rest), dtype, asBuffer(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError(`run ${runId} already has a context`);
      throw error;
    }
  }

  getRunContext(runId: number): RunContext | undefined {
    const row = this.sql('SELECT context, labels_dtype, labels FROM run_context WHERE run_id = ?').get(runId) as Row | undefined;
    if (row === undefined) return undefined;
    const bytes = copyBytes(row['labels'] as Uint8Array);
    const labels = row['labels_dtype'] === 'i32le' ? new Int32Array(bytes.buffer) : new Float64Array(bytes.buffer);
    return { ...(JSON.parse(row['context'] as string) as Omit<RunContext, 'labels'>), labels };
  }

  // ---- ensembles ----

  saveEnsemble(runId: number, ensemble: NewEnsemble): EnsembleRecord {
    if (this.getRun(runId) === undefined) throw new StoreError(`no run ${runId}`);
    const id = Number(this.sql(
      `INSERT INTO ensembles (run_id, method, combiner, validation_score, trajectory, details, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId, ensemble.method, JSON.stringify(ensemble.combiner), ensemble.validationScore,
      JSON.stringify(ensemble.trajectory), ensemble.details === undefined ? null : JSON.stringify(ensemble.details), Date.now(),
    ).lastInsertRowid);
    return toEnsemble(this.sql('SELECT * FROM ensembles WHERE id = ?').get(id) as Row);
  }

  listEnsembles(runId: number): EnsembleRecord[] {
    return (this.sql('SELECT * FROM ensembles WHERE run_id = ? ORDER BY id').all(runId) as Row[]).map(toEnsemble);
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  // ---- helpers ----

  private insertPredictions(trialId: number, kind: PredictionKind, values: ArrayLike<number> & (Float32Array | Float64Array), rows: number, cols: number): void {
    if (values.length !== rows * cols) {
      throw new StoreError(`${kind} predictions of trial ${trialId} have ${values.length} values, expected ${rows} x ${cols}`);
    }
    this.sql('INSERT INTO predictions (trial_id, kind, n_rows, n_cols, data) VALUES (?, ?, ?, ?, ?)')
      .run(trialId, kind, rows, cols, encodeFloat32(values));
  }

  private insertVariances(trialId: number, kind: PredictionKind, values: Float32Array | Float64Array, run: RunRecord, test?: Predictions): void {
    if (run.task !== 'regression') throw new StoreError(`trial ${trialId}: predicted variances are for regression runs only`);
    const rows = kind === 'oof-variance' ? run.nRows : test === undefined ? -1 : test.length / run.nOutputs;
    if (rows < 0) throw new StoreError(`trial ${trialId}: test variances without test predictions`);
    for (let i = 0; i < values.length; i++) {
      if (!(values[i]! >= 0)) throw new StoreError(`${kind} of trial ${trialId}: value ${values[i]} at row ${i} is not a variance (>= 0)`);
    }
    this.insertPredictions(trialId, kind, values, rows, 1);
  }

  private insertModel(trialId: number, fold: number, model: SerializedMember): void {
    this.sql('INSERT INTO models (trial_id, fold, family, format_version, state) VALUES (?, ?, ?, ?, ?)')
      .run(trialId, fold, model.family, model.formatVersion, JSON.stringify(model.state ?? null));
    const insertBlob = this.sql('INSERT INTO model_blobs (trial_id, fold, name, data) VALUES (?, ?, ?, ?)');
    for (const [name, bytes] of Object.entries(model.blobs)) insertBlob.run(trialId, fold, name, asBuffer(bytes));
  }

  private requireTrial(trialId: number): TrialRecord {
    const trial = this.getTrial(trialId);
    if (trial === undefined) throw new StoreError(`no trial ${trialId}`);
    return trial;
  }

  private illegal(trialId: number, action: string, from: readonly TrialStatus[]): never {
    const trial = this.requireTrial(trialId);
    throw new StoreError(`cannot ${action} trial ${trialId} (run ${trial.runId}, number ${trial.number}): it is ${trial.status}, not ${from.join(' or ')}`);
  }
}

/** Run `action`, retrying every 10-50 ms while it fails with SQLITE_BUSY, for at most `timeoutMs`. */
function retryWhileBusy<T>(action: () => T, timeoutMs: number): T {
  const end = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      return action();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= end) throw error;
      Atomics.wait(pause, 0, 0, Math.min(50, 10 * (attempt + 1)));
    }
  }
}

function toRun(row: Row): RunRecord {
  return {
    id: row.id as number,
    datasetName: row.dataset_name as string,
    datasetFingerprint: row.dataset_fingerprint as string,
    task: row.task as RunRecord['task'],
    metric: row.metric as string,
    seed: row.seed as number,
    nRows: row.n_rows as number,
    nOutputs: row.n_outputs as number,
    options: JSON.parse(row.options as string) as unknown,
    status: row.status as RunRecord['status'],
    error: (row.error as string | null) ?? null,
    owner: row.owner_pid === null ? null : toOwner(row),
    createdAt: row.created_at as number,
    finishedAt: (row.finished_at as number | null) ?? null,
    heartbeatAt: (row.heartbeat_at as number | null) ?? null,
    trainingSeconds: row.training_seconds as number,
  };
}

function toOwner(row: Row): RunOwner {
  const owner = { pid: row.owner_pid as number, host: row.owner_host as string };
  return row.owner_started === null ? owner : { ...owner, started: row.owner_started as string };
}

function toTrial(row: Row): TrialRecord {
  return {
    id: row.id as number,
    runId: row.run_id as number,
    number: row.number as number,
    family: row.family as string,
    config: JSON.parse(row.config as string) as Config,
    seed: row.seed as number,
    status: row.status as TrialStatus,
    error: (row.error as string | null) ?? null,
    fitSeconds: (row.fit_seconds as number | null) ?? null,
    validationScore: (row.validation_score as number | null) ?? null,
    validationLoss: (row.validation_loss as number | null) ?? null,
    worker: (row.worker as string | null) ?? null,
    backend: (row.backend as string | null) ?? null,
    attempts: row.attempts as number,
    queuedAt: row.queued_at as number,
    startedAt: (row.started_at as number | null) ?? null,
    finishedAt: (row.finished_at as number | null) ?? null,
    foldLosses: row.fold_losses === null ? null : (JSON.parse(row.fold_losses as string) as number[]),
  };
}

function toEnsemble(row: Row): EnsembleRecord {
  const record: EnsembleRecord = {
    id: row.id as number,
    runId: row.run_id as number,
    method: row.method as string,
    combiner: JSON.parse(row.combiner as string) as EnsembleRecord['combiner'],
    validationScore: row.validation_score as number,
    trajectory: JSON.parse(row.trajectory as string) as number[],
    createdAt: row.created_at as number,
  };
  return row.details === null ? record : { ...record, details: JSON.parse(row.details as string) as unknown };
}

function retries(count: number | undefined): number {
  if (count === undefined) return 0;
  if (!(Number.isInteger(count) && count >= 0)) throw new StoreError(`retries must be a non-negative integer, got ${count}`);
  return count;
}
