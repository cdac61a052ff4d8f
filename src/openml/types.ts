/**
 * Typed views of OpenML's task, dataset, feature, quality and study documents, with numbers parsed and the
 * API's quirks (strings, bare one-element lists, empty values) resolved. Produced by `parse.ts`.
 */
import { OpenmlFormatError } from './errors.js';

/**
 * An id in the local namespace: tasks, datasets and suites made by `fillCacheFromLocal` from files on disk
 * (e.g. `local-credit-g`). They never collide with OpenML's ids, which are positive integers.
 */
export type LocalId = `local-${string}`;

/** An OpenML id (positive integer) or a local id. */
export type OpenmlId = number | LocalId;

const LOCAL_ID = /^local-[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isLocalId(id: unknown): id is LocalId {
  return typeof id === 'string' && LOCAL_ID.test(id);
}

/** Parse an id from the API ("59") or from the local namespace ("local-iris"); throws on anything else. */
export function parseOpenmlId(text: string | number, field = 'id'): OpenmlId {
  if (typeof text === 'number') {
    if (Number.isInteger(text) && text > 0) return text;
  } else {
    const t = text.trim();
    if (/^[0-9]+$/.test(t) && Number(t) > 0) return Number(t);
    if (isLocalId(t)) return t;
  }
  throw new OpenmlFormatError(
    `'${String(text)}' at '${field}' is not an OpenML id (a positive integer) or a local id (local-<name>)`,
  );
}

/** OpenML task types this project runs; others parse with kind 'other'. */
export type OpenmlTaskKind = 'classification' | 'regression' | 'other';

export interface OpenmlEstimationProcedure {
  readonly id: number | undefined;
  /** e.g. 'crossvalidation', 'holdout', 'leaveoneout'. */
  readonly type: string;
  /** Where the train/test split file (ARFF) is served. */
  readonly dataSplitsUrl: string | undefined;
  readonly numberRepeats: number | undefined;
  readonly numberFolds: number | undefined;
  /** Holdout test percentage. */
  readonly percentage: number | undefined;
  readonly stratifiedSampling: boolean | undefined;
  /** Every parameter as sent (name -> text), including ones not typed above; empty values are left out. */
  readonly parameters: Readonly<Record<string, string>>;
}

export interface OpenmlTask {
  readonly id: OpenmlId;
  readonly name: string | undefined;
  /** 1 = supervised classification, 2 = supervised regression, others exist. */
  readonly taskTypeId: number;
  readonly taskType: string;
  readonly kind: OpenmlTaskKind;
  readonly datasetId: OpenmlId;
  /** The task's target column (may differ from the dataset's default target). */
  readonly targetFeature: string | undefined;
  readonly estimationProcedure: OpenmlEstimationProcedure | undefined;
  readonly evaluationMeasures: readonly string[];
  readonly tags: readonly string[];
  /** Set for tasks made by `fillCacheFromLocal`. */
  readonly localSource: LocalSource | undefined;
}

/** Where a cache entry written by `fillCacheFromLocal` came from (absent for real OpenML downloads). */
export interface LocalSource {
  /** The source file the entry was made from. */
  readonly file: string;
  /** The dataset's id on OpenML, when it has one. */
  readonly openmlDid: number | undefined;
  readonly note: string;
}

export interface OpenmlDatasetDescription {
  readonly id: OpenmlId;
  readonly name: string;
  readonly version: number | undefined;
  /** 'ARFF', 'Sparse_ARFF', ... */
  readonly format: string | undefined;
  /** Download URL of the ARFF file. */
  readonly url: string | undefined;
  readonly parquetUrl: string | undefined;
  readonly fileId: number | undefined;
  readonly defaultTargetAttribute: string | undefined;
  readonly rowIdAttributes: readonly string[];
  readonly ignoreAttributes: readonly string[];
  readonly md5Checksum: string | undefined;
  readonly status: string | undefined;
  readonly licence: string | undefined;
  readonly tags: readonly string[];
  readonly localSource: LocalSource | undefined;
}

export interface OpenmlFeature {
  readonly index: number;
  readonly name: string;
  /** 'numeric', 'nominal', 'string', 'date'. */
  readonly dataType: string;
  readonly nominalValues: readonly string[];
  readonly isTarget: boolean;
  readonly isIgnore: boolean;
  readonly isRowIdentifier: boolean;
  readonly numberOfMissingValues: number | undefined;
}

/** Dataset qualities by name (e.g. NumberOfInstances); null where the server has no value. */
export type OpenmlQualities = Readonly<Record<string, number | null>>;

export interface OpenmlStudy {
  readonly id: OpenmlId;
  readonly alias: string | undefined;
  readonly name: string;
  /** 'task' for a benchmark suite, 'run' for a run study. */
  readonly mainEntityType: string;
  readonly description: string | undefined;
  readonly status: string | undefined;
  readonly taskIds: readonly OpenmlId[];
  readonly dataIds: readonly OpenmlId[];
}
