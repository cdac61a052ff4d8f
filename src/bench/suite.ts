/**
 * Benchmark suites: what tasks to run and with which splits.
 *
 * A suite is either
 * - a suite file (JSON, see docs/benchmarks.md): datasets by path, target and task, plus the seed and number of
 *   cross-validation folds of their splits. The splits are generated once, written in OpenML's split format into
 *   a cache directory (with `fillCacheFromLocal`), and read back from there, so local suites and OpenML suites run
 *   through the same code (`loadOpenmlTask`);
 * - a built-in name (`smoke`, `shared-18`: files in benchmarks/suites/);
 * - an OpenML suite (study) id or alias (`271`, `openml/OpenML-CC18`), read through the OpenML client and its
 *   cache (offline: the cache only).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '../data/dataset.js';
import { OpenmlClient, defaultCacheDir } from '../openml/client.js';
import { fillCacheFromLocal, type LocalDatasetEntry } from '../openml/fill-cache.js';
import { loadOpenmlTask, type OpenmlTaskData } from '../openml/load-task.js';
import type { OpenmlId } from '../openml/types.js';
import { ConfigError } from '../util/errors.js';

/** Run settings a suite file may preset (command-line options override them). */
export interface SuiteDefaults {
  /** Folds to run (the first N of the split file). */
  readonly folds?: number;
  /** Search time budget(s) in seconds per task and fold. */
  readonly budget?: number | readonly number[];
  /** Stop each search after this many trials (keeps CI runs short and reproducible). */
  readonly maxTrials?: number;
  readonly search?: readonly string[];
  readonly ensembles?: readonly string[];
  readonly baselines?: readonly string[];
  /** Search-space name or path (default: the library's default). */
  readonly searchSpace?: string;
  /** Cross-validation folds inside each search (default 5). */
  readonly innerFolds?: number;
}

export interface SuiteDatasetSpec {
  readonly name: string;
  /** Data file (ARFF), relative to the suite file. */
  readonly path: string;
  readonly target: string;
  readonly task: Task;
  readonly openml_did?: number | null;
}

export interface SuiteFile {
  readonly name: string;
  readonly description?: string;
  readonly datasets: readonly SuiteDatasetSpec[];
  /** Splits: `folds`-fold cross-validation (x `repeats`), seeded (defaults 10, 1, 0). */
  readonly splits?: { readonly folds?: number; readonly repeats?: number; readonly seed?: number };
  readonly defaults?: SuiteDefaults;
}

/** One task of a suite: loading it reads the data and the split file from the cache. */
export interface SuiteTask {
  /** Stable id written in the `id` column: `openml.org/t/<id>` or the local task id. */
  readonly id: string;
  /** Dataset name, written in the `task` column. */
  readonly name: string;
  readonly taskId: OpenmlId;
  load(): Promise<OpenmlTaskData>;
}

export interface Suite {
  readonly name: string;
  /** Where it came from: a file path or `openml:<id>`. */
  readonly source: string;
  readonly tasks: readonly SuiteTask[];
  readonly defaults: SuiteDefaults;
  /** The OpenML cache directory holding the tasks' data and split files. */
  readonly cacheDir: string;
  /** Split description for the params column, e.g. `10-fold cv, seed 0` (local suites). */
  readonly splits: string;
}

export interface LoadSuiteOptions {
  /** OpenML cache directory (default: $AUTO_ENSEMBLE_OPENML_CACHE or ~/.cache/auto-ensemble/openml). */
  readonly cacheDir?: string;
  /** OpenML suites: read only the cache. */
  readonly offline?: boolean;
  /** Only these dataset names. */
  readonly datasets?: readonly string[];
}

