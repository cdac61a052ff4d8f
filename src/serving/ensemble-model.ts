import type { FeatureTable, Task } from '../data/dataset.js';
import type { Combiner } from '../ensemble/types.js';
import { averagePredictions, combinePredictions } from '../ensemble/combine.js';
import type { MetricName } from '../metrics/types.js';
import type { Config, FittedMember } from '../models/types.js';
import { type FeatureSchema, alignToSchema, rowsToFeatureTable } from '../data/feature-schema.js';
import { ConfigError, DataError } from '../util/errors.js';
import type { Calibration } from '../ensemble/calibration.js';
import { checkPredictOptions, predictWithUncertainty, type DetailedPredictions, type PredictOptions } from './uncertain-predictions.js';

export type { PredictOptions, DetailedPredictions } from './uncertain-predictions.js';

/** One selected member: its identity in the run and its fitted fold models (averaged), or one refit model. */
export interface EnsembleMember {
  readonly id: number;
  readonly family: string;
  readonly config: Config;
  /** Weight in a weighted-average ensemble; for stacking, the member's share of |coefficients| (informative). */
  readonly weight: number;
  /** Validation score of the member's out-of-fold predictions, by the run's metric. */
  readonly validationScore: number;
  readonly models: readonly FittedMember[];
}

export interface EnsembleModelInfo {
  readonly task: Task;
  readonly targetName: string;
  /** Class names in output column order (empty for regression). */
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly metric: MetricName;
  readonly method: string;
  /** The ensemble's validation score on the out-of-fold rows (inner-CV for stacking). */
  readonly validationScore: number;
  readonly combiner: Combiner;
  readonly members: readonly EnsembleMember[];
  /** How the members were prepared for deployment (absent: the exact fold models, as selected). */
  readonly deployment?: DeploymentInfo;
  /** Calibration data from the members' out-of-fold predictions (intervals, sets, uncertainty); absent in old bundles. */
  readonly calibration?: Calibration;
}

/** One row of `predict(rows, options)` / `predictProba(rows, options)`: fields are present when asked for. */
export interface PredictionRow {
  /** The predicted class, or the regression value. */
  readonly prediction: string | number;
  /** predictProba: probability per class (temperature-scaled with `calibrated`). */
  readonly probabilities?: Record<string, number>;
  /** Regression with `interval`: the conformal interval [lower, upper]. */
  readonly lower?: number;
  readonly upper?: number;
  /** Classification with `interval`: the conformal prediction set (possibly empty), classes in column order. */
  readonly set?: string[];
  /** With `uncertainty`: total = aleatoric + epistemic (entropy in nats, or variance in squared target units). */
  readonly uncertainty?: { readonly total: number; readonly aleatoric: number; readonly epistemic: number };
}

/** What a deployment form (src/export/deploy.ts) changed, for the manifest and GET /metadata. */
export interface DeploymentInfo {
  readonly form: string;
  /** Relative out-of-fold loss increase the form was allowed. */
  readonly tolerance: number;
  /** Members of the selected ensemble left out (ids). */
  readonly droppedMembers: readonly number[];
  /** Tree members cut to their first `trees` trees (of `from`). */
  readonly trimmedTrees: readonly { readonly id: number; readonly trees: number; readonly from: number }[];
  /** Out-of-fold score of the selected ensemble, and of the deployed composition (fold models, trimmed). */
  readonly exactValidationScore: number;
  readonly validationScore: number;
  readonly validationLossIncrease: number;
}

/** The public description of a fitted ensemble: task, target, classes, input schema, metric and score. */
export interface ModelDescription {
  readonly task: Task;
  readonly target: string;
  readonly classes: readonly string[];
  readonly features: FeatureSchema;
  readonly metric: MetricName;
  readonly method: string;
  readonly validationScore: number;
}

export type PredictInput = readonly Record<string, unknown>[] | FeatureTable;

/**
 * A fitted ensemble that predicts on raw rows. It holds plain data and fitted members only: no store, no workers.
 * Input rows are checked against the training feature schema (rules: docs/bundle-format.md, "Input rows").
 * Each member predicts the average of its models (k fold models, or one refit model); the combiner mixes members.
 */
