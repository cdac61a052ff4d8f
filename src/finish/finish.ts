/**
 * The finish phase of a run, after training: select the ensemble from the stored out-of-fold predictions, store
 * it, and assemble the fitted ensemble (each member's fold models, or a refit on all rows). It meets training
 * only at the store, and it keeps the run's deadline: the selector gets what is left of it minus a margin for
 * loading the members' models, and refits stop growing at their share of it.
 */
import type { Dataset } from '../data/dataset.js';
import { datasetFolds } from '../data/split.js';
import { combinerMemberWeights, getSelector } from '../ensemble/index.js';
import type { Candidate } from '../ensemble/types.js';
import type { Metric } from '../metrics/types.js';
import { getFamily } from '../models/registry.js';
import type { FittedMember } from '../models/types.js';
import { deployEnsemble, type DeployForm, type DeployInput } from '../export/deploy.js';
import { EnsembleModel, type EnsembleMember } from '../serving/ensemble-model.js';
import { datasetFingerprint } from '../store/fingerprint.js';
import type { EnsembleRecord, RunContext, Store, TrialRecord } from '../store/types.js';
import type { StoredRunOptions } from '../training/types.js';
import { ConfigError } from '../util/errors.js';
import { deriveSeed } from '../util/random.js';
import { oofVariance, runCalibration } from './calibration.js';

/** Candidates handed to a selector: the best trials by validation loss (selectors prune to their own pool too). */
export const MAX_CANDIDATES = 50;

/** Share of the time left that loading the members' models may take after selection (at least LOAD_MARGIN_MS). */
const LOAD_SHARE = 0.1;
const LOAD_MARGIN_MS = 200;

export interface SelectOptions {
  readonly method: string;
  readonly selectorOptions: Readonly<Record<string, unknown>>;
  /** ms since epoch by which the whole finish phase must be done (Infinity: none). */
  readonly deadline: number;
  /** Whether members will be refitted after selection (their time is kept out of the selector's). */
  readonly refit?: boolean;
  /** Anything else to store with the ensemble. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Select an ensemble of run `runId` from its done trials and store it. Throws a ConfigError naming the first error
 * when the run has no finished member.
 */
export function selectEnsemble(store: Store, runId: number, context: RunContext, metric: Metric, options: SelectOptions): EnsembleRecord {
  const board = store.leaderboard(runId, MAX_CANDIDATES);
  if (board.length === 0) {
    const failed = store.listTrials(runId, ['failed', 'timeout']);
    const why = failed.length > 0 ? ` (first error: ${failed[0]!.error})` : '';
    throw new ConfigError(`run ${runId} has no finished member to ensemble: ${failed.length} trial(s) failed${why}; raise the time budget`);
  }
  const matrix = store.readPredictions(board.map((t) => t.id), 'oof', 'float64');
  const candidates: Candidate[] = board.map((t, i) => ({ id: t.id, family: t.family, config: t.config, predictions: matrix.member(i), ...oofVariance(store, context, t.id) }));
  const deadline = selectionDeadline(options.deadline, options.refit === true);
  const started = Date.now();
  const selection = getSelector(options.method).select(candidates, context.labels, metric, {
    ...options.selectorOptions,
    ...(Number.isFinite(deadline) ? { deadline } : {}),
  });
  return store.saveEnsemble(runId, {
    method: options.method,
    combiner: selection.combiner,
    validationScore: selection.validationScore,
    trajectory: selection.trajectory,
    details: {
      selectorOptions: options.selectorOptions,
      refit: options.refit === true,
      selectionSeconds: (Date.now() - started) / 1000,
      ...(selection.details ?? {}),
      ...(options.details ?? {}),
    },
  });
}

/** When selection must end: before the phase's deadline, leaving time to load (and maybe refit) the members. */
function selectionDeadline(deadline: number, refit: boolean): number {
  if (!Number.isFinite(deadline)) return deadline;
  const left = deadline - Date.now();
  const kept = refit ? left / 2 : Math.max(LOAD_MARGIN_MS, LOAD_SHARE * left);
  return deadline - kept;
}

/** The deployment form to build and, for the forms that refit, the run's training data. */
export interface DeployRequest {
  readonly form: DeployForm;
  readonly data?: Dataset;
  readonly tolerance?: number;
}

export interface AssembleOptions {
  /** The deployment form (src/export/deploy.ts; default 'exact': each member's k fold models, as selected). */
  readonly deploy?: DeployRequest;
  /** ms since epoch: refits stop growing at their share of the time left (Infinity: none). */
  readonly deadline: number;
}

export interface AssembledEnsemble {
  readonly model: EnsembleModel;
  readonly members: readonly EnsembleMember[];
}

/**
 * The fitted ensemble of a stored ensemble record: its members' fold models, then, for a deployment form other
 * than 'exact', members dropped, trimmed and refit on all rows (src/export/deploy.ts) within the deadline.
 */
export async function assembleEnsemble(
  store: Store,
  context: RunContext,
  record: EnsembleRecord,
  metric: Metric,
  options: AssembleOptions,
): Promise<AssembledEnsemble> {
  const deploy = options.deploy ?? { form: 'exact' };
  const run = store.getRun(record.runId)!;
  if (deploy.data !== undefined && datasetFingerprint(deploy.data) !== run.datasetFingerprint) {
    throw new ConfigError(`refit needs run ${record.runId}'s own training data; the dataset given differs`);
  }
  const weights = combinerMemberWeights(record.combiner);
  const members: EnsembleMember[] = [];
  for (const id of record.combiner.memberIds) {
    const trial = store.getTrial(id)!;
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
    calibration: runCalibration(store, context, record.runId, record.combiner),
  });
  if (deploy.form === 'exact' || deploy.data === undefined) return { model: exact, members };
  const deployed = await deployEnsemble(exact, deployInput(store, run.options as StoredRunOptions, deploy, deploy.data, metric, members, options.deadline));
  // The calibration follows the deployed composition (its members' out-of-fold predictions) when members were dropped.
  const model = deployed.combiner === exact.combiner
    ? deployed
    : new EnsembleModel({ ...deployed.info(), calibration: runCalibration(store, context, record.runId, deployed.combiner) });
  return { model, members: model.members };
}

