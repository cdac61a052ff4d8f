import type { Dataset, FeatureTable, Task } from '../data/dataset.js';
import { datasetFromColumns, datasetFromRows, loadDatasetFile, readRawTable } from '../data/load.js';
import { alignToSchema, rawTableToFeatures, rowsToFeatureTable, type FeatureSchema } from '../data/feature-schema.js';
import { ConfigError } from '../util/errors.js';
import type { DatasetInput } from './types.js';

/** Turn any accepted data form into a Dataset (the target and task options apply to files and in-memory data). */
export function toDataset(input: DatasetInput, options: { target?: string; task?: Task } = {}): Dataset {
  if (typeof input === 'string') {
    return loadDatasetFile(input, { ...(options.target ? { target: options.target } : {}), ...(options.task ? { task: options.task } : {}) });
  }
  if (isDataset(input)) {
    if (options.target !== undefined && options.target !== input.target.name) {
      throw new ConfigError(`option target '${options.target}' differs from the Dataset's target '${input.target.name}'`);
    }
    return input;
  }
  if (typeof input !== 'object' || input === null) throw new ConfigError('dataset must be a file path, { rows, target }, { columns, target } or a Dataset');
  const target = input.target ?? options.target;
  if (target === undefined) throw new ConfigError('in-memory data needs a target: { rows, target: "column" } or options.target');
  const common = { target, ...(options.task ? { task: options.task } : {}), ...(input.name ? { name: input.name } : {}) };
  if ('rows' in input) {
    if (!Array.isArray(input.rows)) throw new ConfigError('dataset.rows must be an array of objects');
    return datasetFromRows(input.rows, common);
  }
  if ('columns' in input) return datasetFromColumns(input.columns, common);
  throw new ConfigError('dataset must be a file path, { rows, target }, { columns, target } or a Dataset');
}

/**
 * Data to predict on, aligned to a training schema: a file (the target column may be absent), rows, columns, or a
 * FeatureTable / Dataset. Rules for missing columns, extra columns and unseen categories: feature-schema.ts.
 */
export function toFeatureTable(input: DatasetInput | FeatureTable, schema: FeatureSchema): FeatureTable {
  if (typeof input === 'string') return rawTableToFeatures(readRawTable(input), schema);
  if (isFeatureTable(input)) return alignToSchema(input, schema);
  if ('rows' in input) return rowsToFeatureTable(input.rows, schema);
  if ('columns' in input) {
    const lengths = new Set(Object.values(input.columns).map((c) => c.length));
    if (lengths.size > 1) throw new ConfigError('all columns must have the same length');
    const n = lengths.size === 0 ? 0 : [...lengths][0]!;
    const names = Object.keys(input.columns);
    const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((name) => [name, input.columns[name]![i]])));
    return rowsToFeatureTable(rows, schema);
  }
  throw new ConfigError('data to predict must be a file path, rows, columns or a FeatureTable');
}

export function isDataset(x: unknown): x is Dataset {
  return isFeatureTable(x) && typeof (x as Dataset).target === 'object' && typeof (x as Dataset).task === 'string';
}

export function isFeatureTable(x: unknown): x is FeatureTable {
  return typeof x === 'object' && x !== null && Array.isArray((x as FeatureTable).features) && typeof (x as FeatureTable).nRows === 'number';
}
