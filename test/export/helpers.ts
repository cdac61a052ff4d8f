import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset, FeatureTable } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { getFamily } from '../../src/models/registry.js';
import type { Config, FittedMember } from '../../src/models/types.js';
import { EnsembleModel, type EnsembleMember } from '../../src/serving/ensemble-model.js';
import { featureSchemaOf } from '../../src/data/feature-schema.js';
import { datasetFolds } from '../../src/data/split.js';
import { takeRows } from '../../src/data/dataset.js';

export const DATA = '../shared/datasets';

/** Small, reproducible autoEnsemble settings: a handful of fast members, 3 folds, 2 workers. */
export const QUICK = { searchSpace: 'small', folds: 3, concurrency: 2, search: 'random', seed: 7 } as const;

/** A fresh temporary directory, removed by `done()`. */
export function tempDir(prefix = 'ae-export-'): { path: string; done: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, done: () => rmSync(path, { recursive: true, force: true }) };
}

export function loadShared(name: string): Dataset {
  return loadDatasetFile(`${DATA}/${name}.arff`);
}

/** Rows as a client would send them: `{ feature: value }` with category names, null for missing values. */
export function rowsOf(table: FeatureTable, count = table.nRows): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < Math.min(count, table.nRows); i++) {
    const row: Record<string, unknown> = {};
    for (const c of table.features) {
      if (c.kind === 'numeric') row[c.name] = Number.isNaN(c.values[i]!) ? null : c.values[i];
      else row[c.name] = c.codes[i]! < 0 ? null : c.categories[c.codes[i]!];
    }
    rows.push(row);
  }
  return rows;
}

/** Every value identical to the bit (Object.is: NaN equals NaN, 0 and -0 differ). */
export function assertBitIdentical(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/**
 * An EnsembleModel built directly from families (no search, no store): each member keeps `folds` fold models
 * trained on the k-fold training parts, weighted equally. Fast enough for validation and HTTP tests.
 */
export async function directEnsemble(
  data: Dataset,
  specs: readonly { family: string; config?: Config }[],
  folds = 2,
): Promise<EnsembleModel> {
  const parts = datasetFolds(data, folds, 1);
  const controller = new AbortController();
  const members: EnsembleMember[] = [];
  for (const [id, spec] of specs.entries()) {
    const family = getFamily(spec.family);
    const models: FittedMember[] = [];
    for (const part of parts) {
      models.push(await family.fit(takeRows(data, part.train), spec.config ?? {}, { seed: 100 + id, signal: controller.signal, deadline: Infinity }));
    }
    members.push({ id: id + 1, family: spec.family, config: spec.config ?? {}, weight: 1 / specs.length, validationScore: 0, models });
  }
  return new EnsembleModel({
    task: data.task,
    targetName: data.target.name,
    classes: data.target.kind === 'classes' ? [...data.target.classes] : [],
    schema: featureSchemaOf(data),
    metric: data.task === 'regression' ? 'rmse' : data.task === 'binary' ? 'roc_auc' : 'log_loss',
    method: 'ges',
    validationScore: 0,
    combiner: { kind: 'weights', memberIds: members.map((m) => m.id), weights: members.map((m) => m.weight) },
    members,
  });
}
