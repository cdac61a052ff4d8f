/**
 * Held-out data for `fit`'s test score: a separate file (`--test`, its target column optional) or a seeded
 * split of the training file (`--holdout`).
 */
import { takeRows, targetLabels, type Dataset, type FeatureTable, type Task } from '../data/dataset.js';
import { featureSchemaOf } from '../data/feature-schema.js';
import { readRawTable } from '../data/load.js';
import { rawTableToFeatures } from '../data/feature-schema.js';
import type { RawColumn, RawTable } from '../data/raw.js';
import { rowLocation } from '../data/raw.js';
import { holdout } from '../data/split.js';
import { getMetric } from '../metrics/index.js';
import type { Labels } from '../metrics/types.js';
import type { EnsembleModel } from '../serving/ensemble-model.js';
import { DataError } from '../util/errors.js';

export interface TestData {
  /** Features aligned to the training schema. */
  readonly features: FeatureTable;
  /** Class codes in the training class order, or values; absent when the file has no target column. */
  readonly labels?: Labels;
  /** Where the rows come from, for messages. */
  readonly source: string;
}

/** Read a test file against the training data's schema; checked before training so a bad file fails fast. */
export function readTestFile(path: string, train: Dataset): TestData {
  const raw = readRawTable(path);
  const features = rawTableToFeatures(raw, featureSchemaOf(train));
  const target = raw.columns.find((c) => c.name === train.target.name);
  const classes = train.target.kind === 'classes' ? train.target.classes : [];
  const source = `${raw.nRows} rows of ${path}`;
  if (target === undefined) return { features, source };
  return { features, labels: rawLabels(raw, target, train.task, classes), source };
}

/** A seeded split: `fraction` of the rows held out (stratified by class for classification). */
export function holdoutSplit(data: Dataset, fraction: number, seed: number): { train: Dataset; test: TestData } {
  const split = holdout(data.nRows, fraction, seed, data.target.kind === 'classes' ? data.target.codes : undefined);
  const train = takeRows(data, split.train);
  const test = takeRows(data, split.test);
  return { train, test: { features: test, labels: targetLabels(test), source: `${test.nRows} held-out rows, --holdout ${fraction}` } };
}

/** The model's score on labelled test data, by `metric` (the run's metric). */
export function testScore(model: EnsembleModel, test: TestData & { labels: Labels }, metric: string): number {
  const m = getMetric(metric, model.task);
  return m.score(test.labels, model.predictMatrix(test.features), model.nOutputs);
}

function rawLabels(raw: RawTable, column: RawColumn, task: Task, classes: readonly string[]): Labels {
  const cell = (i: number): string | number | null => {
    if (column.kind === 'numeric') return Number.isNaN(column.values[i]!) ? null : column.values[i]!;
    if (column.kind === 'nominal') return column.codes[i]! < 0 ? null : column.categories[column.codes[i]!]!;
    const v = column.values[i];
    return v === undefined || v === '' ? null : v;
  };
  if (task === 'regression') {
    const values = new Float64Array(raw.nRows);
    for (let i = 0; i < raw.nRows; i++) {
      const v = cell(i);
      const x = typeof v === 'number' ? v : v === null ? NaN : Number(v);
      if (!Number.isFinite(x)) throw new DataError(`test target must be a number, got ${JSON.stringify(v)}`, rowLocation(raw, i, column.name));
      values[i] = x;
    }
    return values;
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const codes = new Int32Array(raw.nRows);
  for (let i = 0; i < raw.nRows; i++) {
    const v = cell(i);
    if (v === null) throw new DataError('test target is missing', rowLocation(raw, i, column.name));
    const code = index.get(String(v));
    if (code === undefined) {
      throw new DataError(`test label ${JSON.stringify(String(v))} is not a training class (${classes.join(', ')})`, rowLocation(raw, i, column.name));
    }
    codes[i] = code;
  }
  return codes;
}
