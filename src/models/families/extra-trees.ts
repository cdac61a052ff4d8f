import { makeForestFamily } from './forest-family.js';

/** `extra_trees`: extremely randomized trees (random thresholds, no bootstrap by default) on our tree engine. */
export const extraTreesFamily = makeForestFamily(
  'extra_trees',
  'Extra trees (own engine: random thresholds, per-split mtry, no bootstrap by default)',
  true,
);
