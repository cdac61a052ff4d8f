/**
 * Parsers from OpenML JSON documents (as the API sends them, and as the cache stores them) to the typed views
 * of `types.ts`. They accept the API's quirks (see `json.ts`) and throw `OpenmlFormatError` on anything else.
 */
import { OpenmlFormatError } from './errors.js';
import {
  asList,
  asObject,
  optBool,
  optInt,
  optNumber,
  optString,
  reqInt,
  reqString,
  stringList,
  type Json,
  type JsonObject,
} from './json.js';
import {
  parseOpenmlId,
  type LocalSource,
  type OpenmlDatasetDescription,
  type OpenmlEstimationProcedure,
  type OpenmlFeature,
  type OpenmlId,
  type OpenmlQualities,
  type OpenmlStudy,
  type OpenmlTask,
  type OpenmlTaskKind,
} from './types.js';

/** `{"task": {...}}` from `/task/{id}`. */
export function parseTask(doc: Json): OpenmlTask {
  const top = asObject(doc, '$');
  const task = asObject(top.task, 'task');
  const inputs = asList(task.input).map((x, i) => asObject(x, `task.input[${i}]`));
  // Each input is {"name": N, <payload key>: payload}; the payload key is N itself except for source_data,
  // whose payload is "data_set".
  const input = (name: string, payloadKey = name): JsonObject | undefined => {
    const value = inputs.find((x) => x.name === name)?.[payloadKey];
    return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)
      ? value
      : undefined;
  };
  const dataSet = input('source_data', 'data_set');
  if (dataSet === undefined) throw new OpenmlFormatError("task has no 'source_data' input with a 'data_set'");
  const taskTypeId = reqInt(task.task_type_id, 'task.task_type_id');
  const estimation = input('estimation_procedure');
  const measures = input('evaluation_measures');
  return {
    id: parseOpenmlId(reqString(task.task_id, 'task.task_id'), 'task.task_id'),
    name: optString(task.task_name, 'task.task_name'),
    taskTypeId,
    taskType: optString(task.task_type, 'task.task_type') ?? `task type ${taskTypeId}`,
    kind: taskKind(taskTypeId),
    datasetId: parseOpenmlId(reqString(dataSet.data_set_id, 'data_set_id'), 'data_set_id'),
    targetFeature: optString(dataSet.target_feature, 'target_feature'),
    estimationProcedure: estimation !== undefined ? parseEstimationProcedure(estimation) : undefined,
    evaluationMeasures: measures !== undefined ? stringList(measures.evaluation_measure, 'evaluation_measure') : [],
    tags: stringList(task.tag, 'task.tag'),
    localSource: top.local_source !== undefined ? parseLocalSource(top.local_source) : undefined,
  };
}

function taskKind(taskTypeId: number): OpenmlTaskKind {
  if (taskTypeId === 1) return 'classification';
  if (taskTypeId === 2) return 'regression';
  return 'other';
}

function parseEstimationProcedure(ep: JsonObject): OpenmlEstimationProcedure {
  const parameters: Record<string, string> = {};
  asList(ep.parameter).forEach((p, i) => {
    const param = asObject(p, `estimation_procedure.parameter[${i}]`);
    const name = reqString(param.name, `estimation_procedure.parameter[${i}].name`);
    const value = optString(param.value, `estimation_procedure.parameter.${name}`);
    if (value !== undefined) parameters[name] = value;
  });
  const field = (name: string): string => `estimation_procedure.parameter.${name}`;
  return {
    id: optInt(ep.id, 'estimation_procedure.id'),
    type: reqString(ep.type, 'estimation_procedure.type'),
    dataSplitsUrl: optString(ep.data_splits_url, 'estimation_procedure.data_splits_url'),
    numberRepeats: optInt(parameters.number_repeats, field('number_repeats')),
    numberFolds: optInt(parameters.number_folds, field('number_folds')),
    percentage: optNumber(parameters.percentage, field('percentage')),
    stratifiedSampling: optBool(parameters.stratified_sampling, field('stratified_sampling')),
    parameters,
  };
}

