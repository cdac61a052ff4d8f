import type { Dataset, Task } from '../data/dataset.js';
import type { MetricName } from '../metrics/types.js';
import type { Config } from '../models/types.js';
import type { ProgressEvent, RunSummary } from '../training/types.js';
import type { EnsembleModel } from '../serving/ensemble-model.js';
import type { DeployForm } from '../export/deploy.js';

/**
 * What `autoEnsemble` accepts as data: a CSV / ARFF file path, rows in memory, column arrays, or a Dataset.
 * For rows and columns, `target` names the target column (it may also come from options.target).
 */
export type DatasetInput =
  | string
  | Dataset
  | { readonly rows: readonly Record<string, unknown>[]; readonly target?: string; readonly name?: string }
  | { readonly columns: Readonly<Record<string, ArrayLike<unknown>>>; readonly target?: string; readonly name?: string };

export type SearchMethod = 'random' | 'bo' | 'divbo';
export type EnsembleMethod = 'ges' | 'qo-es' | 'qdo-es' | 'stacking' | 'single-best' | 'top-k' | 'deuq';

export interface AutoEnsembleOptions {
  /** Target column (default: the ARFF's last attribute, or the `target` of in-memory data). */
  readonly target?: string;
  /** Task (default: inferred from the target). */
  readonly task?: Task;
  /** Default: roc_auc for binary, log_loss for multiclass, rmse for regression (as the AutoML Benchmark). */
  readonly metric?: MetricName;
  /** Wall-clock budget in seconds for the whole call, ensemble building included (default 60). */
  readonly timeBudget?: number;
  /** Stop after this many trials: with a seed, the run is reproducible to the bit (a time budget is not). */
  readonly maxTrials?: number;
  readonly search?: SearchMethod;
  /** Search-space file path, bundled name ('default', 'small') or object (default 'default'). */
  readonly searchSpace?: string | object;
  readonly ensemble?: EnsembleMethod;
  /** Options passed to the selector (e.g. { rounds: 50 } for GES). */
  readonly ensembleOptions?: Readonly<Record<string, unknown>>;
  /** Cross-validation folds per member (default 5; 3 from 10,000 training rows). */
  readonly folds?: number;
  readonly seed?: number;
  /** Worker threads (default: the machine's cores). */
  readonly concurrency?: number;
  /** Neural backend: 'auto' (default), 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'. */
  readonly backend?: string;
  /** SQLite database path (default ./auto-ensemble.db). */
  readonly store?: string;
  /** Test data (same input forms) whose predictions are stored for every member. */
  readonly test?: DatasetInput;
  /** Retrain each selected member once on all training rows instead of keeping its k fold models (= deploy 'fast', tolerance 0). */
  readonly refit?: boolean;
  /**
   * What the returned ensemble (and its bundle) holds (default 'small'; docs/bundle-format.md, "Deployment forms"):
   * 'exact' the k fold models per member, as selected; 'fast' members refit on all rows, members that barely help
   * dropped; 'small' also trims trees while the out-of-fold score holds.
   */
  readonly deploy?: DeployForm;
  /** Relative out-of-fold loss increase 'fast' and 'small' may spend (default 0.002). */
  readonly deployTolerance?: number;
  /**
   * Seconds one trial may take, all its folds. Default: a fifth of the training time (each worker thread gets
   * through at least five trials), up to a third on large data. Families that can stop early (boosting rounds, forest trees, epochs) end each
   * fold at its share of the limit and still make a member; others are stopped and recorded as timed out.
   */
  readonly perTrialTimeLimit?: number;
  /**
   * Fold-level racing (default true): a trial clearly worse than the best so far after its first folds is stopped
   * and stored as pruned (docs/search.md); it never enters an ensemble.
   */
  readonly pruning?: boolean;
  /**
   * Continue this run id (same data) instead of starting a new one. Without `timeBudget` it goes on with what is
   * left of the run's own budget.
   */
  readonly resume?: number;
  /** Resume even when the run's recorded owner process still looks alive (you know it is gone). */
  readonly force?: boolean;
  /**
   * Where trials run: 'local' (default: worker threads in this process) or a Redis URL,
   * `redis://host:port[/db][?queue=NAME]`, whose queue `auto-ensemble worker` processes take trials from (see
   * docs/distributed.md). This process still proposes trials and is the only writer of the store; with
   * `maxTrials` and the same `concurrency` the run gives the same trials and leaderboard as a local one.
   * `concurrency` is then the number of trials in flight (default: the slots of the workers live at the start).
   */
  readonly executor?: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Stop early: the run ends and the best ensemble so far is returned. */
  readonly signal?: AbortSignal;
}

export interface LeaderboardEntry {
  readonly trialId: number;
  readonly trial: number;
  readonly family: string;
  readonly config: Config;
  readonly validationScore: number;
  readonly fitSeconds: number;
}

export interface EnsembleMemberSummary {
  readonly trialId: number;
  readonly family: string;
  readonly config: Config;
  readonly weight: number;
  readonly validationScore: number;
}

export interface AutoEnsembleResult {
  readonly runId: number;
  readonly ensemble: EnsembleModel;
  readonly task: Task;
  readonly metric: MetricName;
  /** Class names in probability-column order (empty for regression). */
  readonly classes: readonly string[];
  readonly members: readonly EnsembleMemberSummary[];
  readonly leaderboard: readonly LeaderboardEntry[];
  /** Validation score of the ensemble on the out-of-fold rows. */
  readonly validationScore: number;
  readonly run: RunSummary;
  readonly seconds: number;
  /** Write the fitted ensemble as a bundle (see docs/bundle-format.md); returns its size in bytes. */
  save(dir: string): number;
}

export interface ReEnsembleOptions {
  readonly ensemble: EnsembleMethod;
  readonly ensembleOptions?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  /** SQLite database path (default ./auto-ensemble.db). */
  readonly store?: string;
  /** Retrain selected members on all training rows (needs `dataset`, the run's training data). */
  readonly refit?: boolean;
  /** Deployment form (default 'exact' here; 'fast' and 'small' need `dataset`). */
  readonly deploy?: DeployForm;
  readonly deployTolerance?: number;
  readonly dataset?: DatasetInput;
  /** Seconds the selection (and refit) may take; the selector returns its best ensemble so far then (default: none). */
  readonly timeBudget?: number;
}
