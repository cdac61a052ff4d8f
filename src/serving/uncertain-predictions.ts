/**
 * Predictions with uncertainty for a fitted ensemble: the per-row split of total uncertainty into aleatoric and
 * epistemic (src/ensemble/uncertainty.ts), conformal intervals or prediction sets (src/ensemble/conformal.ts) from
 * the calibration data kept with the model, and temperature-scaled probabilities. What each number means:
 * docs/uncertainty.md.
 *
 * The members' fold models are the mixture components (member m's weight shared equally by its fold models), so the
 * mixture mean is exactly the ensemble's prediction. Intervals and sets use CV+ when every member holds one model per
 * calibration fold (fold model f did not see the rows of fold f's scores); otherwise (refit members) all scores form
 * one group around the served prediction.
 */
import type { FeatureTable, Task } from '../data/dataset.js';
import { ensembleSpread, type Calibration } from '../ensemble/calibration.js';
import { averagePredictions, combinePredictions } from '../ensemble/combine.js';
import { checkLevel, cvPlusIntervals, cvPlusSets, mergeScores, SET_METHODS, type FoldScores, type SetMethod } from '../ensemble/conformal.js';
import { applyTemperature } from '../ensemble/temperature.js';
import type { Combiner } from '../ensemble/types.js';
import { classificationUncertainty, regressionUncertainty, type MixtureComponent, type UncertaintySplit } from '../ensemble/uncertainty.js';
import { applyVarianceCalibration } from '../ensemble/variance-calibration.js';
import type { FittedMember } from '../models/types.js';
import { ConfigError } from '../util/errors.js';

/** What to compute besides the predictions. */
export interface PredictOptions {
  /** Per row: total, aleatoric and epistemic uncertainty (entropy in nats, or variance in squared target units). */
  readonly uncertainty?: boolean;
  /** Coverage level in (0, 1) of conformal intervals (regression) or prediction sets (classification), e.g. 0.9. */
  readonly interval?: number;
  /** Classification sets: 'lac' (default: smallest sets) or 'aps' (adaptive: sets grow with the model's doubt). */
  readonly setMethod?: SetMethod;
  /** Regression intervals: scaled by the predicted spread per row (default true where the model has it). */
  readonly normalized?: boolean;
  /** Classification: probabilities after temperature scaling fitted on the out-of-fold predictions (default false). */
  readonly calibrated?: boolean;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['uncertainty', 'interval', 'setMethod', 'normalized', 'calibrated']);

/** Columnar results for n rows; fields are present when asked for. */
export interface DetailedPredictions {
  /** Row-major n x k: probabilities (temperature-scaled when `calibrated`) or regression values. */
  readonly predictions: Float64Array;
  readonly uncertainty?: UncertaintySplit;
  readonly interval?: { readonly level: number; readonly normalized: boolean; readonly lower: Float64Array; readonly upper: Float64Array };
  /** n x k membership (1 = class in the row's set). */
  readonly sets?: { readonly level: number; readonly method: SetMethod; readonly members: Uint8Array };
}

/** What the computation needs of the model. */
export interface UncertainModel {
  readonly task: Task;
  readonly nOutputs: number;
  readonly combiner: Combiner;
  readonly members: readonly { readonly id: number; readonly models: readonly FittedMember[] }[];
  readonly calibration?: Calibration;
}

/** Check the options object of predict / predictProba / the server; a ConfigError says what is wrong. */
export function checkPredictOptions(options: unknown, task: Task): PredictOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('predict options must be an object, e.g. { interval: 0.9 }');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key)) throw new ConfigError(`unknown predict option '${key}' (known: ${[...OPTION_KEYS].join(', ')})`);
  }
  for (const key of ['uncertainty', 'normalized', 'calibrated']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new ConfigError(`predict option ${key} must be true or false, got ${JSON.stringify(o[key])}`);
  }
  if (o.interval !== undefined) checkLevel(o.interval, Infinity);
  if (o.setMethod !== undefined && !SET_METHODS.includes(o.setMethod as SetMethod)) {
    throw new ConfigError(`setMethod must be one of ${SET_METHODS.join(', ')}, got ${JSON.stringify(o.setMethod)}`);
  }
  if (task === 'regression' && (o.setMethod !== undefined || o.calibrated !== undefined)) {
    throw new ConfigError(`${o.setMethod !== undefined ? 'setMethod' : 'calibrated'} is for classification; this ensemble is a regressor`);
  }
  if (task !== 'regression' && o.normalized !== undefined) throw new ConfigError('normalized is for regression intervals; this ensemble is a classifier');
  return o as PredictOptions;
}

