/**
 * Deployment forms of a fitted ensemble: what a bundle holds, traded between test score, size and speed.
 *
 * - `exact`: every member keeps its k fold models (averaged): the predictions are exactly those the ensemble was
 *   selected on. k times the models of the other forms.
 * - `fast`: members whose removal does not worsen the ensemble's out-of-fold loss by more than `tolerance` (relative)
 *   are dropped (weighted ensembles only; greedy, the least useful first), and each kept member is refit once on all
 *   training rows with its configuration, except MLP members, which keep their fold models: an MLP's accuracy comes
 *   largely from averaging its k fold networks (measured on vehicle: one MLP refit on all rows had test log loss
 *   0.61, the average of its 5 fold models 0.43), a gain the out-of-fold rows cannot show (each is predicted by one
 *   fold model), while averaging trees or linear models gains little.
 * - `small`: `fast`, and each tree member (gbdt, random_forest, extra_trees) keeps only as many trees (boosting
 *   rounds) as the out-of-fold loss allows: its fold models, trimmed to a prefix of their trees, predict their held-out
 *   rows, and the smallest halving whose ensemble loss stays within the same total `tolerance` is kept.
 *
 * Every decision is taken on out-of-fold predictions (rows no fold model saw), never on test data; the tolerance is
 * one budget for the whole form, measured against the exact ensemble's loss. Measurements per dataset:
 * docs/bundle-format.md ("Deployment forms").
 */
import { takeRows, targetLabels, type Dataset } from '../data/dataset.js';
import type { Fold } from '../data/split.js';
import { combinePredictions, combinerMemberWeights } from '../ensemble/index.js';
import type { Combiner } from '../ensemble/types.js';
import type { Metric } from '../metrics/types.js';
import { TreeMember } from '../models/trees/member.js';
import type { FittedMember } from '../models/types.js';
import { EnsembleModel, type DeploymentInfo, type EnsembleMember } from '../serving/ensemble-model.js';
import { ConfigError } from '../util/errors.js';

export type DeployForm = 'exact' | 'fast' | 'small';
export const DEPLOY_FORMS: readonly DeployForm[] = ['exact', 'fast', 'small'];

/** Relative out-of-fold loss increase a `fast` / `small` form may spend on dropping members and trees. */
export const DEFAULT_DEPLOY_TOLERANCE = 0.002;

/** Families whose members keep their fold models in every form: bagging is much of their accuracy. */
export const BAGGED_FAMILIES: ReadonlySet<string> = new Set(['mlp']);

/** Trees a trimmed forest keeps at least (fewer make probability estimates coarse). */
const MIN_FOREST_TREES = 8;

export interface DeployInput {
  readonly form: DeployForm;
  /** The run's training rows (all of them, in the order the out-of-fold predictions follow). */
  readonly data: Dataset;
  /** The cross-validation folds the members' fold models were trained on, in model order. */
  readonly folds: readonly Fold[];
  readonly metric: Metric;
  /** Each member's out-of-fold predictions (row-major n x k over `data`'s rows), by member id. */
  readonly oof: ReadonlyMap<number, Float64Array>;
  /**
   * Retrain one member on all of `data` (the caller owns seeds, families and time); undefined keeps the member's
   * fold models (e.g. no time left to refit it).
   */
  readonly refit: (member: EnsembleMember) => Promise<FittedMember | undefined>;
  /** Relative loss increase allowed, in total (default DEFAULT_DEPLOY_TOLERANCE; 0 drops only useless members). */
  readonly tolerance?: number;
}

/**
 * The ensemble `exact` (each member holding its fold models, as selected) in the deployment form `input.form`.
 * `exact` returns the model unchanged. The result's `deployment` records what was dropped and trimmed and the
 * out-of-fold score before and after.
 */
export async function deployEnsemble(exact: EnsembleModel, input: DeployInput): Promise<EnsembleModel> {
  if (!DEPLOY_FORMS.includes(input.form)) throw new ConfigError(`deploy must be one of ${DEPLOY_FORMS.join(', ')}; got '${String(input.form)}'`);
  if (input.form === 'exact') return exact;
  const tolerance = input.tolerance ?? DEFAULT_DEPLOY_TOLERANCE;
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new ConfigError(`deploy tolerance must be a non-negative number, got ${tolerance}`);
  const scorer = new OofScorer(exact, input);
  const baseline = scorer.loss(exact.combiner, input.oof);
  const allowed = baseline + tolerance * Math.max(Math.abs(baseline), 1e-12);
  const { combiner, dropped } = pruneMembers(exact.combiner, input.oof, scorer, allowed);
  const oof = new Map(input.oof);
  const kept = exact.members.filter((m) => combiner.memberIds.includes(m.id));
  const trimmed = input.form === 'small' ? trimTrees(kept, combiner, oof, scorer, allowed, input) : new Map<number, number>();
  const weights = combinerMemberWeights(combiner);
  const members: EnsembleMember[] = [];
  for (const member of kept) {
    if (BAGGED_FAMILIES.has(member.family)) {
      members.push({ ...member, weight: weights.get(member.id) ?? 0 });
      continue;
    }
    let model = await input.refit(member);
    if (model === undefined) {
      members.push({ ...member, weight: weights.get(member.id) ?? 0 });
      continue;
    }
    const trees = trimmed.get(member.id);
    if (trees !== undefined && model instanceof TreeMember) model = model.withFirstTrees(Math.min(trees, model.treeCount));
    members.push({ ...member, weight: weights.get(member.id) ?? 0, models: [model] });
  }
  const deployedLoss = scorer.loss(combiner, oof);
  const deployment: DeploymentInfo = {
    form: input.form,
    tolerance,
    droppedMembers: dropped,
    trimmedTrees: [...trimmed].map(([id, trees]) => ({ id, trees, from: treeCountOf(exact, id) })),
    exactValidationScore: scorer.score(exact.combiner, input.oof),
    validationScore: scorer.score(combiner, oof),
    validationLossIncrease: deployedLoss - baseline,
  };
  return new EnsembleModel({ ...exact.info(), combiner, members, deployment });
}

