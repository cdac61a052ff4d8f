import * as tf from '@tensorflow/tfjs';
import { GAUSSIAN_MIN_VARIANCE } from './network.js';

/**
 * Output heads: how a network's raw outputs become a loss, its gradient and a prediction. The trainer
 * (./train.ts) knows nothing of the task; a new kind of output (a Gaussian mean and log-variance, quantiles)
 * is one more implementation of this interface.
 *
 * Contract: tensors are row-major with the output columns last: `out` is [rows, width] or, for an ensemble
 * network, [members, rows, width]; `target` is [rows, targetWidth] and broadcasts over the members (so it is
 * never copied per member). `targets` turns the host-side targets into those rows. `rowLoss` and `rowGradient` are the
 * per-row loss of raw outputs and its exact gradient with respect to those outputs (no weighting, no mean:
 * the trainer weights and averages rows). `predict` maps raw outputs to the prediction space in which the
 * members of an ensemble network are averaged (probabilities, values); `predictionLoss` is the per-row loss
 * of such an (averaged) prediction, used for early stopping.
 */
export interface OutputHead {
  readonly name: string;
  /** Columns of the network's output layer. */
  readonly width: number;
  /** Columns of a target row. */
  readonly targetWidth: number;
  targets(data: HeadTargets): Float32Array;
  /** Loss per row: out's shape without the last axis. */
  rowLoss(out: tf.Tensor, target: tf.Tensor2D): tf.Tensor;
  /** d rowLoss / d out, out's shape. */
  rowGradient(out: tf.Tensor, target: tf.Tensor2D): tf.Tensor;
  predict(out: tf.Tensor): tf.Tensor;
  predictionLoss(prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D;
}

/** Host-side targets of n rows: class codes (classification) or row-major values (regression). */
export interface HeadTargets {
  readonly n: number;
  readonly labels?: Int32Array;
  readonly targets?: Float32Array;
}

/** Probabilities are clipped here before the log: an averaged prediction can round a class to 0. */
const MIN_PROBABILITY = 1e-12;

/** Softmax over `classes` logits, cross-entropy against one-hot targets. */
export function softmaxCrossEntropy(classes: number): OutputHead {
  return {
    name: 'softmax-cross-entropy',
    width: classes,
    targetWidth: classes,
    targets: (data) => {
      if (data.labels === undefined) throw new Error('softmax head: class labels expected');
      const oneHot = new Float32Array(data.n * classes);
      data.labels.forEach((c, i) => {
        if (!(c >= 0 && c < classes)) throw new Error(`softmax head: class code ${c} outside 0..${classes - 1}`);
        oneHot[i * classes + c] = 1;
      });
      return oneHot;
    },
    rowLoss: (out, target) => tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(out)), -1)),
    rowGradient: (out, target) => tf.sub(tf.softmax(out), target),
    predict: (out) => tf.softmax(out),
    predictionLoss: (p, target) => tf.neg(tf.log(tf.maximum(tf.sum(tf.mul(p, target), 1), MIN_PROBABILITY))) as tf.Tensor1D,
  };
}

/** Identity outputs, mean squared error over the `outputs` columns. */
export function squaredError(outputs: number): OutputHead {
  const rowLoss = (out: tf.Tensor, target: tf.Tensor): tf.Tensor => tf.mean(tf.squaredDifference(out, target), -1);
  return {
    name: 'squared-error',
    width: outputs,
    targetWidth: outputs,
    targets: (data) => {
      if (data.targets === undefined || data.targets.length !== data.n * outputs) {
        throw new Error(`squared-error head: ${data.n} x ${outputs} target values expected`);
      }
      return data.targets;
    },
    rowLoss,
    rowGradient: (out, target) => tf.mul(tf.sub(out, target), 2 / outputs),
    predict: (out) => out,
    predictionLoss: (prediction, target) => rowLoss(prediction, target) as tf.Tensor1D,
  };
}

/**
 * A Gaussian mean and variance per row (AutoDEUQ's members), trained by Gaussian negative log-likelihood:
 * outputs [mu, s], variance v = softplus(s) + GAUSSIAN_MIN_VARIANCE (as ./network.ts predicts it), loss
 * 0.5 (log v + (y - mu)^2 / v) with the constant dropped. Gradient: d/dmu = (mu - y) / v,
 * d/ds = 0.5 (1 / v - (y - mu)^2 / v^2) sigmoid(s). Predictions are [mu, v].
 */
export function gaussianNll(): OutputHead {
  const parts = (out: tf.Tensor): { mu: tf.Tensor; s: tf.Tensor } => {
    const [mu, s] = tf.split(out, 2, -1);
    return { mu: mu!, s: s! };
  };
  const variance = (s: tf.Tensor): tf.Tensor => tf.add(tf.softplus(s), GAUSSIAN_MIN_VARIANCE);
  const nll = (mu: tf.Tensor, v: tf.Tensor, target: tf.Tensor): tf.Tensor =>
    tf.squeeze(tf.mul(tf.add(tf.log(v), tf.div(tf.squaredDifference(mu, target), v)), 0.5), [-1]);
  return {
    name: 'gaussian-nll',
    width: 2,
    targetWidth: 1,
    targets: (data) => {
      if (data.targets === undefined || data.targets.length !== data.n) throw new Error(`gaussian head: ${data.n} target values expected`);
      return data.targets;
    },
    rowLoss: (out, target) => {
      const { mu, s } = parts(out);
      return nll(mu, variance(s), target);
    },
    rowGradient: (out, target) => {
      const { mu, s } = parts(out);
      const v = variance(s);
      const residual = tf.sub(mu, target);
      const dMu = tf.div(residual, v);
      const dS = tf.mul(tf.mul(tf.sub(tf.reciprocal(v), tf.div(tf.square(residual), tf.square(v))), 0.5), tf.sigmoid(s));
      return tf.concat([dMu, dS], -1);
    },
    predict: (out) => {
      const { mu, s } = parts(out);
      return tf.concat([mu, variance(s)], -1);
    },
    predictionLoss: (prediction, target) => {
      const [mu, v] = tf.split(prediction, 2, 1);
      return nll(mu!, v!, target) as tf.Tensor1D;
    },
  };
}

