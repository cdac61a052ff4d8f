/**
 * Greedy ensemble selection (Caruana et al. 2004, as in auto-sklearn and AutoGluon).
 *
 * With replacement: each round adds the pool member whose addition gives the lowest loss of
 * (running sum + member) / count. Ties (within 1e-12 relative) are broken at random with the seed, preferring
 * members already in the ensemble (fewer distinct members for the same loss). With `useBest`, the ensemble is the
 * best prefix of the trajectory (earliest on ties). Weights = counts / rounds used.
 */
import type { Labels, Metric } from '../metrics/types.js';
import { Rng } from '../util/random.js';
import { createKernel, type LossKernel } from './kernels.js';
import {
  boolOption,
  checkOptionNames,
  checkProblem,
  constantLoss,
  deadlineOf,
  intOption,
  memberLosses,
  prunePool,
  weightedAverage,
} from './pool.js';
import type { Candidate, SelectionResult, Selector, SelectorOptions } from './types.js';

export interface GesOptions extends SelectorOptions {
  /** Selection rounds (ensemble size with repetitions). Default 25. */
  readonly rounds?: number;
  /** Keep the best prefix of the trajectory instead of all rounds. Default true. */
  readonly useBest?: boolean;
  /** Pool size: the best N candidates that beat the constant predictor. Default 50. */
  readonly maxPool?: number;
  /** false runs the generic metric path instead of the per-metric fast path (for tests). Default true. */
  readonly fastPath?: boolean;
}

const OPTION_NAMES = ['rounds', 'useBest', 'maxPool', 'fastPath'] as const;

/** Result of the raw greedy loop over a pool of kernel members. */
export interface GreedyRun {
  /** Chosen kernel member per round. */
  readonly picks: Int32Array;
  /** Loss after each round. */
  readonly trajectory: Float64Array;
}

const TIE_TOLERANCE = 1e-12;

/**
 * The greedy loop itself on kernel members `pool` (indices into the kernel's members): `rounds` picks, fewer when
 * `deadline` (ms since epoch) passes first (the first round always runs). Exposed for search strategies that
 * rebuild a GES ensemble often (e.g. DivBO).
 */
export function greedyRounds(kernel: LossKernel, pool: readonly number[], rounds: number, rng: Rng, deadline = Infinity): GreedyRun {
  const acc = new Float64Array(kernel.accLength);
  const picks = new Int32Array(rounds);
  const trajectory = new Float64Array(rounds);
  const chosenCount = new Int32Array(pool.length);
  const losses = new Float64Array(pool.length);
  const ties: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r > 0 && Date.now() > deadline) return { picks: picks.slice(0, r), trajectory: trajectory.slice(0, r) };
    let best = Infinity;
    for (let p = 0; p < pool.length; p++) {
      const loss = kernel.lossWithMember(acc, r, pool[p]!);
      losses[p] = loss;
      if (loss < best) best = loss;
    }
    const tolerance = TIE_TOLERANCE * Math.max(1, Math.abs(best));
    ties.length = 0;
    let anyChosen = false;
    for (let p = 0; p < pool.length; p++) {
      if (!(losses[p]! - best <= tolerance)) continue;
      if (chosenCount[p]! > 0 && !anyChosen) {
        anyChosen = true;
        ties.length = 0;
      }
      if (!anyChosen || chosenCount[p]! > 0) ties.push(p);
    }
    // Every candidate loss NaN (degenerate metric input): fall back to the first pool member.
    const winner = ties.length === 0 ? 0 : ties.length === 1 ? ties[0]! : ties[rng.int(ties.length)]!;
    chosenCount[winner]!++;
    kernel.add(acc, pool[winner]!, 1);
    picks[r] = pool[winner]!;
    trajectory[r] = losses[winner]!;
  }
  return { picks, trajectory };
}

/**
 * Greedy ensemble selection on candidates' out-of-fold predictions. The function form of the 'ges' selector.
 */
export function greedyEnsembleSelection(
  candidates: readonly Candidate[],
  y: Labels,
  metric: Metric,
  options: GesOptions = {},
): SelectionResult {
  checkOptionNames('ges', options, OPTION_NAMES);
  const rounds = intOption(options, 'rounds', 25);
  const maxPool = intOption(options, 'maxPool', 50);
  const useBest = boolOption(options, 'useBest', true);
  const fast = boolOption(options, 'fastPath', true);
  const shape = checkProblem(candidates, y, metric);
  const kernel = createKernel(
    candidates.map((c) => c.predictions),
    y,
    shape.k,
    metric,
    { fast },
  );
  const losses = memberLosses(kernel, candidates.length);
  const pool = prunePool(losses, constantLoss(y, shape, metric), maxPool);
  const run = greedyRounds(kernel, pool, rounds, new Rng(options.seed ?? 0), deadlineOf(options));
  const done = run.picks.length;

  let used = done;
  if (useBest) {
    let bestLoss = Infinity;
    for (let r = 0; r < done; r++) {
      if (run.trajectory[r]! < bestLoss) {
        bestLoss = run.trajectory[r]!;
        used = r + 1;
      }
    }
  }
  const counts = new Map<number, number>();
  for (let r = 0; r < used; r++) counts.set(run.picks[r]!, (counts.get(run.picks[r]!) ?? 0) + 1);
  const members = [...counts.keys()].sort((a, b) => a - b);
  const weights = members.map((j) => counts.get(j)! / used);
  const averaged = weightedAverage(
    members.map((j) => candidates[j]!.predictions),
    weights,
    shape.n * shape.k,
  );
  return {
    method: 'ges',
    combiner: { kind: 'weights', memberIds: members.map((j) => candidates[j]!.id), weights },
    validationScore: metric.score(y, averaged, shape.k),
    trajectory: Array.from(run.trajectory),
    details: { poolSize: pool.length, roundsUsed: used, ...(done < rounds ? { stoppedAtDeadline: 1 } : {}) },
  };
}

export const gesSelector: Selector = {
  name: 'ges',
  select: (candidates, y, metric, options) => greedyEnsembleSelection(candidates, y, metric, options),
};
