/**
 * The on-disk layout of the OpenML cache. Every download, from the server or made from local files, lands at
 * the same place, so an offline run only needs the directory:
 *
 *   <cache>/tasks/<task id>.json                 task description (raw `/task/{id}` document)
 *   <cache>/tasks/<task id>/splits.arff          train/test split file of the task
 *   <cache>/datasets/<data id>/description.json  dataset description (raw `/data/{id}` document)
 *   <cache>/datasets/<data id>/features.json     `/data/features/{id}`
 *   <cache>/datasets/<data id>/qualities.json    `/data/qualities/{id}`
 *   <cache>/datasets/<data id>/dataset.arff      the data file
 *   <cache>/studies/<study id or alias>.json     `/study/{id|alias}`
 *
 * JSON documents are stored exactly as the API sent them (parsing happens on read), so a better parser also
 * applies to old cache entries. Writes go through a temporary file and a rename: a reader never sees half a file.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { OpenmlFormatError } from './errors.js';
import { temporaryName } from './http.js';
import type { Json } from './json.js';
import type { OpenmlId } from './types.js';

/** A study alias usable as a file name (OpenML aliases look like `OpenML-CC18`, `amlb-classification-all`). */
const STUDY_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class OpenmlCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  taskPath(taskId: OpenmlId): string {
    return join(this.dir, 'tasks', `${taskId}.json`);
  }

  splitsPath(taskId: OpenmlId): string {
    return join(this.dir, 'tasks', String(taskId), 'splits.arff');
  }

  descriptionPath(dataId: OpenmlId): string {
    return join(this.datasetDir(dataId), 'description.json');
  }

  featuresPath(dataId: OpenmlId): string {
    return join(this.datasetDir(dataId), 'features.json');
  }

  qualitiesPath(dataId: OpenmlId): string {
    return join(this.datasetDir(dataId), 'qualities.json');
  }

  arffPath(dataId: OpenmlId): string {
    return join(this.datasetDir(dataId), 'dataset.arff');
  }

  studyPath(idOrAlias: OpenmlId | string): string {
    const key = String(idOrAlias);
    if (!STUDY_KEY.test(key)) {
      throw new ConfigError(`'${key}' is not a study id or alias (letters, digits, '.', '_' and '-' only)`);
    }
    return join(this.dir, 'studies', `${key}.json`);
  }

  private datasetDir(dataId: OpenmlId): string {
    return join(this.dir, 'datasets', String(dataId));
  }

  async has(path: string): Promise<boolean> {
    try {
      return (await stat(path)).isFile();
    } catch {
      return false;
    }
  }

  /** The stored JSON document, or undefined when the file is absent. */
  async readJson(path: string): Promise<Json | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new OpenmlFormatError('cache file is not valid JSON (delete it to fetch it again)', path);
    }
  }

  async writeJson(path: string, doc: Json): Promise<void> {
    await this.writeText(path, `${JSON.stringify(doc, null, 1)}\n`);
  }

  /** Write a file atomically (temporary file + rename). */
  async writeText(path: string, text: string | Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = temporaryName(path);
    try {
      await writeFile(tmp, text);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
