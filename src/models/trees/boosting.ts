import type { TreeMatrix } from '../../preprocess/types.js';
import { Rng } from '../../util/random.js';
import { binMatrix, fitBinMapper, type BinMapper } from './binning.js';
import { GradientTreeGrower } from './gradient-grower.js';
import { initialScores, lossProbabilities, validationLoss, type BoostLoss } from './losses.js';
import { predictRawInto, TreeBuilder, type TreeArrays } from './predictor.js';
import { sampleWithoutReplacement, takeBinnedRows, trainValidationSplit } from './sampling.js';

export type { BoostLoss };

/** Gradient-boosting options (all required here; families and the low-level API fill defaults). */
export interface BoostParams {
  readonly loss: BoostLoss;
  /** Classes for 'softmax' (one tree per class per round); ignored otherwise. */
  readonly nClasses: number;
  readonly learningRate: number;
  /** Boosting rounds (upper bound with early stopping). */
  readonly nRounds: number;
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly minSamplesLeaf: number;
  readonly lambda: number;
  readonly minSplitGain: number;
  /** Fraction of training rows sampled (without replacement) per round. */
  readonly subsample: number;
  /** Fraction of features sampled per tree. */
  readonly colsample: number;
  readonly maxBins: number;
  readonly catSmooth: number;
  /** Hold out `validationFraction` of the rows (stratified for classification) and stop after `patience`
   *  rounds without improvement of the validation loss, keeping the best round. */
  readonly earlyStopping: boolean;
  readonly validationFraction: number;
  readonly patience: number;
  readonly seed: number;
}

/** A fitted boosted ensemble: raw score = init + sum of trees; probabilities through the loss's link. */
export interface BoostedModel {
  readonly loss: BoostLoss;
  readonly init: Float64Array;
  readonly trees: TreeArrays;
  /** Rounds kept (after early stopping). */
  readonly nRounds: number;
}

/** Minimum validation rows for early stopping; below it every round is trained. */
export const MIN_VALIDATION_ROWS = 20;

/**
 * Round-by-round trainer, so callers can check an AbortSignal or a deadline between rounds.
 * `y`: class codes (Int32Array) for 'log_loss' / 'softmax', values (Float64Array) for 'squared_error'.
 */
export class BoostingTrainer {
  readonly nOutputs: number;
  private readonly p: BoostParams;
  private readonly rng: Rng;
  private readonly builder: TreeBuilder;
  private readonly grower: GradientTreeGrower;
  private readonly mapper: BinMapper;
  private readonly trainBins: Uint8Array;
  private readonly validBins: Uint8Array | null;
  private readonly nTrain: number;
  private readonly nValid: number;
  private readonly yTrain: Float64Array;
  private readonly yValid: Float64Array;
  private readonly rawTrain: Float64Array;
  private readonly rawValid: Float64Array;
  private readonly init: Float64Array;
  private readonly g: Float64Array;
  private readonly h: Float64Array;
  private readonly prob: Float64Array;
  private readonly sample: Int32Array;
  private readonly perm: Int32Array;
  private readonly features: Int32Array;
  private readonly inSample: Uint8Array;
  private round = 0;
  private bestRound = -1;
  private bestLoss = Infinity;
  private done = false;

  constructor(X: TreeMatrix, y: Float64Array | Int32Array, params: BoostParams) {
    this.p = params;
    this.rng = new Rng(params.seed);
    const K = params.loss === 'softmax' ? params.nClasses : 1;
    this.nOutputs = K;
    const n = X.nRows;
    if (y.length !== n) throw new RangeError(`target length ${y.length} != rows ${n}`);
    if (n === 0) throw new RangeError('cannot train on zero rows');
    this.mapper = fitBinMapper(X, params.maxBins, params.seed);
    const d = this.mapper.nFeatures;
    const allBins = binMatrix(this.mapper, X);
    const classes = params.loss === 'squared_error' ? undefined : Int32Array.from(y);
    let trainRows: Int32Array | null = null;
    let validRows: Int32Array | null = null;
    if (params.earlyStopping && Math.round(params.validationFraction * n) >= MIN_VALIDATION_ROWS) {
      const split = trainValidationSplit(n, params.validationFraction, this.rng.fork(), classes);
      trainRows = split.train;
      validRows = split.valid;
    }
    this.nTrain = trainRows === null ? n : trainRows.length;
    this.nValid = validRows === null ? 0 : validRows.length;
    this.trainBins = trainRows === null ? allBins : takeBinnedRows(allBins, n, d, trainRows);
    this.validBins = validRows === null ? null : takeBinnedRows(allBins, n, d, validRows);
    const pick = (rows: Int32Array | null, count: number): Float64Array => {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = y[rows === null ? i : rows[i]!]!;
      return out;
    };
    this.yTrain = pick(trainRows, this.nTrain);
    this.yValid = validRows === null ? new Float64Array(0) : pick(validRows, this.nValid);
    this.init = initialScores(params.loss, this.yTrain, K);
    this.rawTrain = new Float64Array(this.nTrain * K);
    this.rawValid = new Float64Array(this.nValid * K);
    // Training-time scores and probabilities are CLASS-major (raw[k * n + i]): each tree reads and updates
    // one contiguous column instead of every K-th value.
    for (let k = 0; k < K; k++) {
      this.rawTrain.fill(this.init[k]!, k * this.nTrain, (k + 1) * this.nTrain);
      this.rawValid.fill(this.init[k]!, k * this.nValid, (k + 1) * this.nValid);
    }
    this.g = new Float64Array(this.nTrain);
    this.h = new Float64Array(this.nTrain);
    this.prob = new Float64Array(this.nTrain * K);
    this.sample = new Int32Array(this.nTrain);
    this.perm = new Int32Array(Math.max(this.nTrain, d));
    this.features = new Int32Array(d);
    this.inSample = new Uint8Array(this.nTrain);
    this.builder = new TreeBuilder(d, K, 1);
    this.grower = new GradientTreeGrower(toRowMajor(this.trainBins, this.nTrain, d), this.trainBins, this.nTrain, this.mapper, {
      lambda: params.lambda,
      minChildWeight: params.minChildWeight,
      minSamplesLeaf: Math.max(1, params.minSamplesLeaf),
      minSplitGain: params.minSplitGain,
      catSmooth: params.catSmooth,
      maxLeaves: params.maxLeaves,
      maxDepth: params.maxDepth,
      learningRate: params.learningRate,
    });
  }

