import type { Column, Dataset, FeatureTable, Target } from '../data/dataset.js';
import type { Fold } from '../data/split.js';

/**
 * Copies of datasets and folds whose typed arrays live on SharedArrayBuffers. Posting them to a worker
 * (workerData, messages) shares the memory instead of copying it: every worker thread reads the one copy.
 * Workers must treat them as read-only (the MemberFamily contract already forbids mutating `train`).
 */
export function shareDataset(dataset: Dataset): Dataset {
  return {
    name: dataset.name,
    task: dataset.task,
    nRows: dataset.nRows,
    features: dataset.features.map(shareColumn),
    target: shareTarget(dataset.target),
  };
}

export function shareTable(table: FeatureTable): FeatureTable {
  return { nRows: table.nRows, features: table.features.map(shareColumn) };
}

export function shareFolds(folds: readonly Fold[]): Fold[] {
  return folds.map((f) => ({ train: shared(f.train), test: shared(f.test), repeat: f.repeat, fold: f.fold }));
}

function shareColumn(column: Column): Column {
  return column.kind === 'numeric'
    ? { name: column.name, kind: 'numeric', values: shared(column.values) }
    : { name: column.name, kind: 'categorical', codes: shared(column.codes), categories: column.categories };
}

function shareTarget(target: Target): Target {
  return target.kind === 'classes'
    ? { name: target.name, kind: 'classes', codes: shared(target.codes), classes: target.classes }
    : { name: target.name, kind: 'values', values: shared(target.values) };
}

function shared<A extends Float64Array | Int32Array>(array: A): A {
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => A;
  const copy = new Ctor(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}
