import { isMetricName } from '../metrics/index.js';
import { DEPLOY_FORMS } from '../export/deploy.js';
import { ConfigError } from '../util/errors.js';
import type { DeployForm } from '../export/deploy.js';
import type { AutoEnsembleOptions, EnsembleMethod, ReEnsembleOptions, SearchMethod } from './types.js';

export const SEARCH_METHODS: readonly SearchMethod[] = ['random', 'bo', 'divbo'];
export const ENSEMBLE_METHODS: readonly EnsembleMethod[] = ['ges', 'qo-es', 'qdo-es', 'stacking', 'single-best', 'top-k'];

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

const KNOWN_OPTIONS = new Set<string>([
  'target', 'task', 'metric', 'timeBudget', 'maxTrials', 'search', 'searchSpace', 'ensemble', 'ensembleOptions', 'folds',
  'seed', 'concurrency', 'backend', 'store', 'test', 'refit', 'deploy', 'deployTolerance', 'perTrialTimeLimit', 'resume', 'onProgress', 'signal',
]);

export interface ResolvedOptions extends Omit<AutoEnsembleOptions, 'search' | 'searchSpace' | 'ensemble' | 'folds' | 'seed' | 'store'> {
  readonly search: SearchMethod;
  readonly searchSpace: string | object;
  readonly ensemble: EnsembleMethod;
  readonly folds: number;
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
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ConfigError('onProgress must be a function');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ConfigError('signal must be an AbortSignal');
  const timeBudget = o.timeBudget ?? (o.maxTrials === undefined ? DEFAULTS.timeBudget : undefined);
  return {
    ...o,
    ...(timeBudget === undefined ? {} : { timeBudget }),
    search: o.search ?? DEFAULTS.search,
    searchSpace: o.searchSpace ?? DEFAULTS.searchSpace,
    ensemble: o.ensemble ?? DEFAULTS.ensemble,
    folds: o.folds ?? DEFAULTS.folds,
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
