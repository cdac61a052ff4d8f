/**
 * The benchmark result file: one CSV row per task x fold x framework x constraint, with the AutoML Benchmark's
 * columns (results.csv of amlb) plus a few of ours (trials, ensemble_size). Rows are only ever appended, each
 * batch in one write, so an interrupted run leaves whole rows and a rerun skips every finished cell.
 *
 * Conventions (as the AMLB): `result` is higher-is-better (`metric` is auc, neg_logloss or neg_rmse, the loss
 * negated); the per-metric columns (acc, auc, balacc, logloss, mae, r2, rmse) hold plain values; empty = not
 * applicable. A failed run keeps its error in `info` and is scored as the constant predictor (the AMLB rule).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataError } from '../util/errors.js';

export const RESULT_COLUMNS = [
  'id',
  'task',
  'framework',
  'constraint',
  'fold',
  'type',
  'result',
  'metric',
  'mode',
  'version',
  'params',
  'app_version',
  'utc',
  'duration',
  'training_duration',
  'predict_duration',
  'models_count',
  'seed',
  'info',
  'acc',
  'auc',
  'balacc',
  'logloss',
  'mae',
  'r2',
  'rmse',
  'trials',
  'ensemble_size',
] as const;

export type ResultColumn = (typeof RESULT_COLUMNS)[number];

/** One row; absent or undefined values are written as empty cells. */
export type ResultRow = Partial<Record<ResultColumn, string | number | undefined>>;

/** Prefix of `info` for a run that failed and was scored as the constant predictor. */
export const FAILED_PREFIX = 'failed:';

/** Identity of a cell: a finished cell with this key is not run again. */
export function cellKey(row: { task?: unknown; framework?: unknown; constraint?: unknown; fold?: unknown }): string {
  return `${String(row.task)}\u0000${String(row.framework)}\u0000${String(row.constraint)}\u0000${String(row.fold)}`;
}

function quote(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Durations are kept to 0.1 ms: more digits are timer noise. */
const SECONDS_COLUMNS: ReadonlySet<string> = new Set(['duration', 'training_duration', 'predict_duration']);

export function formatResultLine(row: ResultRow): string {
  return (
    RESULT_COLUMNS.map((c) => {
      const v = row[c];
      return quote(typeof v === 'number' && SECONDS_COLUMNS.has(c) ? Number(v.toFixed(4)) : v);
    }).join(',') + '\n'
  );
}

/** Append rows (writing the header first when the file is new or empty), creating directories as needed. */
export function appendResults(path: string, rows: readonly ResultRow[]): void {
  if (rows.length === 0) return;
  const body = rows.map(formatResultLine).join('');
  if (!existsSync(path) || readFileSync(path, 'utf8').trim() === '') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, RESULT_COLUMNS.join(',') + '\n' + body);
    return;
  }
  checkHeader(path);
  appendFileSync(path, body);
}

function checkHeader(path: string): void {
  const firstLine = readFileSync(path, 'utf8').split(/\r?\n/, 1)[0] ?? '';
  const header = firstLine.split(',');
  const missing = RESULT_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DataError(`not a result file of this version: the header lacks ${missing.join(', ')}`, { file: path });
  }
}

/** Every row of a result file as text cells keyed by column (unknown extra columns are kept). */
export function readResults(path: string): Record<string, string>[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return [];
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<string, string>[];
  } catch (err) {
    throw new DataError(`cannot read result file: ${(err as Error).message}`, { file: path });
  }
  for (const column of ['task', 'framework', 'constraint', 'fold', 'result', 'metric'] as const) {
    if (rows.length > 0 && !(column in rows[0]!)) throw new DataError(`result file has no '${column}' column`, { file: path });
  }
  return rows;
}

/** Keys of the cells already in the file. */
export function finishedCells(path: string): Set<string> {
  return new Set(readResults(path).map(cellKey));
}

/** A cell as a number, NaN when empty or not numeric. */
export function numberCell(row: Readonly<Record<string, string>>, column: string): number {
  const text = row[column];
  if (text === undefined || text.trim() === '') return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}
