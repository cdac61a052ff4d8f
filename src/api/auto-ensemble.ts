import { outputWidth, targetLabels, type Dataset, type FeatureTable } from '../data/dataset.js';
import { combinerMemberWeights, getSelector } from '../ensemble/index.js';
import type { Candidate } from '../ensemble/types.js';
import { featureSchemaOf } from '../data/feature-schema.js';
import { saveBundle } from '../export/bundle.js';
import { deployEnsemble, type DeployForm } from '../export/deploy.js';
import { datasetFolds } from '../data/split.js';
import { defaultMetric, getMetric } from '../metrics/index.js';
import type { Metric } from '../metrics/types.js';
import { getFamily } from '../models/registry.js';
import type { FittedMember } from '../models/types.js';
import { createProposer } from '../search/index.js';
import { SqliteStore } from '../store/index.js';
import type { EnsembleRecord, RunContext, Store, TrialRecord } from '../store/types.js';
import { datasetFingerprint } from '../store/fingerprint.js';
import { resumeRun, startRun } from '../training/index.js';
import type { RunSummary, StoredRunOptions } from '../training/types.js';
import { EnsembleModel, type EnsembleMember } from '../serving/ensemble-model.js';
import { deriveSeed } from '../util/random.js';
import { ConfigError } from '../util/errors.js';
import { toDataset, toFeatureTable } from './dataset-input.js';
import { DEFAULTS, resolveOptions, validateReEnsembleOptions, type ResolvedOptions } from './options.js';
import type {
  AutoEnsembleOptions,
  AutoEnsembleResult,
  DatasetInput,
  EnsembleMemberSummary,
  LeaderboardEntry,
  ReEnsembleOptions,
} from './types.js';

/** Candidates handed to a selector: the best trials by validation loss (GES prunes to its own pool size too). */
const MAX_CANDIDATES = 50;

/**
 * Search, train and ensemble on `dataset` within the options' budget; every trial, prediction and ensemble is
 * stored in SQLite (`options.store`), so the run can be inspected, resumed and re-ensembled later.
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
    const proposer = createProposer(opts.search, opts.searchSpace, {
      seed: opts.seed,
      labels: targetLabels(data),
      metric,
      nOutputs: outputWidth(data),
    });
    const context = runContextOf(data);
    const common = {
      proposer,
      ...(test === undefined ? {} : { test }),
      ...(opts.timeBudget === undefined ? {} : ensembleBudget(opts.timeBudget - (Date.now() - started) / 1000, opts.ensemble)),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    };
    const summary =
      opts.resume !== undefined
        ? await resumeRun(store, opts.resume, data, common)
        : await startRun(data, {
            ...common,
            store,
            folds: opts.folds,
            seed: opts.seed,
            metric: metric.name,
            ...(opts.maxTrials === undefined ? {} : { maxTrials: opts.maxTrials }),
            ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
            ...(opts.backend === undefined ? {} : { backend: opts.backend }),
            ...(opts.perTrialTimeLimit === undefined ? {} : { perTrialTimeLimit: opts.perTrialTimeLimit }),
            onProgress: (event) => {
              if (event.type === 'run-started') store.saveRunContext(event.runId, context);
              opts.onProgress?.(event);
            },
          });
    if (opts.resume !== undefined && store.getRunContext(summary.runId) === undefined) store.saveRunContext(summary.runId, context);
    return await buildResult(store, summary.runId, summary, metric, {
      method: opts.ensemble,
      selectorOptions: { seed: opts.seed, ...opts.ensembleOptions },
      deploy: deployRequest({ ...opts, dataset: data }, DEFAULTS.deploy),
      started,
    });
  } finally {
    store.close();
  }
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
    const stored = run.options as StoredRunOptions;
    const deploy = deployRequest(options, 'exact');
    const summary: RunSummary = {
      runId,
      stoppedBy: 'max-trials',
      trials: countByStatus(store.listTrials(runId)),
      best: null,
      elapsedSeconds: 0,
      ensembleDeadline: Infinity,
    };
    return await buildResult(store, runId, summary, metric, {
      method: options.ensemble,
      selectorOptions: { seed: options.seed ?? stored.seed, ...options.ensembleOptions },
      deploy,
      started,
    });
  } finally {
    store.close();
  }
}

/**
 * The training budget and the share kept for building the ensemble (and loading its members): stacking fits
 * many meta-models in its inner cross-validation, so it keeps a larger share than the weighted selectors.
 */