/** The project root (where package.json and benchmarks/ live), found from this module's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'benchmarks', 'suites'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function builtinSuitePath(name: string): string {
  return join(packageRoot(), 'benchmarks', 'suites', `${name}.json`);
}

/** Resolve `--suite`: a built-in name, a suite file, or an OpenML suite id / `openml/<alias>`. */
export async function loadSuite(spec: string, options: LoadSuiteOptions = {}): Promise<Suite> {
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  let suite: Suite;
  if (/^[0-9]+$/.test(spec) || spec.startsWith('openml/')) {
    suite = await loadOpenmlSuite(spec.replace(/^openml\//, ''), cacheDir, options.offline ?? false);
  } else {
    const builtin = builtinSuitePath(spec);
    const path = isFile(spec) ? resolve(spec) : isFile(builtin) ? builtin : undefined;
    if (path === undefined) {
      throw new ConfigError(`unknown suite '${spec}': not a built-in suite (smoke, shared-18), a suite file or an OpenML suite id`);
    }
    suite = await loadSuiteFile(path, cacheDir);
  }
  return options.datasets === undefined ? suite : { ...suite, tasks: selectTasks(suite, options.datasets) };
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function selectTasks(suite: Suite, names: readonly string[]): SuiteTask[] {
  const unknown = names.filter((n) => !suite.tasks.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new ConfigError(`suite '${suite.name}' has no dataset ${unknown.join(', ')}; it has ${suite.tasks.map((t) => t.name).join(', ')}`);
  }
  return suite.tasks.filter((t) => names.includes(t.name));
}

async function loadOpenmlSuite(idOrAlias: string, cacheDir: string, offline: boolean): Promise<Suite> {
  const client = new OpenmlClient({ cacheDir, offline });
  const study = await client.getStudy(idOrAlias);
  if (study.taskIds.length === 0) throw new ConfigError(`OpenML suite ${idOrAlias} lists no tasks`);
  const tasks: SuiteTask[] = [];
  for (const taskId of study.taskIds) {
    const task = await client.getTask(taskId);
    const description = await client.getDatasetDescription(task.datasetId);
    tasks.push({
      id: typeof taskId === 'number' ? `openml.org/t/${taskId}` : taskId,
      name: description.name,
      taskId,
      load: () => loadOpenmlTask(taskId, { client }),
    });
  }
  return { name: study.alias ?? `openml-${study.id}`, source: `openml:${study.id}`, tasks, defaults: {}, cacheDir, splits: 'OpenML task splits' };
}

/** Parse and check a suite file's JSON. */
export function parseSuiteFile(text: string, file: string): SuiteFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const fail = (why: string): never => {
    throw new ConfigError(`${file}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null) return fail('a suite file is a JSON object');
  const suite = doc as Partial<SuiteFile>;
  if (typeof suite.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(suite.name)) {
    fail("'name' must be a name of letters, digits, '.', '_' and '-'");
  }
  if (!Array.isArray(suite.datasets) || suite.datasets.length === 0) fail("'datasets' must be a non-empty list");
  const seen = new Set<string>();
  suite.datasets!.forEach((d: Partial<SuiteDatasetSpec>, i) => {
    for (const key of ['name', 'path', 'target', 'task'] as const) {
      if (typeof d[key] !== 'string' || d[key] === '') fail(`dataset ${i} needs a string '${key}'`);
    }
    if (!['binary', 'multiclass', 'regression'].includes(d.task!)) fail(`dataset ${d.name}: task must be binary, multiclass or regression`);
    if (seen.has(d.name!)) fail(`dataset name '${d.name}' appears twice`);
    seen.add(d.name!);
  });
  const splits = suite.splits ?? {};
  for (const key of ['folds', 'repeats', 'seed'] as const) {
    const v = splits[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= (key === 'seed' ? 0 : key === 'folds' ? 2 : 1))) {
      fail(`splits.${key} must be an integer (folds >= 2, repeats >= 1, seed >= 0)`);
    }
  }
  return suite as SuiteFile;
}

async function loadSuiteFile(path: string, cacheRoot: string): Promise<Suite> {
  const file = parseSuiteFile(readFileSync(path, 'utf8'), path);
  const folds = file.splits?.folds ?? 10;
  const repeats = file.splits?.repeats ?? 1;
  const seed = file.splits?.seed ?? 0;
  const baseDir = dirname(path);
  const entries: LocalDatasetEntry[] = file.datasets.map((d) => ({
    name: d.name,
    file: resolve(baseDir, d.path),
    target: d.target,
    task: d.task,
    openml_did: d.openml_did ?? null,
  }));
  for (const e of entries) {
    if (!existsSync(e.file)) throw new ConfigError(`${path}: data file of '${e.name}' not found: ${e.file}`);
  }
  // One cache directory per suite and split settings: changing the seed or the folds never reuses old splits.
  const fingerprint = JSON.stringify({ entries: entries.map((e) => [e.name, e.target, e.task, e.openml_did]), folds, repeats, seed });
  const key = createHash('sha256').update(fingerprint).digest('hex').slice(0, 10);
  const cacheDir = join(cacheRoot, 'local-suites', `${file.name}-${key}`);
  const marker = join(cacheDir, 'suite-settings.json');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== fingerprint) {
    await fillCacheFromLocal({ cacheDir, sourceDir: baseDir, entries, folds, repeats, seed, suite: file.name });
    writeFileSync(marker, fingerprint);
  }
  const tasks: SuiteTask[] = file.datasets.map((d) => {
    const taskId = `local-${d.name.replace(/[^A-Za-z0-9._-]+/g, '-')}` as const;
    return { id: taskId, name: d.name, taskId, load: () => loadOpenmlTask(taskId, { cacheDir, offline: true }) };
  });
  const splits = `${repeats > 1 ? `${repeats} x ` : ''}${folds}-fold cv, seed ${seed}`;
  return { name: file.name, source: path, tasks, defaults: file.defaults ?? {}, cacheDir, splits };
}
