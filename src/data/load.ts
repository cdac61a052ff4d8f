/**
 * Loading datasets: files (ARFF or CSV) and in-memory rows or columns, all through the same typing rules
 * (`build.ts`, `infer.ts`; documented in docs/datasets.md).
 *
 * Format: by extension (.arff = ARFF; .csv, .tsv, .txt, .dat = CSV); any other extension is sniffed (a first
 * non-comment line starting with `@relation` means ARFF). Target: `options.target`, else the last column (for
 * ARFF, the last attribute, OpenML's convention). The dataset name is the file's base name without extension.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { DataError } from '../util/errors.js';
import { parseArff } from './arff.js';
import { buildDataset, type BuildOptions, type LoadReport } from './build.js';
import { parseCsv } from './csv.js';
import type { Dataset, Task } from './dataset.js';
import type { ColumnType } from './infer.js';
import { rawTableFromColumns, rawTableFromRows } from './memory.js';
import type { RawTable } from './raw.js';

export type { DroppedColumn, LoadReport } from './build.js';
export type { ColumnType } from './infer.js';

export interface LoadOptions {
  /** Target column (default: the last column). */
  target?: string;
  /** Task; inferred from the target when absent. */
  task?: Task;
  /** Per-column overrides of the inferred feature types. */
  columnTypes?: Readonly<Record<string, ColumnType>>;
  /** CSV and in-memory strings read as missing (default DEFAULT_MISSING_TOKENS in csv.ts). */
  missingTokens?: readonly string[];
  /** CSV delimiter (default: detected). */
  delimiter?: string;
  /** CSV: read decimal-comma number columns when the delimiter is not ',' (default true). */
  decimalComma?: boolean;
  /** Integer-coded columns with at most this many distinct values are categorical (default 10). */
  maxCodeCardinality?: number;
  /** Force the format instead of going by extension. */
  format?: 'arff' | 'csv';
}

export interface MemoryLoadOptions {
  target: string;
  task?: Task;
  name?: string;
  columnTypes?: Readonly<Record<string, ColumnType>>;
  missingTokens?: readonly string[];
  maxCodeCardinality?: number;
}

const CSV_EXTENSIONS = new Set(['.csv', '.tsv', '.txt', '.dat']);

/** Reads a file into a raw table (no typing yet). */
export function readRawTable(
  path: string,
  options: Pick<LoadOptions, 'missingTokens' | 'delimiter' | 'format' | 'decimalComma'> = {},
): RawTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new DataError(`cannot read dataset: ${why}`, { file: path });
  }
  const name = basename(path, extname(path));
  const format = options.format ?? detectFormat(path, text);
  if (format === 'arff') return { ...parseArff(text, { file: path }), name };
  const csvOptions = { file: path, name, ...pick(options, ['delimiter', 'missingTokens', 'decimalComma']) };
  return parseCsv(text, csvOptions);
}

function detectFormat(path: string, text: string): 'arff' | 'csv' {
  const ext = extname(path).toLowerCase();
  if (ext === '.arff') return 'arff';
  if (CSV_EXTENSIONS.has(ext)) return 'csv';
  for (const line of text.slice(0, 65536).split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('%')) continue;
    return /^@relation\b/i.test(t) ? 'arff' : 'csv';
  }
  return 'csv';
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function buildOptions(options: LoadOptions | MemoryLoadOptions): BuildOptions {
  return pick(options as BuildOptions, ['target', 'task', 'columnTypes', 'maxCodeCardinality']);
}

/** Loads a dataset file and says which columns were dropped (all-missing, ID-like, by columnTypes). */
export function readDatasetFile(path: string, options: LoadOptions = {}): LoadReport {
  return buildDataset(readRawTable(path, options), buildOptions(options));
}

/** Loads a CSV or ARFF file as a Dataset. */
export function loadDatasetFile(path: string, options: LoadOptions = {}): Dataset {
  return readDatasetFile(path, options).dataset;
}

/** A Dataset from row objects (`[{ x: 1, y: 'a' }, ...]`). */
export function datasetFromRows(rows: readonly Record<string, unknown>[], options: MemoryLoadOptions): Dataset {
  const raw = rawTableFromRows(rows, pick(options, ['name', 'missingTokens']));
  return buildDataset(raw, buildOptions(options)).dataset;
}

/** A Dataset from column arrays (`{ x: Float64Array, y: ['a', 'b'] }`); all columns must have the same length. */
export function datasetFromColumns(
  columns: Readonly<Record<string, ArrayLike<unknown>>>,
  options: MemoryLoadOptions,
): Dataset {
  const raw = rawTableFromColumns(columns, pick(options, ['name', 'missingTokens']));
  return buildDataset(raw, buildOptions(options)).dataset;
}
