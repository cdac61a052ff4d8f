/**
 * QO-ES and QDO-ES (Purucker et al., AutoML-Conf 2023): population-based search over count vectors on the pool.
 * QO-ES keeps the best `maxElites` solutions; QDO-ES keeps one elite per cell of a 7 x 7 sliding-boundaries
 * archive over the behaviour space of qdo/behaviour.ts. Offspring come from qdo/emitter.ts in batches; the
 * budget is `budgetPerMember` x pool size evaluations (default 50 x, GES's budget at 50 rounds). The result is
 * the merged elites (summed count vectors) when that beats the best elite, else the best elite.
 */
import type { Labels, Metric } from '../metrics/types.js';
import { Rng } from '../util/random.js';
import { createKernel, type LossKernel } from './kernels.js';
import {
  checkOptionNames,
  checkProblem,
  choiceOption,
  constantLoss,
  deadlineOf,
  intOption,
  memberLosses,
  prunePool,
  weightedAverage,
} from './pool.js';
import { QualityArchive, SlidingBoundariesArchive, type AddStatus, type Archive, type Elite } from './qdo/archive.js';
import { configSimilarityMatrix, lossCorrelationMatrix, meanPairwise } from './qdo/behaviour.js';
import { DiscreteEmitter, type Crossover } from './qdo/emitter.js';
import type { Candidate, SelectionResult, Selector, SelectorOptions } from './types.js';

export interface QdoOptions extends SelectorOptions {
  /** Evaluations = budgetPerMember x pool size. Default 50. */
  readonly budgetPerMember?: number;
  /** Offspring per batch. Default 20. */
  readonly batchSize?: number;
  /** QO-ES population size; QDO-ES uses bins x bins cells. Default 49. */
  readonly maxElites?: number;
  /** QDO-ES bins per behaviour dimension. Default 7. */
  readonly bins?: number;
  /** 'average' (default) or 'two-point'. */
  readonly crossover?: Crossover;
  /** Pool size: the best N candidates that beat the constant predictor. Default 50. */
  readonly maxPool?: number;
}

const OPTION_NAMES = ['budgetPerMember', 'batchSize', 'maxElites', 'bins', 'crossover', 'maxPool'] as const;

export interface QdoRun {
  readonly result: SelectionResult;
  /** Final archive: elites with their behaviour (pool-index count vectors). */
  readonly elites: readonly Elite[];
  /** Kernel member index of each pool position. */
  readonly pool: readonly number[];
  readonly evaluations: number;
}

