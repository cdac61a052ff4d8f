/**
 * DivBO (Shen et al., NeurIPS 2022, "DivBO: Diversity-aware CASH for Ensemble Learning"): Bayesian optimization
 * that also seeks members diverse from the current ensemble.
 * - Performance surrogate, candidates and constant liar: as in BO (bo.ts).
 * - Diversity surrogate: boosted trees on pairs of evaluated configurations predicting their pairwise diversity
 *   (diversity.ts).
 * - Temporary pool: the members GES selects from all evaluated trials' out-of-fold predictions, rebuilt at each ask.
 * - A candidate's diversity is its smallest predicted diversity to a pool member.
 * - Acquisition: rank(EI) + w(t) * rank(diversity), both ranked best-first, lowest total wins, with
 *   w(t) = beta * (sigmoid(tau * t) - 0.5): performance alone at first, diversity weighs in as the pool fills.
 */
import { getSelector } from '../ensemble/index.js';
import type { Candidate } from '../ensemble/types.js';
import type { Labels, Metric } from '../metrics/types.js';
import { ConfigError } from '../util/errors.js';
import { deriveSeed } from '../util/random.js';
import { BayesianProposer, type BoOptions, type CandidateChooser, type ChooserFactory } from './bo.js';
import { fitDiversitySurrogate, labelScale, type DiversitySurrogateOptions, type EvaluatedMember } from './diversity.js';
import { finishedWithLoss } from './history.js';
import type { SearchSpace } from './space.js';
import { descendingRanks } from './surrogate.js';
import type { TrialOutcome, TrialProposal } from './types.js';

export interface DivBoOptions extends BoOptions {
  /** Labels of the rows the out-of-fold predictions are on (told outcomes must carry `predictions`). */
  readonly labels: Labels;
  /** The run's metric, used by GES to build the temporary pool. */
  readonly metric: Metric;
  /** Prediction columns (classes, or 1 for regression); default inferred from the first predictions. */
  readonly nOutputs?: number;
  /** Maximum weight of diversity (default 0.05). */
  readonly beta?: number;
  /** Steepness of the weight schedule (default 0.2). */
  readonly tau?: number;
  /** Selector building the temporary pool (default 'ges'). */
  readonly poolSelector?: string;
  /** Options of the pool selector (e.g. GES `rounds`); the seed is derived from the proposer's. */
  readonly poolSelectorOptions?: Readonly<Record<string, unknown>>;
  readonly diversity?: DiversitySurrogateOptions;
}

/** w(t) = beta * (sigmoid(tau * t) - 0.5). */
export function diversityWeight(t: number, beta = 0.05, tau = 0.2): number {
  return beta * (1 / (1 + Math.exp(-tau * t)) - 0.5);
}

export function createDivBoProposer(space: SearchSpace, options: DivBoOptions): BayesianProposer {
  if (options.labels === undefined || options.metric === undefined) {
    throw new ConfigError('divbo needs the labels of the validation rows and the metric (options.labels, options.metric)');
  }
  return new BayesianProposer(space, options, divboChooserFactory(options), 'divbo');
}

function divboChooserFactory(options: DivBoOptions): ChooserFactory {
  const beta = options.beta ?? 0.05;
  const tau = options.tau ?? 0.2;
  return (outcomes, encoder, seed) => {
    const members = evaluatedMembers(outcomes, options);
    if (members.length < 3) return { choose: (_c, ei) => argmax(ei) };
    const k = outputWidth(members, options);
    const pool = temporaryPool(members, options, deriveSeed(seed, 1));
    const surrogate = fitDiversitySurrogate(members, k, k === 1 ? labelScale(options.labels) : 1, encoder, deriveSeed(seed, 2), options.diversity);
    return diversityChooser(pool, (a, b) => surrogate.predictGrid(a, b), beta, tau);
  };
}

function evaluatedMembers(outcomes: readonly TrialOutcome[], options: DivBoOptions): Array<EvaluatedMember & { trialId: number }> {
  const n = options.labels.length;
  return finishedWithLoss(outcomes)
    .filter((o) => o.predictions !== undefined && o.predictions.length > 0)
    .map((o) => {
      if (o.predictions!.length % n !== 0) {
        throw new ConfigError(`divbo: trial ${o.trialId} has ${o.predictions!.length} prediction values, not a multiple of ${n} labels`);
      }
      return { trialId: o.trialId, proposal: { family: o.family, config: o.config }, predictions: o.predictions! };
    });
}

function outputWidth(members: readonly EvaluatedMember[], options: DivBoOptions): number {
  const k = options.nOutputs ?? members[0]!.predictions.length / options.labels.length;
  for (const m of members) {
    if (m.predictions.length !== k * options.labels.length) throw new ConfigError(`divbo: predictions of unequal width (expected ${k} columns)`);
  }
  return k;
}

/** The members the pool selector (GES) picks from all evaluated trials. */
function temporaryPool(
  members: ReadonlyArray<EvaluatedMember & { trialId: number }>,
  options: DivBoOptions,
  seed: number,
): TrialProposal[] {
  const candidates: Candidate[] = members.map((m) => ({ id: m.trialId, family: m.proposal.family, config: m.proposal.config, predictions: m.predictions }));
  const result = getSelector(options.poolSelector ?? 'ges').select(candidates, options.labels, options.metric, { ...options.poolSelectorOptions, seed });
  const ids = new Set(result.combiner.memberIds);
  return members.filter((m) => ids.has(m.trialId)).map((m) => m.proposal);
}

/**
 * rank(EI) + w(t) * rank(min predicted diversity to the pool), lowest wins. `predictGrid(a, b)` gives the
 * predicted diversity of every (a[i], b[j]) pair, row-major.
 */
export function diversityChooser(
  pool: readonly TrialProposal[],
  predictGrid: (a: readonly TrialProposal[], b: readonly TrialProposal[]) => Float64Array,
  beta: number,
  tau: number,
): CandidateChooser {
  return {
    choose(candidates, ei, step) {
      if (pool.length === 0) return argmax(ei);
      const d = predictGrid(candidates, pool);
      const diversity = new Float64Array(candidates.length).fill(Infinity);
      for (let i = 0; i < candidates.length; i++) {
        for (let j = 0; j < pool.length; j++) diversity[i] = Math.min(diversity[i]!, d[i * pool.length + j]!);
      }
      const rankEi = descendingRanks(ei);
      const rankDiv = descendingRanks(diversity);
      const w = diversityWeight(step, beta, tau);
      let best = 0;
      let bestScore = Infinity;
      for (let i = 0; i < candidates.length; i++) {
        const score = rankEi[i]! + w * rankDiv[i]!;
        if (score < bestScore) {
          bestScore = score;
          best = i;
        }
      }
      return best;
    },
  };
}

function argmax(x: Float64Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}