export class EnsembleModel {
  readonly task: Task;
  readonly targetName: string;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly metric: MetricName;
  readonly method: string;
  readonly validationScore: number;
  readonly combiner: Combiner;
  readonly members: readonly EnsembleMember[];
  readonly calibration: Calibration | undefined;
  readonly deployment: DeploymentInfo | undefined;
  /** The members the combiner reads (others, if any, are kept for information but never evaluated). */
  private readonly combined: readonly EnsembleMember[];

  constructor(info: EnsembleModelInfo) {
    this.task = info.task;
    this.targetName = info.targetName;
    this.classes = info.classes;
    this.schema = info.schema;
    this.metric = info.metric;
    this.method = info.method;
    this.validationScore = info.validationScore;
    this.combiner = info.combiner;
    this.members = info.members;
    this.calibration = info.calibration;
    this.deployment = info.deployment;
    checkMembers(info);
    const used = new Set(info.combiner.memberIds);
    this.combined = info.members.filter((m) => used.has(m.id));
  }

  /** What the model predicts and from what, as plain JSON (the bundle manifest and GET /metadata use it). */
  describe(): ModelDescription {
    return {
      task: this.task,
      target: this.targetName,
      classes: this.classes,
      features: this.schema,
      metric: this.metric,
      method: this.method,
      validationScore: this.validationScore,
    };
  }

  /** Everything the model was built from (to build a variant of it). */
  info(): EnsembleModelInfo {
    return {
      task: this.task,
      targetName: this.targetName,
      classes: this.classes,
      schema: this.schema,
      metric: this.metric,
      method: this.method,
      validationScore: this.validationScore,
      combiner: this.combiner,
      members: this.members,
      ...(this.deployment === undefined ? {} : { deployment: this.deployment }),
      ...(this.calibration === undefined ? {} : { calibration: this.calibration }),
    };
  }

  /** Prediction columns: classes for classification, 1 for regression. */
  get nOutputs(): number {
    return this.task === 'regression' ? 1 : this.classes.length;
  }

  /** Row-major n x k combined predictions (probabilities, or values for regression). */
  predictMatrix(input: PredictInput): Float64Array {
    const table = this.featureTable(input);
    const k = this.nOutputs;
    const byId = new Map<number, Float64Array>();
    for (const member of this.combined) byId.set(member.id, averageModels(member.models, table, k));
    return combinePredictions(this.combiner, byId, table.nRows, k);
  }

  /**
   * Class probabilities per row, keyed by class name. Regression ensembles have none: use predict(). With options,
   * one PredictionRow per row: probabilities and the predicted class, plus what the options ask for.
   */
  predictProba(input: PredictInput): Record<string, number>[];
  predictProba(input: PredictInput, options: PredictOptions): PredictionRow[];
  predictProba(input: PredictInput, options?: PredictOptions): Record<string, number>[] | PredictionRow[] {
    if (this.task === 'regression') throw new ConfigError('predictProba is for classification; this ensemble is a regressor: use predict()');
    if (options !== undefined) return this.rowsOf(this.predictDetailed(input, options), true);
    return probabilityRows(this.predictMatrix(input), this.classes);
  }

  /**
   * Predicted class names (argmax, ties to the first class) or regression values. With options (see PredictOptions:
   * `uncertainty`, `interval`, `setMethod`, `normalized`, `calibrated`), one PredictionRow per row instead.
   */
  predict(input: PredictInput): string[] | Float64Array;
  predict(input: PredictInput, options: PredictOptions): PredictionRow[];
  predict(input: PredictInput, options?: PredictOptions): string[] | Float64Array | PredictionRow[] {
    if (options !== undefined) return this.rowsOf(this.predictDetailed(input, options), false);
    const p = this.predictMatrix(input);
    if (this.task === 'regression') return p;
    return argmaxLabels(p, this.classes);
  }

  /**
   * Predictions with uncertainty, columnar (typed arrays): what predict / predictProba with options, the CLI and the
   * server build on. Bad options are a ConfigError naming the option; options that need calibration data on a model
   * without it (an old bundle) are a ConfigError saying so.
   */
  predictDetailed(input: PredictInput, options: PredictOptions): DetailedPredictions {
    const checked = checkPredictOptions(options, this.task);
    return predictWithUncertainty(this, this.featureTable(input), checked);
  }

  /** Release members' native resources (TensorFlow.js), if any. The model must not be used afterwards. */
  dispose(): void {
    for (const member of this.members) for (const model of member.models) model.dispose?.();
  }

