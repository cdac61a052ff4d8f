import { makeForestFamily } from './forest-family.js';

/** `random_forest`: Breiman's forest (bootstrap, per-split feature sampling, best thresholds) on our tree engine. */
export const randomForestFamily = makeForestFamily(
  'random_forest',
  'Random forest (own engine: bootstrap, per-split mtry, gini/entropy/MSE)',
  false,
);