/** `{"data_set_description": {...}}` from `/data/{id}`; a cache copy may add `local_source`. */
export function parseDatasetDescription(doc: Json): OpenmlDatasetDescription {
  const top = asObject(doc, '$');
  const d = asObject(top.data_set_description, 'data_set_description');
  const f = (name: string): string => `data_set_description.${name}`;
  return {
    id: parseOpenmlId(reqString(d.id, f('id')), f('id')),
    name: reqString(d.name, f('name')),
    version: optInt(d.version, f('version')),
    format: optString(d.format, f('format')),
    url: optString(d.url, f('url')),
    parquetUrl: optString(d.parquet_url, f('parquet_url')),
    fileId: optInt(d.file_id, f('file_id')),
    defaultTargetAttribute: optString(d.default_target_attribute, f('default_target_attribute')),
    rowIdAttributes: stringList(d.row_id_attribute, f('row_id_attribute')),
    ignoreAttributes: stringList(d.ignore_attribute, f('ignore_attribute')),
    md5Checksum: optString(d.md5_checksum, f('md5_checksum')),
    status: optString(d.status, f('status')),
    licence: optString(d.licence, f('licence')),
    tags: stringList(d.tag, f('tag')),
    localSource: top.local_source !== undefined ? parseLocalSource(top.local_source) : undefined,
  };
}

function parseLocalSource(value: Json): LocalSource {
  const s = asObject(value, 'local_source');
  return {
    file: reqString(s.file, 'local_source.file'),
    openmlDid: optInt(s.openml_did, 'local_source.openml_did'),
    note: optString(s.note, 'local_source.note') ?? '',
  };
}

/** `{"data_features": {"feature": [...]}}` from `/data/features/{id}`. */
export function parseFeatures(doc: Json): OpenmlFeature[] {
  const features = asObject(asObject(doc, '$').data_features, 'data_features');
  return asList(features.feature).map((x, i) => {
    const feat = asObject(x, `feature[${i}]`);
    const f = (name: string): string => `feature[${i}].${name}`;
    return {
      index: reqInt(feat.index, f('index')),
      name: reqString(feat.name, f('name')),
      dataType: reqString(feat.data_type, f('data_type')),
      nominalValues: stringList(feat.nominal_value, f('nominal_value')),
      isTarget: optBool(feat.is_target, f('is_target')) ?? false,
      isIgnore: optBool(feat.is_ignore, f('is_ignore')) ?? false,
      isRowIdentifier: optBool(feat.is_row_identifier, f('is_row_identifier')) ?? false,
      numberOfMissingValues: optInt(feat.number_of_missing_values, f('number_of_missing_values')),
    };
  });
}

/** `{"data_qualities": {"quality": [...]}}` from `/data/qualities/{id}`. */
export function parseQualities(doc: Json): OpenmlQualities {
  const qualities = asObject(asObject(doc, '$').data_qualities, 'data_qualities');
  const out: Record<string, number | null> = {};
  asList(qualities.quality).forEach((x, i) => {
    const q = asObject(x, `quality[${i}]`);
    const name = reqString(q.name, `quality[${i}].name`);
    out[name] = optNumber(q.value, `quality.${name}`) ?? null;
  });
  return out;
}

/** `{"study": {...}}` from `/study/{id|alias}`. */
export function parseStudy(doc: Json): OpenmlStudy {
  const s = asObject(asObject(doc, '$').study, 'study');
  const ids = (group: Json | undefined, key: string): OpenmlId[] => {
    if (group === undefined || group === null || Array.isArray(group)) return [];
    const g = asObject(group, `study.${key}`);
    return stringList(g[key], `study.${key}`).map((t) => parseOpenmlId(t, `study.${key}`));
  };
  return {
    id: parseOpenmlId(reqString(s.id, 'study.id'), 'study.id'),
    alias: optString(s.alias, 'study.alias'),
    name: optString(s.name, 'study.name') ?? '',
    mainEntityType: optString(s.main_entity_type, 'study.main_entity_type') ?? 'task',
    description: optString(s.description, 'study.description'),
    status: optString(s.status, 'study.status'),
    taskIds: ids(s.tasks, 'task_id'),
    dataIds: ids(s.data, 'data_id'),
  };
}

/** OpenML's error document `{"error": {"code", "message", "additional_information"?}}`, if `doc` is one. */
export function parseApiError(
  doc: Json,
): { code: number | undefined; message: string; additionalInformation: string | undefined } | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const err = doc.error;
  if (err === null || err === undefined || typeof err !== 'object' || Array.isArray(err)) return undefined;
  const code = optString(err.code, 'error.code');
  return {
    code: code !== undefined && /^[0-9]+$/.test(code.trim()) ? Number(code) : undefined,
    message: optString(err.message, 'error.message') ?? 'unknown error',
    additionalInformation: optString(err.additional_information, 'error.additional_information'),
  };
}