/** Runs QO-ES (`diversity` false) or QDO-ES (`diversity` true) and returns the selection plus its archive. */
export function runPopulationSearch(
  candidates: readonly Candidate[],
  y: Labels,
  metric: Metric,
  options: QdoOptions,
  diversity: boolean,
): QdoRun {
  const method = diversity ? 'qdo-es' : 'qo-es';
  checkOptionNames(method, options, OPTION_NAMES);
  const budgetPerMember = intOption(options, 'budgetPerMember', 50);
  const batchSize = intOption(options, 'batchSize', 20);
  const maxElites = intOption(options, 'maxElites', 49);
  const bins = intOption(options, 'bins', 7);
  const maxPool = intOption(options, 'maxPool', 50);
  const crossover = choiceOption<Crossover>(options, 'crossover', ['average', 'two-point'], 'average');
  const shape = checkProblem(candidates, y, metric);
  const predictions = candidates.map((c) => c.predictions);
  const kernel = createKernel(predictions, y, shape.k, metric);
  const pool = prunePool(memberLosses(kernel, candidates.length), constantLoss(y, shape, metric), maxPool);
  const m = pool.length;

  const behaviourOf = diversity ? behaviourFunction(candidates, pool, y, shape.k) : () => [0, 0] as const;
  const archive: Archive = diversity ? new SlidingBoundariesArchive(bins, m, m + batchSize) : new QualityArchive(maxElites);
  const rng = new Rng(options.seed ?? 0);
  const emitter = new DiscreteEmitter(m, archive, rng, crossover);
  const evaluate = solutionLoss(kernel, pool);

  const budget = budgetPerMember * m;
  const deadline = deadlineOf(options);
  let evaluations = 0;
  let stoppedAtDeadline = false;
  const trajectory: number[] = [];
  while (evaluations < budget) {
    if (evaluations > 0 && Date.now() > deadline) {
      stoppedAtDeadline = true;
      break;
    }
    const proposals = emitter.ask(Math.min(batchSize, budget - evaluations));
    if (proposals.length === 0) break;
    const statuses: AddStatus[] = proposals.map((p) => archive.add({ counts: p.counts, loss: evaluate(p.counts), behaviour: behaviourOf(p.counts) }));
    evaluations += proposals.length;
    emitter.tell(proposals, statuses);
    trajectory.push(archive.best()!.loss);
  }

  const elites = archive.elites();
  const bestElite = archive.best()!;
  const merged = new Int32Array(m);
  for (const e of elites) for (let p = 0; p < m; p++) merged[p]! += e.counts[p]!;
  const mergedLoss = evaluate(merged);
  const useMerged = mergedLoss < bestElite.loss;
  const counts = useMerged ? merged : bestElite.counts;
  trajectory.push(useMerged ? mergedLoss : bestElite.loss);

  const chosen: number[] = [];
  let total = 0;
  for (let p = 0; p < m; p++) {
    if (counts[p]! > 0) {
      chosen.push(p);
      total += counts[p]!;
    }
  }
  chosen.sort((a, b) => pool[a]! - pool[b]!);
  const weights = chosen.map((p) => counts[p]! / total);
  const averaged = weightedAverage(
    chosen.map((p) => predictions[pool[p]!]!),
    weights,
    shape.n * shape.k,
  );
  const result: SelectionResult = {
    method,
    combiner: { kind: 'weights', memberIds: chosen.map((p) => candidates[pool[p]!]!.id), weights },
    validationScore: metric.score(y, averaged, shape.k),
    trajectory,
    details: { poolSize: m, evaluations, elites: elites.length, mergedElites: useMerged ? 1 : 0, ...(stoppedAtDeadline ? { stoppedAtDeadline: 1 } : {}) },
  };
  return { result, elites, pool, evaluations };
}

/** Loss of a count vector over the pool. */
function solutionLoss(kernel: LossKernel, pool: readonly number[]): (counts: Int32Array) => number {
  const acc = new Float64Array(kernel.accLength);
  return (counts) => {
    acc.fill(0);
    let total = 0;
    for (let p = 0; p < counts.length; p++) {
      const c = counts[p]!;
      if (c > 0) {
        kernel.add(acc, pool[p]!, c);
        total += c;
      }
    }
    return kernel.loss(acc, total);
  };
}

/** The 2-D behaviour (loss correlation, config similarity) of a count vector. */
function behaviourFunction(
  candidates: readonly Candidate[],
  pool: readonly number[],
  y: Labels,
  k: number,
): (counts: Int32Array) => readonly [number, number] {
  const m = pool.length;
  const correlation = lossCorrelationMatrix(
    pool.map((j) => candidates[j]!.predictions),
    y,
    k,
  );
  const similarity = configSimilarityMatrix(
    pool.map((j) => candidates[j]!.config),
    pool.map((j) => candidates[j]!.family),
  );
  const members: number[] = [];
  return (counts) => {
    members.length = 0;
    for (let p = 0; p < m; p++) if (counts[p]! > 0) members.push(p);
    return [meanPairwise(correlation, m, members), meanPairwise(similarity, m, members)] as const;
  };
}

export const qoEsSelector: Selector = {
  name: 'qo-es',
  select: (candidates, y, metric, options = {}) => runPopulationSearch(candidates, y, metric, options, false).result,
};

export const qdoEsSelector: Selector = {
  name: 'qdo-es',
  select: (candidates, y, metric, options = {}) => runPopulationSearch(candidates, y, metric, options, true).result,
};
