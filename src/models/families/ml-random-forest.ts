import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { takeRows, type Dataset } from '../../data/dataset.js';
import { holdout } from '../../data/split.js';
import { fitDenseEncoder } from '../../preprocess/dense-encoder.js';
import { deriveSeed, Rng } from '../../util/random.js';
import { resolveConfig, schemaDefaults, throwIfAborted, yieldToEventLoop } from '../config.js';
import type { Config, FitContext, FittedMember, MemberFamily } from '../types.js';
import { setCartSplitDedup } from './ml-cart-speedup.js';
import { loadMlrf, MlrfMember } from './ml-random-forest-member.js';
import type { ForestJson } from './ml-random-forest-trees.js';

/**
 * `ml_random_forest`: the `ml-random-forest` package (CART trees by ml-cart) as a member family, for SMALL data.
 *
 * The package has sharp edges this wrapper keeps away from users:
 * - training is quadratic in rows (every candidate threshold rescans the node), so at most `max_rows` rows
 *   (default 1,000, at most 4,000) are used: a seeded random sample, stratified by class for classification.
 *   Rough cost on this machine: 0.3 s per tree at 1,000 rows x 10 features, 1.3 s at 2,000 rows.
 * - its `maxSamples` takes the first rows, not a sample: never used (the row cap above samples instead);
 * - its `maxFeatures` draws one feature subset per tree (not per split), with replacement by default:
 *   replacement is always off here, and `max_features` is the fraction of encoded columns per tree;
 * - its out-of-bag step crashes on small forests ("input must not be empty"): always disabled;
 * - its `predictProbability` gives rounded vote shares: probabilities here are the mean of the trees' leaf
 *   class distributions (as scikit-learn), read from the package's own model JSON.
 * - its threshold search repeats identical candidates on few-valued (e.g. one-hot) columns: deduplicated by
 *   `setCartSplitDedup` (same trees, much faster; see ml-cart-speedup.ts).
 * Trees are trained one at a time (each a one-tree forest with its own derived seed, merged afterwards), so
 * the fit checks the abort signal between trees and stops growing at its deadline (keeping the trees so far). The serialized state is the package's `toJSON()` format
 * (loadable by `RandomForestClassifier.load` / `RandomForestRegression.load`), and predictions are computed
 * from it by a compiled flat-array traversal with the package's split rule (`x < threshold` goes left).
 * Inputs: DenseEncoder without scaling (median imputation, missing indicators, one-hot).
 */
const FAMILY = 'ml_random_forest';

const SCHEMA = {
  n_estimators: { kind: 'number', default: 50, min: 1, max: 1000, integer: true, doc: 'trees' },
  max_features: { kind: 'number', default: 0.7, min: 0.01, max: 1, doc: 'fraction of encoded columns per tree' },
  max_depth: { kind: 'number', default: 12, min: 1, max: 64, integer: true, doc: 'tree depth cap' },
  min_samples: { kind: 'number', default: 3, min: 1, max: 1000, integer: true, doc: 'nodes this small become leaves' },
  bootstrap: { kind: 'boolean', default: true, doc: 'bootstrap rows per tree' },
  max_rows: { kind: 'number', default: 1000, min: 10, max: 4000, integer: true, doc: 'row cap (seeded sample)' },
} as const;

type Params = ReturnType<typeof resolveParams>;
const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

async function fitMlrf(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> {
  const params = resolveParams(config);
  throwIfAborted(ctx.signal, FAMILY);
  setCartSplitDedup(true);
  const sample = sampleRows(train, params.max_rows, deriveSeed(ctx.seed, 1));
  const encoder = fitDenseEncoder(sample, { standardize: false });
  const encoded = encoder.transform(sample);
  const rows = toRowArrays(encoded, sample.nRows, encoder.width);
  const labels = Array.from(sample.target.kind === 'classes' ? sample.target.codes : sample.target.values);
  const classification = sample.target.kind === 'classes';
  const nOutputs = sample.target.kind === 'classes' ? sample.target.classes.length : 1;
  const trees: ForestJson[] = [];
  for (let t = 0; t < params.n_estimators; t++) {
    throwIfAborted(ctx.signal, FAMILY);
    const options = packageOptions(params, encoder.width, deriveSeed(ctx.seed, 2, t) >>> 1);
    const forest = classification ? new RandomForestClassifier(options) : new RandomForestRegression(options);
    forest.train(rows, labels);
    trees.push(plainJson(forest.toJSON()) as ForestJson);
    await yieldToEventLoop();
    // Anytime: past the fold's deadline the trees so far are the forest (as the own tree engine does).
    if (Date.now() > ctx.deadline) {
      ctx.log?.(`${FAMILY}: deadline reached after ${trees.length} of ${params.n_estimators} trees; keeping them`);
      break;
    }
  }
  throwIfAborted(ctx.signal, FAMILY);
  return new MlrfMember(train.task, nOutputs, encoder, mergeForests(trees));
}

/** Options for a one-tree forest of the package (never its OOB step, feature replacement or maxSamples). */
function packageOptions(params: Params, width: number, seed: number) {
  // The package reads maxFeatures in (0, 1] as a fraction and floors width * fraction; an integer 1 would also
  // mean "all". Ask for round(fraction * width) columns (at least 1) by a fraction that floors to exactly that.
  const count = Math.min(width, Math.max(1, Math.round(params.max_features * width)));
  const maxFeatures = count >= width ? 1 : (count + 0.5) / width;
  return {
    nEstimators: 1,
    maxFeatures,
    replacement: false,
    useSampleBagging: params.bootstrap,
    noOOB: true,
    seed,
    treeOptions: { maxDepth: params.max_depth, minNumSamples: params.min_samples },
  };
}

/** At most `cap` rows: a seeded sample (stratified by class for classification), in original row order. */
function sampleRows(train: Dataset, cap: number, seed: number): Dataset {
  if (train.nRows <= cap) return train;
  const dropFraction = 1 - cap / train.nRows;
  const keep =
    train.target.kind === 'classes'
      ? holdout(train.nRows, dropFraction, seed, train.target.codes).train
      : new Rng(seed).permutation(train.nRows).slice(0, cap).sort();
  return takeRows(train, keep);
}

function toRowArrays(X: Float64Array, n: number, d: number): number[][] {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(X.subarray(i * d, (i + 1) * d));
  return rows;
}

/** Concatenate one-tree forests into one model in the package's format. */
function mergeForests(forests: ForestJson[]): ForestJson {
  const first = forests[0]!;
  return {
    ...first,
    baseModel: {
      ...first.baseModel,
      nEstimators: forests.length,
      seed: first.baseModel.seed,
      indexes: forests.map((f) => f.baseModel.indexes[0]!),
      estimators: forests.map((f) => f.baseModel.estimators[0]!),
    },
  };
}

/** The model as plain JSON data (ml-matrix leaf distributions become nested arrays). */
function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

export const mlRandomForestFamily: MemberFamily = {
  name: FAMILY,
  description: 'ml-random-forest (CART) wrapped for small data: seeded row cap, per-tree feature subsets, leaf-distribution probabilities',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitMlrf,
  load: loadMlrf,
  // Measured default fits (50 trees on at most 1,000 sampled rows): 2.2 s (diabetes) to 17 s (segment).
  estimateFitSeconds: ({ rows, features }) => ((1 + 0.25 * features) * Math.min(rows, 1000)) / 1000,
};

export const mlRandomForestSchema = SCHEMA;