/** Loss and score of a combiner on the out-of-fold rows. */
class OofScorer {
  private readonly labels;
  private readonly n: number;
  private readonly k: number;

  constructor(
    model: EnsembleModel,
    private readonly input: DeployInput,
  ) {
    this.labels = targetLabels(input.data);
    this.n = input.data.nRows;
    this.k = model.nOutputs;
  }

  loss(combiner: Combiner, oof: ReadonlyMap<number, Float64Array>): number {
    return this.input.metric.loss(this.labels, combinePredictions(combiner, oof, this.n, this.k), this.k);
  }

  score(combiner: Combiner, oof: ReadonlyMap<number, Float64Array>): number {
    return this.input.metric.score(this.labels, combinePredictions(combiner, oof, this.n, this.k), this.k);
  }
}

/**
 * Greedy backward elimination on a weighted average: drop the member whose removal (weights renormalized) gives the
 * lowest out-of-fold loss, while that loss stays within `allowed`; at least one member stays. A stacking meta-model
 * reads every member, so it keeps them all.
 */
function pruneMembers(
  combiner: Combiner,
  oof: ReadonlyMap<number, Float64Array>,
  scorer: OofScorer,
  allowed: number,
): { combiner: Combiner; dropped: number[] } {
  if (combiner.kind !== 'weights') return { combiner, dropped: [] };
  let current = combiner;
  const dropped: number[] = [];
  while (current.memberIds.length > 1) {
    let best: { combiner: Combiner & { kind: 'weights' }; loss: number; id: number } | undefined;
    for (let j = 0; j < current.memberIds.length; j++) {
      const without = withoutMember(current, j);
      if (without === undefined) continue;
      const loss = scorer.loss(without, oof);
      if (best === undefined || loss < best.loss) best = { combiner: without, loss, id: current.memberIds[j]! };
    }
    if (best === undefined || !(best.loss <= allowed)) break;
    current = best.combiner;
    dropped.push(best.id);
  }
  return { combiner: current, dropped };
}

function withoutMember(combiner: Combiner & { kind: 'weights' }, j: number): (Combiner & { kind: 'weights' }) | undefined {
  const rest = 1 - combiner.weights[j]!;
  if (!(rest > 0)) return undefined;
  return {
    kind: 'weights',
    memberIds: combiner.memberIds.filter((_, i) => i !== j),
    weights: combiner.weights.filter((_, i) => i !== j).map((w) => w / rest),
  };
}

/**
 * For each tree member (largest first), the fewest trees, by halving, whose out-of-fold predictions keep the
 * ensemble loss within `allowed`; `oof` is updated to the trimmed predictions so later members see earlier cuts.
 * Returns the chosen tree counts of the members that were trimmed.
 */
function trimTrees(
  members: readonly EnsembleMember[],
  combiner: Combiner,
  oof: Map<number, Float64Array>,
  scorer: OofScorer,
  allowed: number,
  input: DeployInput,
): Map<number, number> {
  const chosen = new Map<number, number>();
  const trimmable = members
    .filter((m) => m.models.length === input.folds.length && m.models.every((x) => x instanceof TreeMember))
    .sort((a, b) => totalTrees(b) - totalTrees(a));
  const parts = input.folds.map((fold) => ({ rows: fold.test, data: takeRows(input.data, fold.test) }));
  for (const member of trimmable) {
    const models = member.models as readonly TreeMember[];
    const step = models[0]!.treesPerRound;
    const full = Math.min(...models.map((m) => m.treeCount));
    const floor = models[0]!.family === 'gbdt' ? step : Math.min(full, MIN_FOREST_TREES);
    let best: { trees: number; predictions: Float64Array } | undefined;
    for (let trees = halve(full, step); trees >= floor && trees < full; trees = halve(trees, step)) {
      const predictions = trimmedOof(models, trees, parts, oof.get(member.id)!.length);
      const trial = new Map(oof).set(member.id, predictions);
      if (!(scorer.loss(combiner, trial) <= allowed)) break;
      best = { trees, predictions };
      if (trees === floor) break;
    }
    if (best === undefined) continue;
    oof.set(member.id, best.predictions);
    chosen.set(member.id, best.trees);
  }
  return chosen;
}

/** Half of `trees`, rounded down to a multiple of `step` (at least one step). */
function halve(trees: number, step: number): number {
  return Math.max(step, Math.floor(trees / 2 / step) * step);
}

/** Out-of-fold predictions of fold models trimmed to their first `trees` trees, each on its own held-out rows. */
function trimmedOof(
  models: readonly TreeMember[],
  trees: number,
  parts: readonly { rows: Int32Array; data: Dataset }[],
  length: number,
): Float64Array {
  const out = new Float64Array(length);
  const k = models[0]!.nOutputs;
  parts.forEach((part, f) => {
    const p = models[f]!.withFirstTrees(trees).predict(part.data);
    for (let i = 0; i < part.rows.length; i++) {
      const row = part.rows[i]!;
      for (let c = 0; c < k; c++) out[row * k + c] = p[i * k + c]!;
    }
  });
  return out;
}

function totalTrees(member: EnsembleMember): number {
  return member.models.reduce((sum, m) => sum + (m instanceof TreeMember ? m.treeCount : 0), 0);
}

function treeCountOf(model: EnsembleModel, id: number): number {
  const first = model.members.find((m) => m.id === id)?.models[0];
  return first instanceof TreeMember ? first.treeCount : 0;
}
