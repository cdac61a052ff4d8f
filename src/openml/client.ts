/**
 * OpenML REST client (JSON API) with a local cache and an offline mode.
 *
 * Every getter reads the cache first; on a miss it fetches from the server, validates the document by parsing
 * it, stores it in the cache and returns the typed view. In offline mode (or for local ids, which only a cache
 * can hold) a miss throws `OpenmlOfflineError` naming the missing file and how to fill it.
 */
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { OpenmlCache } from './cache.js';
import { OpenmlFormatError, OpenmlOfflineError, type MissingCacheFile } from './errors.js';
import { DEFAULT_HTTP_OPTIONS, downloadToFile, fetchJson, type HttpOptions } from './http.js';
import type { Json } from './json.js';
import { parseDatasetDescription, parseFeatures, parseQualities, parseStudy, parseTask } from './parse.js';
import {
  isLocalId,
  parseOpenmlId,
  type OpenmlDatasetDescription,
  type OpenmlFeature,
  type OpenmlId,
  type OpenmlQualities,
  type OpenmlStudy,
  type OpenmlTask,
} from './types.js';

export const DEFAULT_OPENML_BASE_URL = 'https://www.openml.org/api/v1/json';

export interface OpenmlClientOptions {
  /** API root, default https://www.openml.org/api/v1/json. */
  readonly baseUrl?: string;
  /** Cache directory; default $AUTO_ENSEMBLE_OPENML_CACHE or ~/.cache/auto-ensemble/openml. */
  readonly cacheDir?: string;
  /** Read only the cache; a missing file is an `OpenmlOfflineError`. Default false. */
  readonly offline?: boolean;
  /** Per-attempt timeout in ms (default 60000). */
  readonly timeoutMs?: number;
  /** Attempts per request, >= 1 (default 3). */
  readonly attempts?: number;
  /** Back-off before the second attempt in ms, doubled each time (default 500). */
  readonly retryDelayMs?: number;
  /** Optional OpenML API key, sent as `api_key` on API calls (public reads do not need one). */
  readonly apiKey?: string;
  /** Check downloaded dataset files against the published MD5 (default true). */
  readonly verifyChecksum?: boolean;
}

