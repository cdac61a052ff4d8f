/**
 * The baselines every other selector must beat: the single best candidate, and the uniform average of the
 * top-k candidates (by their own validation loss).
 */
import type { Labels, Metric } from '../metrics/types.js';
import { createKernel, type LossKernel } from './kernels.js';
import { checkOptionNames, checkProblem, intOption, memberLosses, rankByLoss, weightedAverage } from './pool.js';
import type { Candidate, SelectionResult, Selector, SelectorOptions } from './types.js';

/** Ranks candidates by their own loss (fast kernel: the same numbers as metric.loss). */
function rankCandidates(
  candidates: readonly Candidate[],
  y: Labels,
  metric: Metric,
): { order: number[]; kernel: LossKernel; n: number; k: number } {
  const { n, k } = checkProblem(candidates, y, metric);
  const kernel = createKernel(
    candidates.map((c) => c.predictions),
    y,
    k,
    metric,
  );
  const losses = memberLosses(kernel, candidates.length);
  return { order: rankByLoss(losses), kernel, n, k };
}

/** Uniform average of the best `size` candidates, scored with metric.score. */
function uniformTop(method: string, candidates: readonly Candidate[], y: Labels, metric: Metric, size: number): SelectionResult {
  const { order, kernel, n, k } = rankCandidates(candidates, y, metric);
  const chosen = order.slice(0, Math.min(size, order.length));
  // Trajectory: loss of the uniform average of the best 1, 2, ..., size candidates.
  const acc = new Float64Array(kernel.accLength);
  const trajectory = chosen.map((j, step) => {
    kernel.add(acc, j, 1);
    return kernel.loss(acc, step + 1);
  });
  const weights = chosen.map(() => 1 / chosen.length);
  const averaged = weightedAverage(
    chosen.map((j) => candidates[j]!.predictions),
    weights,
    n * k,
  );
  return {
    method,
    combiner: { kind: 'weights', memberIds: chosen.map((j) => candidates[j]!.id), weights },
    validationScore: metric.score(y, averaged, k),
    trajectory,
  };
}

export const singleBestSelector: Selector = {
  name: 'single-best',
  select(candidates: readonly Candidate[], y: Labels, metric: Metric, options: SelectorOptions = {}): SelectionResult {
    checkOptionNames('single-best', options, []);
    return uniformTop('single-best', candidates, y, metric, 1);
  },
};

export interface TopKOptions extends SelectorOptions {
  /** How many of the best candidates to average uniformly. Default 5. */
  readonly k?: number;
}

export const topKSelector: Selector = {
  name: 'top-k',
  select(candidates: readonly Candidate[], y: Labels, metric: Metric, options: TopKOptions = {}): SelectionResult {
    checkOptionNames('top-k', options, ['k']);
    return uniformTop('top-k', candidates, y, metric, intOption(options, 'k', 5));
  },
};
