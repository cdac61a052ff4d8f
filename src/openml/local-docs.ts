/**
 * OpenML-shaped documents (task, dataset description, features, qualities, study) for datasets that come from
 * local files, so that `fillCacheFromLocal` writes the same cache layout a download would and the client reads
 * both the same way. Every document made here carries a top-level `local_source` saying where it came from.
 */
import type { Dataset } from '../data/dataset.js';
import type { ArffData } from '../data/arff.js';
import type { Json, JsonObject } from './json.js';
import type { OpenmlId } from './types.js';

export interface LocalSourceInfo {
  /** Absolute path of the source file. */
  readonly file: string;
  readonly openmlDid: number | undefined;
  readonly note: string;
}

function localSource(info: LocalSourceInfo): JsonObject {
  const out: JsonObject = { file: info.file, note: info.note };
  if (info.openmlDid !== undefined) out.openml_did = String(info.openmlDid);
  return out;
}

export interface LocalTaskSpec {
  readonly taskId: OpenmlId;
  readonly dataId: OpenmlId;
  readonly name: string;
  readonly target: string;
  readonly regression: boolean;
  readonly folds: number;
  readonly repeats: number;
  readonly tags: readonly string[];
}

/** A `/task/{id}` document for a k-fold cross-validation task on a local dataset. */
export function localTaskDoc(spec: LocalTaskSpec, source: LocalSourceInfo): Json {
  const type = spec.regression ? 'Supervised Regression' : 'Supervised Classification';
  return {
    task: {
      task_id: String(spec.taskId),
      task_name: `Task ${spec.taskId}: ${spec.name} (${type})`,
      task_type_id: spec.regression ? '2' : '1',
      task_type: type,
      input: [
        { name: 'source_data', data_set: { data_set_id: String(spec.dataId), target_feature: spec.target } },
        {
          name: 'estimation_procedure',
          estimation_procedure: {
            type: 'crossvalidation',
            parameter: [
              { name: 'number_repeats', value: String(spec.repeats) },
              { name: 'number_folds', value: String(spec.folds) },
              { name: 'percentage' },
              { name: 'stratified_sampling', value: spec.regression ? 'false' : 'true' },
            ],
          },
        },
        { name: 'evaluation_measures', evaluation_measures: [] },
      ],
      tag: [...spec.tags],
    },
    local_source: localSource(source),
  };
}

/** A `/data/{id}` document for a local ARFF file. */
export function localDescriptionDoc(
  dataId: OpenmlId,
  name: string,
  target: string,
  md5: string,
  fileUrl: string,
  source: LocalSourceInfo,
): Json {
  return {
    data_set_description: {
      id: String(dataId),
      name,
      version: '1',
      description: source.note,
      format: 'ARFF',
      url: fileUrl,
      default_target_attribute: target,
      md5_checksum: md5,
      status: 'active',
      tag: ['local'],
    },
    local_source: localSource(source),
  };
}

/** A `/data/features/{id}` document from the parsed ARFF header and columns. */
export function localFeaturesDoc(arff: ArffData, target: string): Json {
  const feature = arff.attributes.map((attr, index) => {
    const column = arff.columns[index]!;
    const entry: JsonObject = {
      index: String(index),
      name: attr.name,
      data_type: attr.type,
    };
    if (attr.type === 'nominal' && attr.values !== undefined) entry.nominal_value = [...attr.values];
    entry.is_target = String(attr.name === target);
    entry.is_ignore = 'false';
    entry.is_row_identifier = 'false';
    entry.number_of_missing_values = String(missingCount(column));
    return entry;
  });
  return { data_features: { feature } };
}

function missingCount(column: ArffData['columns'][number]): number {
  let n = 0;
  if (column.kind === 'numeric') for (const v of column.values) n += Number.isNaN(v) ? 1 : 0;
  else if (column.kind === 'nominal') for (const c of column.codes) n += c < 0 ? 1 : 0;
  else for (const v of column.values) n += v === null ? 1 : 0;
  return n;
}

/** A `/data/qualities/{id}` document with the simple qualities OpenML computes (counts and class sizes). */
export function localQualitiesDoc(arff: ArffData, dataset: Dataset): Json {
  let missing = 0;
  let numeric = 0;
  const rowHasMissing = new Uint8Array(arff.nRows);
  for (const column of arff.columns) {
    if (column.kind === 'numeric') numeric++;
    for (let i = 0; i < arff.nRows; i++) {
      const isMissing =
        column.kind === 'numeric'
          ? Number.isNaN(column.values[i]!)
          : column.kind === 'nominal'
            ? column.codes[i]! < 0
            : column.values[i] === null;
      if (isMissing) {
        missing++;
        rowHasMissing[i] = 1;
      }
    }
  }
  const q: Record<string, number> = {
    NumberOfInstances: arff.nRows,
    NumberOfFeatures: arff.columns.length,
    NumberOfNumericFeatures: numeric,
    NumberOfSymbolicFeatures: arff.columns.length - numeric,
    NumberOfMissingValues: missing,
    NumberOfInstancesWithMissingValues: rowHasMissing.reduce((a, b) => a + b, 0),
    NumberOfClasses: dataset.target.kind === 'classes' ? dataset.target.classes.length : 0,
  };
  if (dataset.target.kind === 'classes') {
    const counts = new Array<number>(dataset.target.classes.length).fill(0);
    for (const c of dataset.target.codes) counts[c]!++;
    q.MajorityClassSize = Math.max(...counts);
    q.MinorityClassSize = Math.min(...counts);
  }
  return { data_qualities: { quality: Object.entries(q).map(([name, value]) => ({ name, value: String(value) })) } };
}

/** A `/study/{id}` document listing the local tasks of a suite. */
export function localStudyDoc(
  alias: string,
  taskIds: readonly OpenmlId[],
  dataIds: readonly OpenmlId[],
  sourceDir: string,
): Json {
  return {
    study: {
      id: `local-${alias}`,
      alias,
      main_entity_type: 'task',
      name: `Local suite ${alias}`,
      description: `${taskIds.length} tasks made by fillCacheFromLocal from ${sourceDir}`,
      status: 'active',
      data: { data_id: dataIds.map(String) },
      tasks: { task_id: taskIds.map(String) },
    },
    local_source: { file: sourceDir, note: 'suite made from local files' },
  };
}
