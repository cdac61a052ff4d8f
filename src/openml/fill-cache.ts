/**
 * Fill an OpenML cache from local ARFF files (e.g. ../shared/datasets/ and its index.json), so suites run
 * offline through the same client and `loadOpenmlTask` as real OpenML tasks.
 *
 * Per dataset it writes, in the cache layout of `cache.ts`: the data file (a copy), an OpenML-shaped
 * description, features and qualities, a k-fold cross-validation task, and that task's split file in OpenML's
 * split format, generated with a seed (stratified for classification). A suite (study) lists all tasks.
 *
 * Ids (docs/openml.md): every generated task is `local-<name>`, since its splits are not OpenML's; its dataset
 * keeps its OpenML id when the index gives one (`openml_did`), else it is `local-<name>`. A dataset id that
 * already holds a real OpenML download is left alone and the local copy goes to `local-<name>` instead.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { parseArff } from '../data/arff.js';
import { buildDataset } from '../data/build.js';
import type { Task } from '../data/dataset.js';
import { formatOpenmlSplits } from '../data/openml-split.js';
import { datasetFolds } from '../data/split.js';
import { ConfigError, DataError } from '../util/errors.js';
import { deriveSeed } from '../util/random.js';
import { OpenmlCache } from './cache.js';
import { parseDatasetDescription } from './parse.js';
import {
  localDescriptionDoc,
  localFeaturesDoc,
  localQualitiesDoc,
  localStudyDoc,
  localTaskDoc,
  type LocalSourceInfo,
} from './local-docs.js';
import { isLocalId, type LocalId, type OpenmlId } from './types.js';

/** One dataset of a local index (the shape of ../shared/datasets/index.json entries). */
export interface LocalDatasetEntry {
  readonly name: string;
  /** ARFF file, relative to the source directory. */
  readonly file: string;
  readonly target: string;
  readonly task: Task;
  readonly openml_did?: number | null;
}

export interface FillCacheOptions {
  readonly cacheDir: string;
  /** Directory with the ARFF files and (unless `entries` is given) index.json. Default ../shared/datasets. */
  readonly sourceDir?: string;
  /** Datasets to add; default: the entries of `<sourceDir>/index.json`. */
  readonly entries?: readonly LocalDatasetEntry[];
  /** Only these dataset names (default all). */
  readonly names?: readonly string[];
  /** Folds per repeat (default 10, as OpenML's usual tasks). */
  readonly folds?: number;
  readonly repeats?: number;
  /** Seed of the generated splits (default 0); each dataset derives its own from it and its name. */
  readonly seed?: number;
  /** Alias of the suite listing the tasks (default `shared-<number of datasets>`). */
  readonly suite?: string;
}

export interface FilledTask {
  readonly name: string;
  readonly taskId: LocalId;
  readonly dataId: OpenmlId;
  readonly task: Task;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly seed: number;
}

export interface FillCacheResult {
  readonly cacheDir: string;
  readonly suite: string;
  readonly tasks: readonly FilledTask[];
}

export const DEFAULT_LOCAL_SOURCE_DIR = '../shared/datasets';

/** Write local datasets, generated tasks with split files, and a suite into the cache. */
export async function fillCacheFromLocal(options: FillCacheOptions): Promise<FillCacheResult> {
  const sourceDir = resolve(options.sourceDir ?? DEFAULT_LOCAL_SOURCE_DIR);
  const folds = options.folds ?? 10;
  const repeats = options.repeats ?? 1;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(folds) || folds < 2) throw new ConfigError(`folds must be an integer >= 2, got ${folds}`);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new ConfigError(`repeats must be an integer >= 1, got ${repeats}`);
  }
  const entries = selectEntries(options.entries ?? (await readIndex(sourceDir)), options.names);
  const suite = options.suite ?? `shared-${entries.length}`;
  const cache = new OpenmlCache(options.cacheDir);
  cache.studyPath(suite); // validates the alias before any work
  const tasks: FilledTask[] = [];
  for (const entry of entries) {
    tasks.push(await fillOne(cache, sourceDir, entry, { folds, repeats, seed, suite }));
  }
  const studyDoc = localStudyDoc(
    suite,
    tasks.map((t) => t.taskId),
    tasks.map((t) => t.dataId),
    sourceDir,
  );
  await cache.writeJson(cache.studyPath(suite), studyDoc);
  await cache.writeJson(cache.studyPath(`local-${suite}`), studyDoc);
  return { cacheDir: cache.dir, suite, tasks };
}

