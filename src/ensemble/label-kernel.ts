/** Label-metric kernel: accuracy, balanced accuracy, F1 and macro F1 from argmax counts of the running sum. */
import type { Labels, Predictions } from '../metrics/types.js';
import { addScaled, type LossKernel } from './kernel-base.js';
import { balancedAccuracyFromCounts } from '../metrics/label-metrics.js';

export type LabelMetricName = 'accuracy' | 'balanced_accuracy' | 'f1' | 'f1_macro';

/** Label metrics: argmax of the summed rows (ties to the lower class), then per-class counts. acc: n x k sums. */
export class LabelKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path: string;
  private readonly truth: Int32Array;
  private readonly predicted: Int32Array;
  private readonly hit: Int32Array;
  constructor(
    private readonly members: readonly Predictions[],
    private readonly y: Labels,
    private readonly k: number,
    private readonly metricName: LabelMetricName,
  ) {
    this.nRows = y.length;
    this.accLength = this.nRows * k;
    this.path = metricName;
    this.truth = new Int32Array(k);
    for (let i = 0; i < this.nRows; i++) this.truth[y[i]!]!++;
    this.predicted = new Int32Array(k);
    this.hit = new Int32Array(k);
  }
  add(acc: Float64Array, member: number, times: number): void {
    addScaled(acc, this.members[member]!, times);
  }
  loss(acc: Float64Array, _total: number): number {
    return this.count(acc, null);
  }
  lossWithMember(acc: Float64Array, _total: number, member: number): number {
    return this.count(acc, this.members[member]!);
  }
  private count(acc: Float64Array, m: Predictions | null): number {
    const { nRows: n, k, y, predicted, hit } = this;
    predicted.fill(0);
    hit.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * k;
      let best = 0;
      let bestValue = m === null ? acc[base]! : acc[base]! + m[base]!;
      for (let c = 1; c < k; c++) {
        const v = m === null ? acc[base + c]! : acc[base + c]! + m[base + c]!;
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      predicted[best]!++;
      if (best === y[i]) hit[best]!++;
    }
    return -this.scoreFromCounts();
  }
  private scoreFromCounts(): number {
    const { k, truth, predicted, hit } = this;
    switch (this.metricName) {
      case 'accuracy': {
        let correct = 0;
        for (let c = 0; c < k; c++) correct += hit[c]!;
        return correct / this.nRows;
      }
      case 'balanced_accuracy':
        return balancedAccuracyFromCounts(truth, hit, k);
      case 'f1':
        return classF1(truth[1]!, predicted[1]!, hit[1]!);
      case 'f1_macro': {
        let sum = 0;
        let present = 0;
        for (let c = 0; c < k; c++) {
          if (truth[c]! > 0 || predicted[c]! > 0) {
            sum += classF1(truth[c]!, predicted[c]!, hit[c]!);
            present++;
          }
        }
        return sum / present;
      }
    }
  }
}

function classF1(truth: number, predicted: number, hit: number): number {
  const denominator = truth + predicted;
  return denominator === 0 ? 0 : (2 * hit) / denominator;
}