export function predictWithUncertainty(model: UncertainModel, table: FeatureTable, options: PredictOptions): DetailedPredictions {
  const regression = model.task === 'regression';
  const calibration = model.calibration;
  const needsCalibration = options.interval !== undefined || options.calibrated === true || (regression && options.uncertainty === true);
  if (needsCalibration && calibration === undefined) {
    throw new ConfigError('this model has no calibration data (it was saved by an older auto-ensemble): re-export it from its run to get intervals, sets and uncertainty');
  }
  if (options.uncertainty === true && model.combiner.kind !== 'weights') {
    throw new ConfigError('the uncertainty split needs a weighted-average ensemble (ges, qdo-es, deuq, ...): a stacking meta-model is not a mixture of its members');
  }
  const n = table.nRows;
  const k = model.nOutputs;
  // Members' variances are needed for the split and for normalized intervals only.
  const wantsVariance = regression && calibration !== undefined && (options.uncertainty === true || (options.interval !== undefined && options.normalized !== false));
  const perModel = memberModelPredictions(model, table, wantsVariance);
  const served = combinePredictions(model.combiner, new Map([...perModel].map(([id, p]) => [id, averagePredictions(p.means, n * k)])), n, k);
  const out: {
    predictions: Float64Array;
    uncertainty?: UncertaintySplit;
    interval?: DetailedPredictions['interval'];
    sets?: DetailedPredictions['sets'];
  } = { predictions: served };
  if (options.uncertainty === true) out.uncertainty = split(model, perModel, n, k);
  if (options.interval !== undefined) {
    const groups = foldGroups(model, perModel, served, n, k);
    if (regression) {
      const rc = calibration!.regression!;
      const normalized = options.normalized ?? rc.normalized !== undefined;
      if (normalized && rc.normalized === undefined) throw new ConfigError('normalized intervals need a weighted-average ensemble; this one is stacking: use normalized: false');
      const scores = groups.cvPlus ? (normalized ? rc.normalized! : rc.absolute) : mergeScores(normalized ? rc.normalized! : rc.absolute);
      const spreads = normalized
        ? groups.members.map((member) => ensembleSpread(model.combiner as Combiner & { kind: 'weights' }, rc.variance, member, n, rc.spreadFloor))
        : undefined;
      const { lower, upper } = cvPlusIntervals(scores, groups.means, spreads, options.interval);
      out.interval = { level: options.interval, normalized, lower, upper };
    } else {
      const method = options.setMethod ?? 'lac';
      const cc = calibration!.classification!;
      const stored: FoldScores = method === 'lac' ? cc.lac : cc.aps;
      const members = cvPlusSets(groups.cvPlus ? stored : mergeScores(stored), groups.means, k, options.interval, method);
      out.sets = { level: options.interval, method, members };
    }
  }
  if (options.calibrated === true) out.predictions = applyTemperature(served, k, calibration!.classification!.temperature);
  return out;
}

interface ModelPredictions {
  readonly means: Float64Array[];
  /** Raw predicted variances per fold model (regression members that predict one). */
  readonly variances?: Float64Array[];
}

function memberModelPredictions(model: UncertainModel, table: FeatureTable, withVariance: boolean): Map<number, ModelPredictions> {
  const used = new Set(model.combiner.memberIds);
  const out = new Map<number, ModelPredictions>();
  for (const member of model.members) {
    if (!used.has(member.id)) continue;
    const means = member.models.map((m) => m.predict(table));
    const hasVariance = withVariance && member.models.every((m) => m.predictVariance !== undefined);
    out.set(member.id, hasVariance ? { means, variances: member.models.map((m) => m.predictVariance!(table)) } : { means });
  }
  return out;
}


/** The mixture of every member's fold models (weight w_m / models of m) and its uncertainty split. */
function split(model: UncertainModel, perModel: ReadonlyMap<number, ModelPredictions>, n: number, k: number): UncertaintySplit {
  const combiner = model.combiner as Combiner & { kind: 'weights' };
  const components: MixtureComponent[] = [];
  combiner.memberIds.forEach((id, j) => {
    const p = perModel.get(id)!;
    const w = combiner.weights[j]! / p.means.length;
    p.means.forEach((means, f) => {
      if (model.task !== 'regression') {
        components.push({ weight: w, predictions: means });
        return;
      }
      const calibration = model.calibration!.regression!.variance.get(id);
      if (calibration === undefined) throw new ConfigError(`the calibration data lacks member ${id}: re-export the model`);
      components.push({ weight: w, predictions: means, variance: applyVarianceCalibration(calibration, n, p.variances?.[f]) });
    });
  });
  if (model.task === 'regression') {
    const { total, aleatoric, epistemic } = regressionUncertainty(components, n);
    return { total, aleatoric, epistemic };
  }
  return classificationUncertainty(components, n, k);
}

/**
 * The groups intervals and sets are computed over: one per calibration fold (fold f's ensemble from every member's
 * fold model f: CV+) when every member holds one model per fold, else one group, the served ensemble.
 */
function foldGroups(
  model: UncertainModel,
  perModel: ReadonlyMap<number, ModelPredictions>,
  served: Float64Array,
  n: number,
  k: number,
): { cvPlus: boolean; means: Float64Array[]; members: ((id: number) => { predictions: Float64Array; variance?: Float64Array })[] } {
  const nFolds = model.calibration!.nFolds;
  const cvPlus = [...perModel.values()].every((p) => p.means.length === nFolds);
  const groups = cvPlus ? nFolds : 1;
  const means: Float64Array[] = [];
  const members: ((id: number) => { predictions: Float64Array; variance?: Float64Array })[] = [];
  for (let f = 0; f < groups; f++) {
    const member = (id: number): { predictions: Float64Array; variance?: Float64Array } => {
      const p = perModel.get(id)!;
      if (cvPlus) return { predictions: p.means[f]!, ...(p.variances === undefined ? {} : { variance: p.variances[f]! }) };
      const variance = p.variances === undefined ? undefined : averagePredictions(p.variances, n);
      return { predictions: averagePredictions(p.means, n * k), ...(variance === undefined ? {} : { variance }) };
    };
    members.push(member);
    means.push(cvPlus ? combinePredictions(model.combiner, new Map([...perModel.keys()].map((id) => [id, member(id).predictions])), n, k) : served);
  }
  return { cvPlus, means, members };
}
