/**
 * OpenML's split files (the `datasplits.arff` of a task): one ARFF row per (row, repeat, fold[, sample]) with
 * `type {TRAIN,TEST}`, `rowid`, `repeat`, `fold` and, for learning-curve tasks, `sample`. Attribute names are
 * matched case-insensitively; rowid/repeat/fold/sample may be numeric or nominal with integer values.
 *
 * Reading gives Fold[] sorted by (repeat, fold) with ascending row ids. With a `sample` column, one sample is
 * kept per (repeat, fold): the one asked for, else the largest (the full training set).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DataError, type ErrorLocation } from '../util/errors.js';
import { parseArff } from './arff.js';
import type { RawColumn } from './raw.js';
import type { Fold } from './split.js';

export interface ReadSplitOptions {
  /** File name for error messages. */
  file?: string;
  /** Learning-curve sample to keep (default: the largest per repeat and fold). */
  sample?: number;
  /** Number of dataset rows: every rowid must be below it. */
  nRows?: number;
}

export interface WriteSplitOptions {
  /** @relation name (default 'splits'). */
  relation?: string;
  /** Write a `sample` column with this value on every row. */
  sample?: number;
}

interface Group {
  repeat: number;
  fold: number;
  sample: number;
  train: number[];
  test: number[];
}

/** Parses the text of an OpenML split ARFF into folds. */
export function parseOpenmlSplits(text: string, options: ReadSplitOptions = {}): Fold[] {
  const arff = parseArff(text, options.file !== undefined ? { file: options.file } : {});
  const fileLoc: ErrorLocation = options.file !== undefined ? { file: options.file } : {};
  const find = (name: string, required: boolean): RawColumn | undefined => {
    const col = arff.columns.find((c) => c.name.toLowerCase() === name);
    if (col === undefined && required) {
      throw new DataError(`split file has no '${name}' attribute (needs type, rowid, repeat, fold)`, fileLoc);
    }
    return col;
  };
  const typeCol = find('type', true)!;
  if (typeCol.kind !== 'nominal' || !typeCol.categories.includes('TRAIN') || !typeCol.categories.includes('TEST')) {
    throw new DataError("split file attribute 'type' must be nominal {TRAIN,TEST}", { ...fileLoc, column: typeCol.name });
  }
  const ints = (col: RawColumn | undefined): Int32Array | undefined =>
    col === undefined ? undefined : integerColumn(col, arff.rowLines, options.file);
  const rowid = ints(find('rowid', true))!;
  const repeat = ints(find('repeat', true))!;
  const fold = ints(find('fold', true))!;
  const sample = ints(find('sample', false));
  const groups = new Map<string, Group>();
  for (let i = 0; i < arff.nRows; i++) {
    const code = typeCol.codes[i]!;
    const where = { ...fileLoc, line: arff.rowLines[i]! };
    if (code < 0) throw new DataError("missing value in 'type'", { ...where, column: typeCol.name });
    if (options.nRows !== undefined && rowid[i]! >= options.nRows) {
      throw new DataError(`rowid ${rowid[i]} is out of range for a dataset of ${options.nRows} rows`, { ...where, column: 'rowid' });
    }
    const s = sample === undefined ? 0 : sample[i]!;
    const key = `${repeat[i]}/${fold[i]}/${s}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { repeat: repeat[i]!, fold: fold[i]!, sample: s, train: [], test: [] };
      groups.set(key, g);
    }
    (typeCol.categories[code] === 'TRAIN' ? g.train : g.test).push(rowid[i]!);
  }
  return selectSamples([...groups.values()], options.sample, fileLoc).map((g) => toFold(g, fileLoc));
}

function integerColumn(col: RawColumn, rowLines: Int32Array, file: string | undefined): Int32Array {
  const out = new Int32Array(rowLines.length);
  for (let i = 0; i < out.length; i++) {
    let v: number;
    if (col.kind === 'numeric') v = col.values[i]!;
    else if (col.kind === 'nominal') v = col.codes[i]! < 0 ? NaN : Number(col.categories[col.codes[i]!]);
    else v = col.values[i] === null ? NaN : Number(col.values[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      const loc: ErrorLocation = { line: rowLines[i]!, column: col.name };
      if (file !== undefined) loc.file = file;
      throw new DataError(`'${col.name}' must be a non-negative integer`, loc);
    }
    out[i] = v;
  }
  return out;
}

function selectSamples(groups: Group[], sample: number | undefined, fileLoc: ErrorLocation): Group[] {
  const chosen = new Map<string, Group>();
  for (const g of groups) {
    const key = `${g.repeat}/${g.fold}`;
    const prev = chosen.get(key);
    if (sample !== undefined) {
      if (g.sample === sample) chosen.set(key, g);
    } else if (prev === undefined || g.sample > prev.sample) {
      chosen.set(key, g);
    }
  }
  if (chosen.size === 0) throw new DataError(`split file has no rows${sample !== undefined ? ` for sample ${sample}` : ''}`, fileLoc);
  return [...chosen.values()].sort((a, b) => a.repeat - b.repeat || a.fold - b.fold);
}

function toFold(g: Group, fileLoc: ErrorLocation): Fold {
  const train = Int32Array.from(g.train).sort();
  const test = Int32Array.from(g.test).sort();
  const inTest = new Set(test);
  for (const r of train) {
    if (inTest.has(r)) {
      throw new DataError(`row ${r} is both TRAIN and TEST in repeat ${g.repeat}, fold ${g.fold}`, fileLoc);
    }
  }
  return { train, test, repeat: g.repeat, fold: g.fold };
}

/** Formats folds as an OpenML split ARFF (TRAIN rows then TEST rows, per repeat and fold). */
export function formatOpenmlSplits(folds: readonly Fold[], options: WriteSplitOptions = {}): string {
  const relation = options.relation ?? 'splits';
  const quoted = /^[\w.-]+$/.test(relation) ? relation : `'${relation.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const out: string[] = [
    `@RELATION ${quoted}`,
    '',
    '@ATTRIBUTE type {TRAIN,TEST}',
    '@ATTRIBUTE rowid NUMERIC',
    '@ATTRIBUTE repeat NUMERIC',
    '@ATTRIBUTE fold NUMERIC',
  ];
  const tail = options.sample === undefined ? '' : `,${options.sample}`;
  if (options.sample !== undefined) out.push('@ATTRIBUTE sample NUMERIC');
  out.push('', '@DATA');
  for (const f of folds) {
    const suffix = `,${f.repeat},${f.fold}${tail}`;
    for (const r of f.train) out.push(`TRAIN,${r}${suffix}`);
    for (const r of f.test) out.push(`TEST,${r}${suffix}`);
  }
  return out.join('\n') + '\n';
}

export function readOpenmlSplitFile(path: string, options: Omit<ReadSplitOptions, 'file'> = {}): Fold[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read split file: ${(e as Error).message}`, { file: path });
  }
  return parseOpenmlSplits(text, { ...options, file: path });
}

export function writeOpenmlSplitFile(path: string, folds: readonly Fold[], options: WriteSplitOptions = {}): void {
  writeFileSync(path, formatOpenmlSplits(folds, options));
}
