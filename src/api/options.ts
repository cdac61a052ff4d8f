import { isMetricName } from '../metrics/index.js';
import { DEPLOY_FORMS } from '../export/deploy.js';
import { ConfigError } from '../util/errors.js';
import type { DeployForm } from '../export/deploy.js';
import type { AutoEnsembleOptions, EnsembleMethod, ReEnsembleOptions, SearchMethod } from './types.js';

export const SEARCH_METHODS: readonly SearchMethod[] = ['random', 'bo', 'divbo'];
export const ENSEMBLE_METHODS: readonly EnsembleMethod[] = ['ges', 'qo-es', 'qdo-es', 'stacking', 'single-best', 'top-k', 'deuq'];

/** Defaults, chosen from the measurements in docs/search.md and docs/ensembles.md. */
export const DEFAULTS = {
  timeBudget: 60,
  search: 'bo' as SearchMethod,
  searchSpace: 'default',
  ensemble: 'ges' as EnsembleMethod,
  folds: 5,
  seed: 0,
  store: './auto-ensemble.db',
  /** Chosen by measurement (docs/bundle-format.md, "Deployment forms"). */
  deploy: 'small' as DeployForm,
} as const;

/** From this many training rows, members are cross-validated on LARGE_DATA_FOLDS folds by default. */
export const LARGE_DATA_ROWS = 10_000;
export const LARGE_DATA_FOLDS = 3;

/**
 * Default cross-validation folds per member: 5, and 3 on large data, where each fold then trains on plenty of rows
 * and a trial costs 40% less (measured in docs/search.md: the ensembles' test scores did not suffer).
 */
export function defaultFolds(rows: number): number {
  return rows >= LARGE_DATA_ROWS ? LARGE_DATA_FOLDS : DEFAULTS.folds;
}

const KNOWN_OPTIONS = new Set<string>([
  'target', 'task', 'metric', 'timeBudget', 'maxTrials', 'search', 'searchSpace', 'ensemble', 'ensembleOptions', 'folds',
  'seed', 'concurrency', 'backend', 'store', 'test', 'refit', 'deploy', 'deployTolerance', 'perTrialTimeLimit', 'pruning', 'resume', 'force', 'executor', 'onProgress', 'signal',
]);

export interface ResolvedOptions extends Omit<AutoEnsembleOptions, 'search' | 'searchSpace' | 'ensemble' | 'seed' | 'store'> {
  readonly search: SearchMethod;
  readonly searchSpace: string | object;
  readonly ensemble: EnsembleMethod;
  readonly seed: number;
  readonly store: string;
}

/**
 * Validate user options (each error names the option and the accepted values) and fill defaults.
 * With neither `timeBudget` nor `maxTrials`, the default time budget applies; with only `maxTrials`, there is no
 * time limit (a reproducible run).
 */
export function resolveOptions(options: AutoEnsembleOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ConfigError(`unknown option '${key}' (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const o = options;
  oneOf('task', o.task, ['binary', 'multiclass', 'regression']);
  if (o.metric !== undefined && !isMetricName(o.metric)) throw new ConfigError(`unknown metric '${String(o.metric)}'`);
  oneOf('search', o.search, SEARCH_METHODS);
  oneOf('ensemble', o.ensemble, ENSEMBLE_METHODS);
  checkDeploy(o);
  positiveNumber('timeBudget', o.timeBudget);
  positiveNumber('perTrialTimeLimit', o.perTrialTimeLimit);
  positiveInteger('maxTrials', o.maxTrials);
  positiveInteger('concurrency', o.concurrency);
  if (o.folds !== undefined && !(Number.isInteger(o.folds) && o.folds >= 2)) throw new ConfigError(`folds must be an integer >= 2, got ${o.folds}`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0)) throw new ConfigError(`seed must be a non-negative integer, got ${o.seed}`);
  if (o.resume !== undefined && !(Number.isInteger(o.resume) && o.resume > 0)) throw new ConfigError(`resume must be a run id, got ${o.resume}`);
  if (o.store !== undefined && (typeof o.store !== 'string' || o.store === '')) throw new ConfigError('store must be a database file path');
  if (o.target !== undefined && typeof o.target !== 'string') throw new ConfigError('target must be a column name');
  if (o.executor !== undefined && !(o.executor === 'local' || (typeof o.executor === 'string' && /^rediss?:\/\//.test(o.executor)))) {
    throw new ConfigError(`executor must be 'local' or a Redis URL (redis://host:port), got '${String(o.executor)}'`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ConfigError('onProgress must be a function');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ConfigError('signal must be an AbortSignal');
  if (o.pruning !== undefined && typeof o.pruning !== 'boolean') throw new ConfigError('pruning must be true or false');
  if (o.force !== undefined && typeof o.force !== 'boolean') throw new ConfigError('force must be true or false');
  if (o.force === true && o.resume === undefined) throw new ConfigError('force applies to resume: give the run id in options.resume');
  // A resume without a time budget goes on with what is left of the run's own budget.
  const timeBudget = o.timeBudget ?? (o.maxTrials === undefined && o.resume === undefined ? DEFAULTS.timeBudget : undefined);
  return {
    ...o,
    ...(timeBudget === undefined ? {} : { timeBudget }),
    search: o.search ?? DEFAULTS.search,
    searchSpace: o.searchSpace ?? DEFAULTS.searchSpace,
    ensemble: o.ensemble ?? DEFAULTS.ensemble,
    seed: o.seed ?? DEFAULTS.seed,
    store: o.store ?? DEFAULTS.store,
  };
}

/** `deploy` is a form name, `deployTolerance` a non-negative number, and `refit` does not contradict `deploy`. */
function checkDeploy(o: { deploy?: unknown; deployTolerance?: unknown; refit?: unknown }): void {
  oneOf('deploy', o.deploy, DEPLOY_FORMS);
  if (o.deployTolerance !== undefined && !(typeof o.deployTolerance === 'number' && o.deployTolerance >= 0 && Number.isFinite(o.deployTolerance))) {
    throw new ConfigError(`deployTolerance must be a non-negative number (relative loss increase), got ${String(o.deployTolerance)}`);
  }
  if (o.refit === true && o.deploy === 'exact') throw new ConfigError("refit: true contradicts deploy: 'exact' (fold models): give one of them");
}

export function validateReEnsembleOptions(options: ReEnsembleOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options must be an object with at least { ensemble }');
  if (options.ensemble === undefined) throw new ConfigError(`reEnsemble needs options.ensemble (one of ${ENSEMBLE_METHODS.join(', ')})`);
  oneOf('ensemble', options.ensemble, ENSEMBLE_METHODS);
  checkDeploy(options);
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0)) throw new ConfigError(`seed must be a non-negative integer, got ${options.seed}`);
  positiveNumber('timeBudget', options.timeBudget);
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got '${String(value)}'`);
  }
}

function positiveNumber(name: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new ConfigError(`${name} must be a positive number of seconds, got ${String(value)}`);
  }
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
}