/**
 * The deployment forms' inputs: the run's folds, its members' stored out-of-fold predictions, and a refit that
 * keeps the deadline: each member gets an equal share of the time left; one whose share is under half its usual
 * fit time (its trial's seconds per fold) keeps its fold models instead.
 */
function deployInput(
  store: Store,
  stored: StoredRunOptions,
  deploy: DeployRequest,
  data: Dataset,
  metric: Metric,
  members: readonly EnsembleMember[],
  deadline: number,
): DeployInput {
  const ids = members.map((m) => m.id);
  const matrix = store.readPredictions(ids, 'oof', 'float64');
  const oof = new Map(ids.map((id, i) => [id, Float64Array.from(matrix.member(i))]));
  let left = members.length;
  return {
    form: deploy.form,
    data,
    folds: datasetFolds(data, stored.folds, stored.seed),
    metric,
    oof,
    refit: async (member) => {
      const trial = store.getTrial(member.id)!;
      const until = shareOfTimeLeft(deadline, Math.max(1, left--));
      const usual = ((trial.fitSeconds ?? 0) / stored.folds) * 1000;
      if (Number.isFinite(until) && until - Date.now() < 0.5 * usual) return undefined;
      return refitMember(trial, data, until);
    },
    ...(deploy.tolerance === undefined ? {} : { tolerance: deploy.tolerance }),
  };
}

function shareOfTimeLeft(deadline: number, membersLeft: number): number {
  if (!Number.isFinite(deadline)) return deadline;
  const now = Date.now();
  return now + Math.max(0, deadline - now) * 0.9 / membersLeft;
}

async function loadFoldModels(store: Store, trial: TrialRecord): Promise<FittedMember[]> {
  const family = getFamily(trial.family);
  return Promise.all(store.getModels(trial.id).map((s) => family.load(s)));
}

/** Retrain a member on all rows; families that can stop early stop at `deadline` with what they have. */
async function refitMember(trial: TrialRecord, data: Dataset, deadline: number): Promise<FittedMember> {
  const controller = new AbortController();
  return getFamily(trial.family).fit(data, trial.config, { seed: deriveSeed(trial.seed, 0x7ef17), signal: controller.signal, deadline });
}
