import { outputWidth, targetLabels, type Dataset, type FeatureTable } from '../data/dataset.js';
import { rareClassWarnings } from '../data/class-sizes.js';
import { featureSchemaOf } from '../data/feature-schema.js';
import { saveBundle } from '../export/bundle.js';
import type { DeployForm } from '../export/deploy.js';
import { assembleEnsemble, MAX_CANDIDATES, selectEnsemble, type DeployRequest } from '../finish/finish.js';
import { defaultMetric, getMetric } from '../metrics/index.js';
import type { Metric } from '../metrics/types.js';
import { getFamily } from '../models/registry.js';
import { createProposer } from '../search/index.js';
import type { CostPrior } from '../search/cost.js';
import { SqliteStore } from '../store/index.js';
import { countTrialsByStatus, type EnsembleRecord, type RunContext, type Store, type TrialRecord } from '../store/types.js';
import { remainingBudget, resumeRun, splitBudget, startRun } from '../training/index.js';
import type { RunSummary } from '../training/types.js';
import type { ExecutorFactory } from '../training/executor.js';
import { ConfigError } from '../util/errors.js';
import { toDataset, toFeatureTable } from './dataset-input.js';
import { DEFAULTS, defaultFolds, resolveOptions, validateReEnsembleOptions, type ResolvedOptions } from './options.js';
import type {
  AutoEnsembleOptions,
  AutoEnsembleResult,
  DatasetInput,
  EnsembleMemberSummary,
  LeaderboardEntry,
  ReEnsembleOptions,
} from './types.js';

/**
 * Search, train and ensemble on `dataset` within the options' budget; every trial, prediction and ensemble is
 * stored in SQLite (`options.store`), so the run can be inspected, resumed and re-ensembled later.
 * The time budget is wall time for the whole call: what is left after loading the data is split once (by
 * src/training/budget.ts) into training and a reserve for the finish phase sized for the ensemble method.
 */
