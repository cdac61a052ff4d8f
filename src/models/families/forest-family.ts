import type { Dataset, Task } from '../../data/dataset.js';
import { fitTreeEncoder } from '../../preprocess/tree-encoder.js';
import { ConfigError } from '../../util/errors.js';
import { resolveConfig, schemaDefaults, type ResolvedConfig } from '../config.js';
import { runSteps } from '../trees/fit-loop.js';
import { ForestTrainer } from '../trees/forest.js';
import { loadTreeMember, TreeMember } from '../trees/member.js';
import type { Config, FitContext, FittedMember, MemberFamily, SerializedMember } from '../types.js';

/**
 * Shared implementation of the `random_forest` and `extra_trees` families on the forest engine
 * (src/models/trees/forest.ts). They differ in defaults only: extra trees draw random thresholds and use no
 * bootstrap by default. Keys and defaults: docs/members-trees.md.
 */
function forestSchema(bootstrap: boolean) {
  return {
    n_estimators: { kind: 'number', default: 100, min: 1, max: 100000, integer: true, doc: 'trees' },
    criterion: { kind: 'choice', default: 'gini', values: ['gini', 'entropy'], doc: 'classification impurity (regression: squared error)' },
    max_features: { kind: 'number', default: 0, min: 0, max: 1, doc: 'feature fraction per split; 0 = sqrt(d) for classification, all for regression' },
    max_depth: { kind: 'number', default: 0, min: 0, max: 1000, integer: true, doc: 'depth limit, 0 = none' },
    min_samples_leaf: { kind: 'number', default: 1, min: 1, max: 1e9, integer: true, doc: 'rows per leaf' },
    min_samples_split: { kind: 'number', default: 2, min: 2, max: 1e9, integer: true, doc: 'rows to split a node' },
    bootstrap: { kind: 'boolean', default: bootstrap, doc: 'bootstrap rows per tree' },
    max_samples: { kind: 'number', default: 1, min: 0.01, max: 1, doc: 'bootstrap size as a fraction of the rows' },
    max_bins: { kind: 'number', default: 255, min: 2, max: 255, integer: true, doc: 'bins per feature' },
  } as const;
}

export const RANDOM_FOREST_SCHEMA = forestSchema(true);
export const EXTRA_TREES_SCHEMA = forestSchema(false);
type ForestConfig = ResolvedConfig<typeof RANDOM_FOREST_SCHEMA>;

/** Features examined per split for d features. */
export function mtry(maxFeatures: number, d: number, classification: boolean): number {
  const m = maxFeatures > 0 ? Math.round(maxFeatures * d) : classification ? Math.floor(Math.sqrt(d)) : d;
  return Math.max(1, Math.min(d, m));
}

function makeFit(family: string, randomSplits: boolean, schema: typeof RANDOM_FOREST_SCHEMA) {
  return async (train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> => {
    const c: ForestConfig = resolveConfig(family, schema, config);
    const encoder = fitTreeEncoder(train);
    const X = encoder.transform(train);
    const classification = train.target.kind === 'classes';
    const k = train.target.kind === 'classes' ? train.target.classes.length : 0;
    if (classification && k < 2) throw new ConfigError(`${family}: classification needs at least 2 classes, got ${k}`);
    const y = train.target.kind === 'classes' ? train.target.codes : train.target.values;
    const trainer = new ForestTrainer(X, y, {
      nClasses: k,
      nTrees: c.n_estimators,
      maxFeatures: mtry(c.max_features, Math.max(X.columns.length, 1), classification),
      criterion: classification ? c.criterion : 'squared_error',
      maxDepth: c.max_depth > 0 ? c.max_depth : Infinity,
      minSamplesLeaf: c.min_samples_leaf,
      minSamplesSplit: c.min_samples_split,
      bootstrap: c.bootstrap,
      maxSamples: c.max_samples,
      randomSplits,
      maxBins: c.max_bins,
      seed: ctx.seed,
    });
    await runSteps(() => trainer.step(), ctx, family);
    const { trees } = trainer.finish();
    return new TreeMember(family, train.task, encoder, trees, { kind: 'forest' }, Math.max(k, 1), { trees: trees.roots.length });
  };
}

export function makeForestFamily(name: string, description: string, randomSplits: boolean): MemberFamily {
  const schema = randomSplits ? EXTRA_TREES_SCHEMA : RANDOM_FOREST_SCHEMA;
  return {
    name,
    description,
    defaults: schemaDefaults(schema),
    supports: (_task: Task) => true,
    fit: makeFit(name, randomSplits, schema),
    load: async (serialized: SerializedMember) => loadTreeMember(name, serialized),
    // Measured default fits (100 trees): 0.05 s (diabetes) to 11 s (diamonds regression, 43k rows, all features
    // per split): ~1.5 us per row x split candidate feature x log2(rows); random thresholds cost a little more.
    estimateFitSeconds: ({ rows, features, task }) =>
      0.02 + (randomSplits ? 1.8e-6 : 1.5e-6) * rows * (task === 'regression' ? features : Math.sqrt(features)) * Math.log2(rows + 1),
  };
}