function ensembleBudget(secondsLeft: number, method: string): { timeBudget: number; reserveSeconds: number } {
  const timeBudget = Math.max(1, secondsLeft);
  const share = method === 'stacking' ? 0.25 : method === 'qdo-es' || method === 'qo-es' ? 0.15 : 0.1;
  return { timeBudget, reserveSeconds: Math.min(120, 0.5 * timeBudget, Math.max(1, share * timeBudget)) };
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

/** The deployment form to build and, for refit forms, the run's training data. */
interface DeployRequest {
  readonly form: DeployForm;
  readonly data?: Dataset;
  readonly tolerance?: number;
}

interface BuildOptions {
  readonly method: string;
  readonly selectorOptions: Readonly<Record<string, unknown>>;
  readonly deploy: DeployRequest;
  readonly started: number;
}

async function buildResult(store: Store, runId: number, summary: RunSummary, metric: Metric, build: BuildOptions): Promise<AutoEnsembleResult> {
  const context = requireContext(store, runId);
  const board = store.leaderboard(runId);
  if (board.length === 0) {
    const failed = store.listTrials(runId, ['failed', 'timeout']);
    const why = failed.length > 0 ? ` (first error: ${failed[0]!.error})` : '';
    throw new ConfigError(`run ${runId} has no finished member to ensemble: ${failed.length} trial(s) failed${why}; raise the time budget`);
  }
  const top = board.slice(0, MAX_CANDIDATES);
  const matrix = store.readPredictions(top.map((t) => t.id), 'oof', 'float64');
  const candidates: Candidate[] = top.map((t, i) => ({ id: t.id, family: t.family, config: t.config, predictions: matrix.member(i) }));
  const selection = getSelector(build.method).select(candidates, context.labels, metric, build.selectorOptions);
  const record = store.saveEnsemble(runId, {
    method: build.method,
    combiner: selection.combiner,
    validationScore: selection.validationScore,
    trajectory: selection.trajectory,
    details: { selectorOptions: build.selectorOptions, deploy: build.deploy.form },
  });
  return assemble(store, context, record, metric, summary, board, build.deploy, build.started);
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
    const deploy = deployRequest(options, 'exact');
    const trials = store.listTrials(runId);
    const summary: RunSummary = { runId, stoppedBy: 'max-trials', trials: countByStatus(trials), best: null, elapsedSeconds: 0, ensembleDeadline: Infinity };
    return await assemble(store, requireContext(store, runId), record, metric, summary, store.leaderboard(runId), deploy, started);
  } finally {
    store.close();
  }
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
  board: readonly TrialRecord[],
  deploy: DeployRequest,
  started: number,
): Promise<AutoEnsembleResult> {
  const run = store.getRun(record.runId)!;
  if (deploy.data !== undefined && datasetFingerprint(deploy.data) !== run.datasetFingerprint) {
    throw new ConfigError(`refit needs run ${record.runId}'s own training data; the dataset given differs`);
  }
  const byId = new Map(board.map((t) => [t.id, t]));
  const weights = combinerMemberWeights(record.combiner);
  const members: EnsembleMember[] = [];
  for (const id of record.combiner.memberIds) {
    const trial = byId.get(id) ?? store.getTrial(id)!;
    members.push({ id, family: trial.family, config: trial.config, weight: weights.get(id) ?? 0, validationScore: trial.validationScore!, models: await loadFoldModels(store, trial) });
  }
  const exact = new EnsembleModel({
    task: context.task,
    targetName: context.targetName,
    classes: context.classes,
    schema: context.schema,
    metric: metric.name,
    method: record.method,
    validationScore: record.validationScore,
    combiner: record.combiner,
    members,
  });
  const ensemble = deploy.data === undefined ? exact : await deployEnsemble(exact, deployInput(store, run.options as StoredRunOptions, deploy, metric, members));
  return {
    runId: record.runId,
    ensemble,
    task: context.task,
    metric: metric.name,
    classes: context.classes,
    members: ensemble.members.map((m): EnsembleMemberSummary => ({ trialId: m.id, family: m.family, config: m.config, weight: m.weight, validationScore: m.validationScore })),
    leaderboard: board.map(toLeaderboardEntry),
    validationScore: record.validationScore,
    run: summary,
    seconds: (Date.now() - started) / 1000,
    save: (dir: string) => saveBundle(ensemble, dir),
  };
}

async function loadFoldModels(store: Store, trial: TrialRecord): Promise<FittedMember[]> {
  const family = getFamily(trial.family);
  return Promise.all(store.getModels(trial.id).map((s) => family.load(s)));
}

/** The one call into the deployment forms: the run's folds, its members' stored out-of-fold predictions, refit. */
function deployInput(store: Store, stored: StoredRunOptions, deploy: DeployRequest, metric: Metric, members: readonly EnsembleMember[]) {
  const data = deploy.data!;
  const ids = members.map((m) => m.id);
  const matrix = store.readPredictions(ids, 'oof', 'float64');
  const oof = new Map(ids.map((id, i) => [id, Float64Array.from(matrix.member(i))]));
  const trials = new Map(ids.map((id) => [id, store.getTrial(id)!]));
  const trialOf = (id: number): TrialRecord => trials.get(id)!;
  return {
    form: deploy.form,
    data,
    folds: datasetFolds(data, stored.folds, stored.seed),
    metric,
    oof,
    refit: (member: EnsembleMember) => refitMember(trialOf(member.id), data),
    ...(deploy.tolerance === undefined ? {} : { tolerance: deploy.tolerance }),
  };
}

async function refitMember(trial: TrialRecord, data: Dataset): Promise<FittedMember> {
  const controller = new AbortController();
  return getFamily(trial.family).fit(data, trial.config, { seed: deriveSeed(trial.seed, 0x7ef17), signal: controller.signal, deadline: Infinity });
}

function toLeaderboardEntry(t: TrialRecord): LeaderboardEntry {
  return { trialId: t.id, trial: t.number, family: t.family, config: t.config, validationScore: t.validationScore!, fitSeconds: t.fitSeconds ?? 0 };
}

function countByStatus(trials: readonly TrialRecord[]): RunSummary['trials'] {
  const counts = { queued: 0, running: 0, done: 0, failed: 0, timeout: 0 };
  for (const t of trials) counts[t.status]++;
  return counts;
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