async function readIndex(sourceDir: string): Promise<LocalDatasetEntry[]> {
  const path = join(sourceDir, 'index.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new DataError(`cannot read the dataset index: ${(err as Error).message}`, { file: path });
  }
  if (!Array.isArray(parsed)) throw new DataError('the dataset index must be a JSON list', { file: path });
  return parsed.map((e: Record<string, unknown>, i) => {
    for (const key of ['name', 'file', 'target', 'task']) {
      if (typeof e[key] !== 'string') throw new DataError(`entry ${i} has no string '${key}'`, { file: path });
    }
    const did = e.openml_did;
    if (did !== undefined && did !== null && !(Number.isInteger(did) && (did as number) > 0)) {
      throw new DataError(`entry ${i} has an invalid openml_did`, { file: path });
    }
    return e as unknown as LocalDatasetEntry;
  });
}

function selectEntries(
  entries: readonly LocalDatasetEntry[],
  names: readonly string[] | undefined,
): LocalDatasetEntry[] {
  if (names === undefined) return [...entries];
  const unknown = names.filter((n) => !entries.some((e) => e.name === n));
  if (unknown.length > 0) {
    const known = entries.map((e) => e.name).join(', ');
    throw new ConfigError(`unknown dataset name(s): ${unknown.join(', ')}; known: ${known}`);
  }
  return entries.filter((e) => names.includes(e.name));
}

interface FillSettings {
  readonly folds: number;
  readonly repeats: number;
  readonly seed: number;
  readonly suite: string;
}

async function fillOne(
  cache: OpenmlCache,
  sourceDir: string,
  entry: LocalDatasetEntry,
  settings: FillSettings,
): Promise<FilledTask> {
  const file = resolve(sourceDir, entry.file);
  if (extname(file).toLowerCase() !== '.arff') throw new ConfigError(`${file}: only ARFF files can fill the cache`);
  const bytes = await readFile(file).catch((err: Error) => {
    throw new DataError(`cannot read dataset: ${err.message}`, { file });
  });
  const arff = parseArff(bytes.toString('utf8'), { file });
  const { dataset } = buildDataset({ ...arff, name: entry.name }, { target: entry.target, task: entry.task });
  const taskId = localId(entry.name);
  const did = entry.openml_did ?? undefined;
  const dataId = await chooseDataId(cache, did, taskId);
  const datasetSeed = deriveSeed(settings.seed, nameHash(entry.name));
  const folds = datasetFolds(dataset, settings.folds, datasetSeed, settings.repeats);
  const source: LocalSourceInfo = {
    file,
    openmlDid: did,
    note:
      `Local copy of ${basename(file)}${did !== undefined ? ` (OpenML dataset ${did})` : ''}, written by ` +
      `fillCacheFromLocal; splits: ${settings.repeats} x ${settings.folds}-fold, seed ${settings.seed}.`,
  };
  const md5 = createHash('md5').update(bytes).digest('hex');
  await cache.writeText(cache.arffPath(dataId), bytes);
  await cache.writeJson(
    cache.descriptionPath(dataId),
    localDescriptionDoc(dataId, entry.name, entry.target, md5, pathToFileURL(file).href, source),
  );
  await cache.writeJson(cache.featuresPath(dataId), localFeaturesDoc(arff, entry.target));
  await cache.writeJson(cache.qualitiesPath(dataId), localQualitiesDoc(arff, dataset));
  const spec = {
    taskId,
    dataId,
    name: entry.name,
    target: entry.target,
    regression: dataset.task === 'regression',
    folds: settings.folds,
    repeats: settings.repeats,
    tags: ['local', settings.suite],
  };
  await cache.writeText(cache.splitsPath(taskId), formatOpenmlSplits(folds, { relation: `${taskId}_splits` }));
  await cache.writeJson(cache.taskPath(taskId), localTaskDoc(spec, source));
  return {
    name: entry.name,
    taskId,
    dataId,
    task: dataset.task,
    nRows: dataset.nRows,
    nFeatures: dataset.features.length,
    seed: datasetSeed,
  };
}

function localId(name: string): LocalId {
  const id = `local-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
  if (!isLocalId(id)) throw new ConfigError(`cannot make a local id from dataset name '${name}'`);
  return id;
}

/** The dataset's OpenML id, unless that id already holds a real download (then its local id). */
async function chooseDataId(cache: OpenmlCache, did: number | undefined, fallback: LocalId): Promise<OpenmlId> {
  if (did === undefined) return fallback;
  const existing = await cache.readJson(cache.descriptionPath(did));
  if (existing === undefined) return did;
  return parseDatasetDescription(existing).localSource !== undefined ? did : fallback;
}

/** FNV-1a of a name, so each dataset's split seed depends on its name, not on its position in the list. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
