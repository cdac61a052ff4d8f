import { createHash } from 'node:crypto';
import type { Column, Dataset, FeatureTable } from '../data/dataset.js';

/**
 * A hash of a dataset's content: column names, kinds, values, category and class lists, target and task.
 * Two datasets with equal fingerprints hold the same data; a resume refuses a run whose data changed.
 */
export function datasetFingerprint(dataset: Dataset): string {
  const hash = createHash('sha256');
  hash.update(`task:${dataset.task}\n`);
  hashTable(hash, dataset);
  const target = dataset.target;
  hash.update(`target:${target.name}:${target.kind}\n`);
  if (target.kind === 'classes') {
    hash.update(JSON.stringify(target.classes));
    hash.update(bytesOf(target.codes));
  } else {
    hash.update(bytesOf(target.values));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** A hash of a feature table (test rows). */
export function tableFingerprint(table: FeatureTable): string {
  const hash = createHash('sha256');
  hashTable(hash, table);
  return `sha256:${hash.digest('hex')}`;
}

function hashTable(hash: ReturnType<typeof createHash>, table: FeatureTable): void {
  hash.update(`rows:${table.nRows}\n`);
  for (const column of table.features) hashColumn(hash, column);
}

function hashColumn(hash: ReturnType<typeof createHash>, column: Column): void {
  hash.update(`column:${column.name}:${column.kind}\n`);
  if (column.kind === 'numeric') {
    hash.update(bytesOf(column.values));
  } else {
    hash.update(JSON.stringify(column.categories));
    hash.update(bytesOf(column.codes));
  }
}

function bytesOf(array: Float64Array | Int32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