export async function autoEnsemble(dataset: DatasetInput, options: AutoEnsembleOptions = {}): Promise<AutoEnsembleResult> {
  const started = Date.now();
  const opts = resolveOptions(options);
  const data = toDataset(dataset, { ...(opts.target ? { target: opts.target } : {}), ...(opts.task ? { task: opts.task } : {}) });
  const metric = getMetric(opts.metric ?? defaultMetric(data.task).name, data.task);
  const schema = featureSchemaOf(data);
  const test = opts.test === undefined ? undefined : toFeatureTable(opts.test, schema);
  const store = new SqliteStore(opts.store);
  try {
    const resumed = opts.resume === undefined ? undefined : store.getRun(opts.resume);
    if (opts.resume !== undefined && resumed === undefined) throw new ConfigError(`no run ${opts.resume} in ${opts.store}`);
    const folds = resumed === undefined ? opts.folds ?? defaultFolds(data.nRows) : (resumed.options as { folds: number }).folds;
    const costPrior = familyCostPrior(data, folds);
    const proposer = createProposer(opts.search, opts.searchSpace, {
      seed: opts.seed,
      labels: targetLabels(data),
      metric,
      nOutputs: outputWidth(data),
      costPrior,
    });
    const context = runContextOf(data);
    const deploy = deployRequest({ ...opts, dataset: data }, DEFAULTS.deploy);
    const distributed = await distributedSetup(opts);
    for (const message of rareClassWarnings(data, folds)) opts.onProgress?.({ type: 'warning', message });
    // What is left of the caller's budget now; a resume without one goes on with what is left of the run's.
    const budget = opts.timeBudget ?? (resumed === undefined ? undefined : remainingBudget(resumed));
    const secondsLeft = budget === undefined ? undefined : budget - (Date.now() - started) / 1000;
    if (secondsLeft !== undefined && !(secondsLeft > 0)) throw new ConfigError(`the time budget (${budget} s) was used up loading the data`);
    const split = secondsLeft === undefined ? undefined : splitBudget(secondsLeft, {
      method: opts.ensemble,
      refit: deploy.form !== 'exact',
      rows: data.nRows,
      outputs: outputWidth(data),
      candidates: MAX_CANDIDATES,
      metric: metric.name,
    });
    const common = {
      proposer,
      ...(distributed === undefined ? {} : { executor: distributed.executor }),
      ...(test === undefined ? {} : { test }),
      ...(split === undefined ? {} : { timeBudget: secondsLeft!, reserveSeconds: split.reserveSeconds }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    };
    const summary =
      opts.resume !== undefined
        ? await resumeRun(store, opts.resume, data, { ...common, ...(opts.force === undefined ? {} : { force: opts.force }) })
        : await startRun(data, {
            ...common,
            store,
            folds,
            seed: opts.seed,
            metric: metric.name,
            ...(opts.maxTrials === undefined ? {} : { maxTrials: opts.maxTrials }),
            ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
            // Remote workers choose their own lanes: the coordinator's GPUs are not theirs.
            ...(distributed === undefined ? {} : { gpuThreads: 0, ...(distributed.concurrency === undefined ? {} : { concurrency: distributed.concurrency }) }),
            ...(opts.backend === undefined ? {} : { backend: opts.backend }),
            ...(opts.perTrialTimeLimit === undefined ? {} : { perTrialTimeLimit: opts.perTrialTimeLimit }),
            ...(opts.pruning === undefined ? {} : { pruning: opts.pruning }),
            // Boosted trees are the workhorse: their default trial's estimate sizes the per-trial limit on large data.
            ...(costPrior('gbdt') === undefined ? {} : { typicalTrialSeconds: costPrior('gbdt')! }),
            onProgress: (event) => {
              if (event.type === 'run-started') store.saveRunContext(event.runId, context);
              opts.onProgress?.(event);
            },
          });
    if (opts.resume !== undefined && store.getRunContext(summary.runId) === undefined) store.saveRunContext(summary.runId, context);
    return await finishRun(store, summary.runId, summary, metric, {
      method: opts.ensemble,
      selectorOptions: { seed: opts.seed, ...opts.ensembleOptions },
      deploy,
      started,
      deadline: summary.ensembleDeadline,
    });
  } finally {
    store.close();
  }
}

/** The executor of a run on a Redis queue (undefined: local threads); loads the distributed code only then. */
async function distributedSetup(opts: ResolvedOptions): Promise<{ executor: ExecutorFactory; concurrency?: number } | undefined> {
  if (opts.executor === undefined || opts.executor === 'local') return undefined;
  const { distributedRunSetup } = await import('../distributed/coordinator.js');
  return distributedRunSetup(opts.executor, {
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    resuming: opts.resume !== undefined,
    log: (message) => opts.onProgress?.({ type: 'notice', message }),
  });
}

/**
 * The search's cost prior: each family's own estimate of a default fit on one fold's training rows, times the
 * folds (undefined for families that give none, e.g. plug-ins).
 */
function familyCostPrior(data: Dataset, folds: number): CostPrior {
  const shape = { rows: Math.ceil((data.nRows * (folds - 1)) / folds), features: data.features.length, outputs: outputWidth(data), task: data.task };
  return (name) => {
    let estimate: ((s: typeof shape) => number) | undefined;
    try {
      estimate = getFamily(name).estimateFitSeconds;
    } catch {
      return undefined;
    }
    return estimate === undefined ? undefined : folds * estimate(shape);
  };
}

/** Build another ensemble from a stored run's trials (no retraining, unless `refit`). */
export async function reEnsemble(runId: number, options: ReEnsembleOptions): Promise<AutoEnsembleResult> {
  const started = Date.now();
  validateReEnsembleOptions(options);
  const store = new SqliteStore(options.store ?? './auto-ensemble.db');
  try {
    const run = store.getRun(runId);
    if (run === undefined) throw new ConfigError(`no run ${runId} in ${options.store ?? './auto-ensemble.db'}`);
    const metric = getMetric(run.metric as Metric['name'], run.task);
    const stored = run.options as { seed: number };
    const deploy = deployRequest(options, 'exact');
    const deadline = options.timeBudget === undefined ? Infinity : started + options.timeBudget * 1000;
    return await finishRun(store, runId, storedSummary(store, runId), metric, {
      method: options.ensemble,
      selectorOptions: { seed: options.seed ?? stored.seed, ...options.ensembleOptions },
      deploy,
      started,
      deadline,
    });
  } finally {
    store.close();
  }
}

/**
 * The deployment form asked for (`fallback` when neither `deploy` nor `refit` is given). `refit: true` alone is the
 * `fast` form with tolerance 0: every member refit, only members that do not help dropped.
 */
function deployRequest(
  options: { deploy?: DeployForm; refit?: boolean; deployTolerance?: number; dataset?: DatasetInput },
  fallback: DeployForm,
): DeployRequest {
  const form = options.deploy ?? (options.refit === true ? 'fast' : fallback);
  if (form === 'exact') return { form };
  if (options.dataset === undefined) throw new ConfigError(`deploy '${form}' (refit) needs the run's training data: pass options.dataset`);
  const tolerance = options.deployTolerance ?? (options.deploy === undefined ? 0 : undefined);
  return { form, data: toDataset(options.dataset, {}), ...(tolerance === undefined ? {} : { tolerance }) };
}

interface FinishOptions {
  readonly method: string;
  readonly selectorOptions: Readonly<Record<string, unknown>>;
  readonly deploy: DeployRequest;
  readonly started: number;
  /** ms since epoch by which the finish phase must be done (Infinity: none). */
  readonly deadline: number;
}

/** The finish phase (src/finish/): select and store an ensemble, then assemble it into a result. */
async function finishRun(store: Store, runId: number, summary: RunSummary, metric: Metric, finish: FinishOptions): Promise<AutoEnsembleResult> {
  const context = requireContext(store, runId);
  const record = selectEnsemble(store, runId, context, metric, {
    method: finish.method,
    selectorOptions: finish.selectorOptions,
    deadline: finish.deadline,
    refit: finish.deploy.form !== 'exact',
    details: { deploy: finish.deploy.form },
  });
  return assemble(store, context, record, metric, summary, finish.deploy, finish.started, finish.deadline);
}

/**
 * The fitted ensemble of a stored run, as it was selected (the newest ensemble of the run unless `ensembleId`):
 * no reselection, no retraining unless `refit` (then `dataset` must be the run's training data).
 */
export async function loadRunEnsemble(
  runId: number,
  options: { store?: string; ensembleId?: number; refit?: boolean; deploy?: DeployForm; deployTolerance?: number; dataset?: DatasetInput } = {},
): Promise<AutoEnsembleResult> {
  const started = Date.now();
  const path = options.store ?? './auto-ensemble.db';
  const store = new SqliteStore(path);
  try {
    const run = store.getRun(runId);
    if (run === undefined) throw new ConfigError(`no run ${runId} in ${path}`);
    const ensembles = store.listEnsembles(runId);
    if (ensembles.length === 0) throw new ConfigError(`run ${runId} has no ensemble yet: build one with reensemble`);
    const record = options.ensembleId === undefined ? ensembles[ensembles.length - 1]! : ensembles.find((e) => e.id === options.ensembleId);
    if (record === undefined) throw new ConfigError(`run ${runId} has no ensemble ${options.ensembleId} (it has ${ensembles.map((e) => e.id).join(', ')})`);
    const metric = getMetric(run.metric as Metric['name'], run.task);
    return await assemble(store, requireContext(store, runId), record, metric, storedSummary(store, runId), deployRequest(options, 'exact'), started, Infinity);
  } finally {
    store.close();
  }
}

/** A run summary for a run that is not being trained now (re-ensembling, loading). */
function storedSummary(store: Store, runId: number): RunSummary {
  return {
    runId,
    stoppedBy: 'max-trials',
    secondsLeft: 0,
    trialLimitSeconds: Infinity,
    trials: countTrialsByStatus(store.listTrials(runId)),
    best: null,
    elapsedSeconds: 0,
    ensembleDeadline: Infinity,
  };
}

function requireContext(store: Store, runId: number): RunContext {
  const context = store.getRunContext(runId);
  if (context === undefined) throw new ConfigError(`run ${runId} has no stored training context (labels, schema): it was not made by autoEnsemble`);
  return context;
}

async function assemble(
  store: Store,
  context: RunContext,
  record: EnsembleRecord,
  metric: Metric,
  summary: RunSummary,
  deploy: DeployRequest,
  started: number,
  deadline: number,
): Promise<AutoEnsembleResult> {
  const { model, members } = await assembleEnsemble(store, context, record, metric, { deploy, deadline });
  return {
    runId: record.runId,
    ensemble: model,
    task: context.task,
    metric: metric.name,
    classes: context.classes,
    members: members.map((m): EnsembleMemberSummary => ({ trialId: m.id, family: m.family, config: m.config, weight: m.weight, validationScore: m.validationScore })),
    leaderboard: store.leaderboard(record.runId).map(toLeaderboardEntry),
    validationScore: record.validationScore,
    run: summary,
    seconds: (Date.now() - started) / 1000,
    save: (dir: string) => saveBundle(model, dir),
  };
}

function toLeaderboardEntry(t: TrialRecord): LeaderboardEntry {
  return { trialId: t.id, trial: t.number, family: t.family, config: t.config, validationScore: t.validationScore!, fitSeconds: t.fitSeconds ?? 0 };
}


/** What a stored run needs besides its trials to be re-ensembled and exported: labels and the data's schema. */
export function runContextOf(data: Dataset): RunContext {
  return {
    datasetName: data.name,
    task: data.task,
    targetName: data.target.name,
    classes: data.target.kind === 'classes' ? [...data.target.classes] : [],
    schema: featureSchemaOf(data),
    labels: targetLabels(data),
    nOutputs: outputWidth(data),
  };
}

export type { FeatureTable };
export type { ResolvedOptions };