  get roundsTrained(): number {
    return this.round;
  }

  /** Train one round (K trees); returns false once training is finished (rounds done or early stop). */
  step(): boolean {
    if (this.done) return false;
    const p = this.p;
    const K = this.nOutputs;
    const nTrain = this.nTrain;
    const d = this.mapper.nFeatures;
    let sample: Int32Array | null = null;
    let nSample = nTrain;
    if (p.subsample < 1) {
      nSample = Math.max(1, Math.floor(p.subsample * nTrain));
      sampleWithoutReplacement(nTrain, nSample, this.rng, this.perm, this.sample);
      sample = this.sample;
      this.inSample.fill(0);
      for (let i = 0; i < nSample; i++) this.inSample[sample[i]!] = 1;
    }
    lossProbabilities(p.loss, this.rawTrain, K, this.prob);
    for (let k = 0; k < K; k++) {
      let nActive = d;
      if (p.colsample < 1) {
        nActive = Math.max(1, Math.round(p.colsample * d));
        sampleWithoutReplacement(d, nActive, this.rng, this.perm, this.features);
      } else for (let f = 0; f < d; f++) this.features[f] = f;
      this.gradientsFor(k);
      const tree = this.builder.nTrees;
      const rawColumn = this.rawTrain.subarray(k * nTrain, (k + 1) * nTrain);
      this.grower.grow(this.builder, k, this.g, this.h, sample, nSample, this.features, nActive, rawColumn);
      if (sample !== null) this.addTreeToRows(tree, this.trainBins, nTrain, rawColumn, this.inSample);
      if (this.validBins !== null) {
        const validColumn = this.rawValid.subarray(k * this.nValid, (k + 1) * this.nValid);
        this.addTreeToRows(tree, this.validBins, this.nValid, validColumn, null);
      }
    }
    this.round++;
    if (this.validBins !== null) {
      const loss = validationLoss(p.loss, this.yValid, this.rawValid, K);
      if (this.bestRound < 0 || loss < this.bestLoss - 1e-12 * Math.abs(this.bestLoss)) {
        this.bestLoss = loss;
        this.bestRound = this.round;
      } else if (this.round - this.bestRound >= p.patience) this.done = true;
    }
    if (this.round >= p.nRounds) this.done = true;
    return !this.done;
  }

  /** Stop and pack the model (keeping the best round when early stopping was on). */
  finish(): BoostedModel {
    this.done = true;
    const keep = this.validBins !== null && this.bestRound > 0 ? this.bestRound : this.round;
    this.builder.truncate(keep * this.nOutputs);
    return { loss: this.p.loss, init: this.init.slice(), trees: this.builder.finish(), nRounds: keep };
  }

  private gradientsFor(k: number): void {
    const g = this.g;
    const h = this.h;
    const n = this.nTrain;
    if (this.p.loss === 'squared_error') {
      for (let i = 0; i < n; i++) {
        g[i] = this.rawTrain[i]! - this.yTrain[i]!;
        h[i] = 1;
      }
      return;
    }
    const prob = this.prob;
    const y = this.yTrain;
    if (this.p.loss === 'log_loss') {
      for (let i = 0; i < n; i++) {
        const pr = prob[i]!;
        g[i] = pr - y[i]!;
        h[i] = Math.max(pr * (1 - pr), 1e-16);
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const pr = prob[k * n + i]!;
      g[i] = pr - (y[i] === k ? 1 : 0);
      h[i] = Math.max(pr * (1 - pr), 1e-16);
    }
  }

  private addTreeToRows(tree: number, bins: Uint8Array, n: number, rawColumn: Float64Array, skip: Uint8Array | null): void {
    const b = this.builder;
    const root = b.rootOf(tree);
    for (let i = 0; i < n; i++) {
      if (skip !== null && skip[i] === 1) continue;
      rawColumn[i] += b.leafValue(b.leafOfBinned(root, bins, n, i));
    }
  }
}

/** Transpose a column-major binned matrix to row-major. */
function toRowMajor(bins: Uint8Array, n: number, d: number): Uint8Array {
  const out = new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const off = f * n;
    for (let i = 0; i < n; i++) out[i * d + f] = bins[off + i]!;
  }
  return out;
}

/** Train to completion (no abort checks): the synchronous path used by the low-level API. */
export function trainBoosting(X: TreeMatrix, y: Float64Array | Int32Array, params: BoostParams): BoostedModel {
  const t = new BoostingTrainer(X, y, params);
  while (t.step());
  return t.finish();
}

/** Raw scores n x K (init + trees). */
export function boostedRaw(model: BoostedModel, X: TreeMatrix): Float64Array {
  const K = model.trees.nOutputs;
  const out = new Float64Array(X.nRows * K);
  for (let i = 0; i < X.nRows; i++) for (let k = 0; k < K; k++) out[i * K + k] = model.init[k]!;
  predictRawInto(model.trees, X, out);
  return out;
}
