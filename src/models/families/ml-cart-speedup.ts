import { RandomForestRegression } from 'ml-random-forest';

/**
 * ml-cart (the trees of ml-random-forest) proposes a split threshold at every adjacent pair of sorted rows
 * whose labels differ, so a 0/1 or few-valued column yields hundreds of copies of the same threshold, each
 * rescanned in O(rows). On one-hot data that made a 20-tree forest on credit-g take a minute.
 *
 * This replaces `TreeNode.prototype.featureSplit` (not exported: reached through a trained node) with the same
 * procedure minus repeated thresholds. Trees are unchanged: candidates come out sorted, so copies are adjacent,
 * and `bestSplit` only replaces its best on a strictly better gain, so a copy could never win over the first
 * occurrence. test/models/ml-random-forest.test.ts checks that trees are identical with and without it.
 */
type FeatureSplit = (x: ArrayLike<number>, y: ArrayLike<number>) => number[];

interface TreeNodePrototype {
  featureSplit: FeatureSplit;
  splitFunction?: string;
}

let original: FeatureSplit | undefined;
let prototype: TreeNodePrototype | undefined;

function treeNodePrototype(): TreeNodePrototype {
  if (prototype !== undefined) return prototype;
  const probe = new RandomForestRegression({ nEstimators: 1, noOOB: true, useSampleBagging: false, seed: 1 });
  probe.train(
    [
      [0, 1],
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 1],
    ],
    [0, 1, 2, 3, 4],
  );
  const root = (probe as unknown as { estimators: { root: object }[] }).estimators[0]!.root;
  const proto = Object.getPrototypeOf(root) as TreeNodePrototype;
  if (typeof proto.featureSplit !== 'function') throw new Error('ml-cart changed: TreeNode.featureSplit not found');
  prototype = proto;
  return proto;
}

function dedupedFeatureSplit(this: TreeNodePrototype, x: ArrayLike<number>, y: ArrayLike<number>): number[] {
  if (this.splitFunction !== undefined && this.splitFunction !== 'mean') return original!.call(this, x, y);
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i);
  // Same ordering as ml-cart (stable sort by value), then the midpoint of each label change, skipping repeats.
  order.sort((a, b) => x[a]! - x[b]!);
  const splits: number[] = [];
  for (let i = 1; i < n; i++) {
    const a = order[i - 1]!;
    const b = order[i]!;
    if (y[a] !== y[b]) {
      const value = (x[a]! + x[b]!) / 2;
      if (splits.length === 0 || splits[splits.length - 1] !== value) splits.push(value);
    }
  }
  return splits;
}

/** Install (or with `enabled` false, remove) the deduplicated candidate search. Idempotent. */
export function setCartSplitDedup(enabled: boolean): void {
  const proto = treeNodePrototype();
  if (original === undefined) original = proto.featureSplit;
  proto.featureSplit = enabled ? dedupedFeatureSplit : original;
}