  private rowsOf(d: DetailedPredictions, withProbabilities: boolean): PredictionRow[] {
    const regression = this.task === 'regression';
    const k = this.nOutputs;
    const labels = regression ? [] : argmaxLabels(d.predictions, this.classes);
    const probabilities = withProbabilities ? probabilityRows(d.predictions, this.classes) : [];
    const n = d.predictions.length / k;
    const rows: PredictionRow[] = [];
    for (let i = 0; i < n; i++) {
      const row: { -readonly [K in keyof PredictionRow]: PredictionRow[K] } = { prediction: regression ? d.predictions[i]! : labels[i]! };
      if (withProbabilities) row.probabilities = probabilities[i]!;
      if (d.interval !== undefined) {
        row.lower = d.interval.lower[i]!;
        row.upper = d.interval.upper[i]!;
      }
      if (d.sets !== undefined) row.set = this.classes.filter((_, c) => d.sets!.members[i * k + c] === 1);
      if (d.uncertainty !== undefined) {
        row.uncertainty = { total: d.uncertainty.total[i]!, aleatoric: d.uncertainty.aleatoric[i]!, epistemic: d.uncertainty.epistemic[i]! };
      }
      rows.push(row);
    }
    return rows;
  }

  /** The input checked against the schema (docs/bundle-format.md, "Input rows") as a table in schema order. */
  featureTable(input: PredictInput): FeatureTable {
    if (Array.isArray(input)) return rowsToFeatureTable(input as Record<string, unknown>[], this.schema);
    const table = input as Partial<FeatureTable> | null;
    if (table === null || typeof table !== 'object' || typeof table.nRows !== 'number' || !Array.isArray(table.features)) {
      throw new DataError('predict takes an array of row objects or a FeatureTable / Dataset');
    }
    return alignToSchema(input as FeatureTable, this.schema);
  }
}

/** A model that cannot predict is refused at construction, not at the first request. */
function checkMembers(info: EnsembleModelInfo): void {
  const k = info.task === 'regression' ? 1 : info.classes.length;
  if (info.task !== 'regression' && k < 2) throw new ConfigError(`a ${info.task} ensemble needs at least 2 classes`);
  if (info.combiner.kind === 'stacking' && info.combiner.model.featureMean !== undefined) {
    throw new ConfigError('a stacking meta-model on the original features cannot be served: refit it on member predictions only');
  }
  const ids = new Set(info.members.map((m) => m.id));
  for (const id of info.combiner.memberIds) {
    if (!ids.has(id)) throw new ConfigError(`the combiner uses member ${id}, which the ensemble lacks`);
  }
  checkCalibration(info);
  for (const member of info.members) {
    if (member.models.length === 0) throw new ConfigError(`ensemble member ${member.id} has no fitted model`);
    for (const model of member.models) {
      if (model.nOutputs !== k) throw new ConfigError(`ensemble member ${member.id} predicts ${model.nOutputs} columns, expected ${k}`);
    }
  }
}

/** Calibration data must fit the model: the task's section, and a variance calibration for every combined member. */
function checkCalibration(info: EnsembleModelInfo): void {
  const c = info.calibration;
  if (c === undefined) return;
  const regression = info.task === 'regression';
  if (regression ? c.regression === undefined : c.classification === undefined) {
    throw new ConfigError(`the calibration data is not for a ${info.task} model`);
  }
  if (c.regression !== undefined) {
    for (const id of info.combiner.memberIds) {
      if (!c.regression.variance.has(id)) throw new ConfigError(`the calibration data lacks member ${id}`);
    }
  }
}

/** Average of fold models' predictions (AutoGluon-style bagging). */
export function averageModels(models: readonly FittedMember[], table: FeatureTable, k: number): Float64Array {
  return averagePredictions(models.map((m) => m.predict(table)), table.nRows * k);
}

function probabilityRows(p: Float64Array, classes: readonly string[]): Record<string, number>[] {
  const k = classes.length;
  const out: Record<string, number>[] = [];
  for (let i = 0; i * k < p.length; i++) {
    const row: Record<string, number> = {};
    for (let c = 0; c < k; c++) row[classes[c]!] = p[i * k + c]!;
    out.push(row);
  }
  return out;
}

export function argmaxLabels(p: Float64Array, classes: readonly string[]): string[] {
  const k = classes.length;
  const n = p.length / k;
  const labels = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    labels[i] = classes[best]!;
  }
  return labels;
}