/** The cache directory used when none is given. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.AUTO_ENSEMBLE_OPENML_CACHE;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'auto-ensemble', 'openml');
}

export class OpenmlClient {
  readonly baseUrl: string;
  readonly cache: OpenmlCache;
  readonly offline: boolean;
  private readonly http: HttpOptions;
  private readonly apiKey: string | undefined;
  private readonly verifyChecksum: boolean;

  constructor(options: OpenmlClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_OPENML_BASE_URL).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) throw new ConfigError(`OpenML base URL must be http(s): '${this.baseUrl}'`);
    this.cache = new OpenmlCache(options.cacheDir ?? defaultCacheDir());
    this.offline = options.offline ?? false;
    this.http = {
      timeoutMs: positive(options.timeoutMs, DEFAULT_HTTP_OPTIONS.timeoutMs, 'timeoutMs'),
      attempts: Math.floor(positive(options.attempts, DEFAULT_HTTP_OPTIONS.attempts, 'attempts')),
      retryDelayMs: options.retryDelayMs ?? DEFAULT_HTTP_OPTIONS.retryDelayMs,
    };
    this.apiKey = options.apiKey;
    this.verifyChecksum = options.verifyChecksum ?? true;
  }

  /** Task description: dataset, target, estimation procedure and split-file URL. */
  async getTask(taskId: OpenmlId): Promise<OpenmlTask> {
    const id = parseOpenmlId(taskId, 'task id');
    return this.cachedJson(this.cache.taskPath(id), `description of task ${id}`, id, `task/${id}`, parseTask);
  }

  /** Dataset description: name, file URLs, default target, ignore and row-id attributes, checksum. */
  async getDatasetDescription(dataId: OpenmlId): Promise<OpenmlDatasetDescription> {
    const id = parseOpenmlId(dataId, 'dataset id');
    const path = this.cache.descriptionPath(id);
    return this.cachedJson(path, `description of dataset ${id}`, id, `data/${id}`, parseDatasetDescription);
  }

  async getFeatures(dataId: OpenmlId): Promise<OpenmlFeature[]> {
    const id = parseOpenmlId(dataId, 'dataset id');
    const path = this.cache.featuresPath(id);
    return this.cachedJson(path, `features of dataset ${id}`, id, `data/features/${id}`, parseFeatures);
  }

  async getQualities(dataId: OpenmlId): Promise<OpenmlQualities> {
    const id = parseOpenmlId(dataId, 'dataset id');
    const path = this.cache.qualitiesPath(id);
    return this.cachedJson(path, `qualities of dataset ${id}`, id, `data/qualities/${id}`, parseQualities);
  }

  /** A study or benchmark suite by id (99) or alias ('OpenML-CC18'); stored under both keys once fetched. */
  async getStudy(idOrAlias: number | string): Promise<OpenmlStudy> {
    const key = String(idOrAlias).trim();
    const path = this.cache.studyPath(key);
    const localOnly = isLocalId(key);
    const study = await this.cachedJson(path, `study ${key}`, localOnly ? key : undefined, `study/${key}`, parseStudy);
    for (const other of [String(study.id), study.alias]) {
      if (other !== undefined && other !== key && !(await this.cache.has(this.cache.studyPath(other)))) {
        const doc = await this.cache.readJson(path);
        if (doc !== undefined) await this.cache.writeJson(this.cache.studyPath(other), doc);
      }
    }
    return study;
  }

  /** Path of the dataset's ARFF file in the cache, downloading it (and checking its MD5) when absent. */
  async getDatasetArff(description: OpenmlDatasetDescription): Promise<string> {
    const path = this.cache.arffPath(description.id);
    if (await this.cache.has(path)) return path;
    this.assertOnline([{ what: `data file of dataset ${description.id} (${description.name})`, path }], description.id);
    const format = (description.format ?? 'ARFF').toLowerCase();
    if (format !== 'arff') {
      throw new OpenmlFormatError(
        `dataset ${description.id} is in format '${description.format}'; only dense ARFF is supported ` +
          '(sparse ARFF and parquet-only datasets are not)',
      );
    }
    if (description.url === undefined) throw new OpenmlFormatError(`dataset ${description.id} has no download URL`);
    const expected = this.verifyChecksum ? description.md5Checksum?.toLowerCase() : undefined;
    const result = await downloadToFile(description.url, path, this.http, expected);
    if (result.bytes === 0) {
      await rm(path, { force: true });
      throw new OpenmlFormatError('downloaded data file is empty (not kept)', description.url);
    }
    return path;
  }

  /** Path of the task's split file (OpenML split ARFF) in the cache, downloading it when absent. */
  async getSplitsFile(task: OpenmlTask): Promise<string> {
    const path = this.cache.splitsPath(task.id);
    if (await this.cache.has(path)) return path;
    this.assertOnline([{ what: `split file of task ${task.id}`, path }], task.id);
    const url = task.estimationProcedure?.dataSplitsUrl;
    if (url === undefined) {
      const type = task.estimationProcedure?.type ?? 'none';
      throw new OpenmlFormatError(`task ${task.id} has no split file (estimation procedure: ${type})`);
    }
    await downloadToFile(url, path, this.http);
    return path;
  }

  /** In offline mode, or for a local id, a cache miss is final: throw with the list of missing files. */
  assertOnline(missing: readonly MissingCacheFile[], id?: OpenmlId | string): void {
    if (this.offline) throw new OpenmlOfflineError(this.cache.dir, missing, 'offline');
    if (isLocalId(id)) throw new OpenmlOfflineError(this.cache.dir, missing, 'local-id');
  }

  private async cachedJson<T>(
    path: string,
    what: string,
    id: OpenmlId | string | undefined,
    endpoint: string,
    parse: (doc: Json) => T,
  ): Promise<T> {
    const cached = await this.cache.readJson(path);
    if (cached !== undefined) return withSource(() => parse(cached), path);
    this.assertOnline([{ what, path }], id);
    const url = this.apiUrl(endpoint);
    const doc = await fetchJson(url, this.http, this.publicUrl(endpoint));
    const parsed = withSource(() => parse(doc), this.publicUrl(endpoint));
    await this.cache.writeJson(path, doc);
    return parsed;
  }

  private apiUrl(endpoint: string): string {
    const url = `${this.baseUrl}/${endpoint}`;
    return this.apiKey !== undefined ? `${url}?api_key=${encodeURIComponent(this.apiKey)}` : url;
  }

  /** The URL without the API key, for messages. */
  private publicUrl(endpoint: string): string {
    return `${this.baseUrl}/${endpoint}`;
  }
}

function withSource<T>(fn: () => T, source: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OpenmlFormatError) throw err.withSource(source);
    throw err;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(`OpenML client option ${name} must be > 0, got ${value}`);
  }
  return value;
}
