/**
 * Post hoc ensemble selection: the selector registry (one plain map) and the one function that applies a
 * selected ensemble to member predictions (used by the exported bundle and by `predict`).
 */
import { ConfigError } from '../util/errors.js';
import { singleBestSelector, topKSelector } from './baselines.js';
import { deuqSelector } from './deuq.js';
import { gesSelector } from './ges.js';
import { qdoEsSelector, qoEsSelector } from './qdo-es.js';
import { stackingSelector } from './stacking.js';
import type { Selector } from './types.js';

export type { Candidate, Combiner, SelectionResult, Selector, SelectorOptions, StackingModel } from './types.js';
export { greedyEnsembleSelection, greedyRounds } from './ges.js';
export { combinePredictions, combinerMemberWeights } from './combine.js';
export { runPopulationSearch } from './qdo-es.js';
export { stackingSelect } from './stacking.js';
export { createKernel, type LossKernel } from './kernels.js';

const SELECTORS: ReadonlyMap<string, Selector> = new Map<string, Selector>([
  ['single-best', singleBestSelector],
  ['top-k', topKSelector],
  ['ges', gesSelector],
  ['qo-es', qoEsSelector],
  ['qdo-es', qdoEsSelector],
  ['stacking', stackingSelector],
  ['deuq', deuqSelector],
]);

/** Names of all selectors, in registry order. */
export function selectorNames(): string[] {
  return [...SELECTORS.keys()];
}

/** The selector called `name`; ConfigError listing the valid names for an unknown one. */
export function getSelector(name: string): Selector {
  const selector = SELECTORS.get(name);
  if (selector === undefined) {
    throw new ConfigError(`unknown ensemble selector '${name}'; valid selectors: ${selectorNames().join(', ')}`);
  }
  return selector;
}

/** Every registered selector. */
export function listSelectors(): Selector[] {
  return [...SELECTORS.values()];
}
