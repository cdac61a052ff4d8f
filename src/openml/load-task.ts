/**
 * One call from an OpenML task id to what a benchmark needs: the task's Dataset (its target, ignore and row-id
 * attributes dropped) and its train/test folds from the task's split file.
 */
import { buildDataset, type DroppedColumn } from '../data/build.js';
import type { Dataset, Task } from '../data/dataset.js';
import { readRawTable } from '../data/load.js';
import { readOpenmlSplitFile } from '../data/openml-split.js';
import type { Fold } from '../data/split.js';
import { ConfigError, DataError } from '../util/errors.js';
import { OpenmlClient, type OpenmlClientOptions } from './client.js';
import type { MissingCacheFile } from './errors.js';
import type { OpenmlDatasetDescription, OpenmlId, OpenmlTask } from './types.js';

export interface LoadOpenmlTaskOptions extends OpenmlClientOptions {
  /** Use this client (its cache, offline flag and base URL) instead of building one from the options. */
  readonly client?: OpenmlClient;
}

export interface OpenmlTaskData {
  readonly task: OpenmlTask;
  readonly description: OpenmlDatasetDescription;
  /** Named after the OpenML dataset; target = the task's target feature. */
  readonly dataset: Dataset;
  /** Folds of the split file, ordered by repeat then fold; row ids index the dataset's rows. */
  readonly folds: readonly Fold[];
  /** Columns left out: ignore and row-id attributes, plus what the loader drops (all-missing, ID-like). */
  readonly dropped: readonly DroppedColumn[];
  /** The cached files the data came from. */
  readonly files: { readonly data: string; readonly splits: string };
}

/**
 * Load an OpenML task (from the cache, else the server) as a Dataset plus its folds.
 * Offline, every missing cache file is listed in one `OpenmlOfflineError`.
 */
export async function loadOpenmlTask(taskId: OpenmlId, options: LoadOpenmlTaskOptions = {}): Promise<OpenmlTaskData> {
  const client = options.client ?? new OpenmlClient(options);
  const task = await client.getTask(taskId);
  if (task.kind === 'other') {
    throw new ConfigError(`task ${task.id} is a '${task.taskType}' task; only classification and regression tasks run`);
  }
  await assertCached(client, task);
  const description = await client.getDatasetDescription(task.datasetId);
  const dataPath = await client.getDatasetArff(description);
  const splitsPath = await client.getSplitsFile(task);
  const { dataset, dropped } = buildTaskDataset(task, description, dataPath);
  const folds = readOpenmlSplitFile(splitsPath, { nRows: dataset.nRows });
  checkFolds(folds, task, splitsPath);
  return { task, description, dataset, folds, dropped, files: { data: dataPath, splits: splitsPath } };
}

/** Offline (or for local ids): report every file of the task that the cache lacks, all at once. */
async function assertCached(client: OpenmlClient, task: OpenmlTask): Promise<void> {
  const { cache } = client;
  const wanted: MissingCacheFile[] = [
    { what: `description of dataset ${task.datasetId}`, path: cache.descriptionPath(task.datasetId) },
    { what: `data file of dataset ${task.datasetId}`, path: cache.arffPath(task.datasetId) },
    { what: `split file of task ${task.id}`, path: cache.splitsPath(task.id) },
  ];
  const missing: MissingCacheFile[] = [];
  for (const file of wanted) if (!(await cache.has(file.path))) missing.push(file);
  if (missing.length === 0) return;
  // Throws when offline, or when the task or its dataset has a local id (only a cache can hold those).
  client.assertOnline(missing, task.id);
  client.assertOnline(missing, task.datasetId);
}

function buildTaskDataset(
  task: OpenmlTask,
  description: OpenmlDatasetDescription,
  dataPath: string,
): { dataset: Dataset; dropped: DroppedColumn[] } {
  const target = task.targetFeature ?? description.defaultTargetAttribute;
  if (target === undefined) {
    throw new DataError(`task ${task.id} names no target and dataset ${description.id} has no default target`);
  }
  const raw = readRawTable(dataPath, { format: 'arff' });
  const names = raw.columns.map((c) => c.name);
  if (!names.includes(target)) {
    throw new DataError(
      `target '${target}' of task ${task.id} is not a column of dataset ${description.id} ` +
        `(${describeSource(description)})`,
      { file: dataPath },
    );
  }
  const columnTypes: Record<string, 'drop'> = {};
  for (const name of [...description.ignoreAttributes, ...description.rowIdAttributes]) {
    if (name === target) continue;
    if (!names.includes(name)) {
      throw new DataError(
        `dataset ${description.id} lists '${name}' as an ignore or row-id attribute, ` +
          'but the data file has no such column',
        { file: dataPath },
      );
    }
    columnTypes[name] = 'drop';
  }
  const table = { ...raw, name: description.name };
  let report = buildDataset(table, { target, columnTypes });
  if (task.kind === 'regression' && report.dataset.task !== 'regression') {
    report = buildDataset(table, { target, columnTypes, task: 'regression' });
  } else if (task.kind === 'classification' && report.dataset.task === 'regression') {
    report = buildDataset(table, { target, columnTypes, task: classTaskOf(report.dataset) });
  }
  const marked = new Set(Object.keys(columnTypes));
  const reason = (name: string): string =>
    description.rowIdAttributes.includes(name) ? 'OpenML row-id attribute' : 'OpenML ignore attribute';
  const dropped = report.dropped.map((d) => (marked.has(d.name) ? { name: d.name, reason: reason(d.name) } : d));
  return { dataset: report.dataset, dropped };
}

/** Binary or multiclass for a numeric target that a classification task treats as class labels. */
function classTaskOf(dataset: Dataset): Task {
  const values = dataset.target.kind === 'values' ? dataset.target.values : new Float64Array(0);
  return new Set(values).size === 2 ? 'binary' : 'multiclass';
}

function checkFolds(folds: readonly Fold[], task: OpenmlTask, splitsPath: string): void {
  if (folds.length === 0) throw new DataError(`split file of task ${task.id} has no folds`, { file: splitsPath });
  const expected = task.estimationProcedure;
  if (expected?.type === 'crossvalidation' && expected.numberFolds !== undefined) {
    const repeats = expected.numberRepeats ?? 1;
    if (folds.length !== expected.numberFolds * repeats) {
      throw new DataError(
        `split file has ${folds.length} folds, but task ${task.id} declares ` +
          `${repeats} x ${expected.numberFolds}-fold cross-validation`,
        { file: splitsPath },
      );
    }
  }
}

function describeSource(description: OpenmlDatasetDescription): string {
  return description.localSource !== undefined
    ? `a local copy of ${description.localSource.file}`
    : `downloaded from ${description.url ?? 'OpenML'}`;
}
