/**
 * The frameworks a benchmark compares, by the names written in the result file's `framework` column.
 *
 * - `constantpredictor`: class priors / mean of the training rows (AMLB's baseline; also the score of a failed run).
 * - `RandomForest`, `GradientBoosting`: our `random_forest` / `gbdt` family at its default configuration.
 * - `AE-<search>-<ensemble>`: one auto-ensemble search per task x fold x budget, then every ensemble method
 *   built from that same run's stored trials (re-ensembled, no retraining), so they compare identical members.
 *   `AE-<search>-single-best` is the single-best-member baseline.
 * - Peers (benchmarks/peers/amlb_peers.py): `sklearn-RF`, `sklearn-HGB`, `XGBoost`.
 */
import type { EnsembleMethod, SearchMethod } from '../api/types.js';
import { ConfigError } from '../util/errors.js';

export const SEARCH_METHODS: readonly SearchMethod[] = ['random', 'bo', 'divbo'];
export const ENSEMBLE_METHODS: readonly EnsembleMethod[] = ['ges', 'qo-es', 'qdo-es', 'stacking', 'single-best', 'top-k', 'deuq'];
export const BASELINES = ['constant', 'random-forest', 'gradient-boosting'] as const;
/** Ensembles built from each search when neither the command line nor the suite names them. */
export const DEFAULT_BENCH_ENSEMBLES: readonly EnsembleMethod[] = ['ges', 'qdo-es', 'stacking', 'single-best'];
export type Baseline = (typeof BASELINES)[number];

export const CONSTANT_FRAMEWORK = 'constantpredictor';
export const RANDOM_FOREST_FRAMEWORK = 'RandomForest';
export const GRADIENT_BOOSTING_FRAMEWORK = 'GradientBoosting';
export const PEER_FRAMEWORKS = ['sklearn-RF', 'sklearn-HGB', 'XGBoost'] as const;

/** The `constraint` of frameworks that have no time budget. */
export const NO_BUDGET = 'none';

export function baselineFramework(baseline: Baseline): string {
  if (baseline === 'constant') return CONSTANT_FRAMEWORK;
  return baseline === 'random-forest' ? RANDOM_FOREST_FRAMEWORK : GRADIENT_BOOSTING_FRAMEWORK;
}

/** The member family a default-configuration baseline fits (none for the constant predictor). */
export function baselineFamily(baseline: Baseline): string | undefined {
  if (baseline === 'constant') return undefined;
  return baseline === 'random-forest' ? 'random_forest' : 'gbdt';
}

export function autoEnsembleFramework(search: SearchMethod, ensemble: EnsembleMethod): string {
  return `AE-${search}-${ensemble}`;
}

/** The `constraint` of a search with `budget` seconds (e.g. `60s`). */
export function budgetConstraint(budget: number): string {
  return `${budget}s`;
}

/** Seconds of a constraint like `60s`, or undefined for `none` and other forms. */
export function constraintSeconds(constraint: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)s$/.exec(constraint);
  return m === null ? undefined : Number(m[1]);
}

function checkNames<T extends string>(kind: string, names: readonly string[], valid: readonly T[]): T[] {
  const bad = names.filter((n) => !valid.includes(n as T));
  if (bad.length > 0) throw new ConfigError(`unknown ${kind} ${bad.join(', ')}; valid: ${valid.join(', ')}`);
  if (new Set(names).size !== names.length) throw new ConfigError(`${kind} listed twice in ${names.join(', ')}`);
  return names as T[];
}

export function parseSearchMethods(names: readonly string[]): SearchMethod[] {
  return checkNames('search method', names, SEARCH_METHODS);
}

export function parseEnsembleMethods(names: readonly string[]): EnsembleMethod[] {
  return checkNames('ensemble method', names, ENSEMBLE_METHODS);
}

export function parseBaselines(names: readonly string[]): Baseline[] {
  return checkNames('baseline', names, BASELINES);
}
