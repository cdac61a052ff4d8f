/**
 * Realistic synthetic out-of-fold predictions for selector tests: members built from the REAL labels of shared
 * datasets, with member-specific skill, a shared per-row difficulty (so members' errors correlate, as real OOF
 * predictions do), group-level noise (families), individual noise, and some Float32 members (as the store keeps).
 */
import { loadDatasetFile } from '../../src/data/load.js';
import { targetLabels, type Task } from '../../src/data/dataset.js';
import type { Candidate } from '../../src/ensemble/types.js';
import type { Labels } from '../../src/metrics/types.js';
import { Rng } from '../../src/util/random.js';

export interface Problem {
  readonly name: string;
  readonly task: Task;
  readonly y: Labels;
  readonly k: number;
  readonly candidates: Candidate[];
}

const FAMILIES = ['gbdt', 'random_forest', 'linear'] as const;

function memberConfig(family: string, rng: Rng): Candidate['config'] {
  if (family === 'linear') return { l2: 10 ** rng.uniform(-3, 2), standardize: rng.next() < 0.5 };
  return {
    learning_rate: family === 'gbdt' ? 10 ** rng.uniform(-2, -0.5) : 0,
    max_depth: 2 + rng.int(10),
    criterion: rng.next() < 0.5 ? 'gini' : 'entropy',
  };
}

/** Loads a shared dataset's labels (and optionally keeps only the first `rows`). */
export function sharedLabels(file: string, rows?: number): { y: Labels; k: number; task: Task } {
  const dataset = loadDatasetFile(`../shared/datasets/${file}`);
  const all = targetLabels(dataset);
  const y = rows === undefined ? all : all.slice(0, rows);
  const k = dataset.target.kind === 'classes' ? dataset.target.classes.length : 1;
  return { y, k, task: dataset.task };
}

/** Classification members: softmax of (skill x one-hot(true class) + shared difficulty + group + own noise). */
export function classificationMembers(y: Int32Array, k: number, count: number, seed: number): Candidate[] {
  const rng = new Rng(seed);
  const n = y.length;
  const difficulty = Float64Array.from({ length: n * k }, () => rng.normal());
  const groupNoise = FAMILIES.map(() => Float64Array.from({ length: n * k }, () => rng.normal()));
  const out: Candidate[] = [];
  for (let j = 0; j < count; j++) {
    const g = j % FAMILIES.length;
    const skill = rng.uniform(0.5, 3);
    const shared = rng.uniform(0.3, 1.2);
    const own = rng.uniform(0.3, 1.5);
    const pred = j % 4 === 3 ? new Float32Array(n * k) : new Float64Array(n * k);
    const z = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        const at = i * k + c;
        z[c] = (c === y[i] ? skill : 0) + shared * difficulty[at]! + 0.7 * groupNoise[g]![at]! + own * rng.normal();
        max = Math.max(max, z[c]!);
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c]! - max));
      for (let c = 0; c < k; c++) pred[i * k + c] = z[c]! / sum;
    }
    out.push({ id: 100 + j, family: FAMILIES[g]!, config: memberConfig(FAMILIES[g]!, rng), predictions: pred });
  }
  return out;
}

/** Regression members: y + bias + (shared + group + own noise) x spread of y. */
export function regressionMembers(y: Float64Array, count: number, seed: number): Candidate[] {
  const rng = new Rng(seed);
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]! / n;
  let sd = 0;
  for (let i = 0; i < n; i++) sd += (y[i]! - mean) ** 2 / n;
  sd = Math.sqrt(sd);
  const difficulty = Float64Array.from({ length: n }, () => rng.normal());
  const groupNoise = FAMILIES.map(() => Float64Array.from({ length: n }, () => rng.normal()));
  const out: Candidate[] = [];
  for (let j = 0; j < count; j++) {
    const g = j % FAMILIES.length;
    const bias = rng.uniform(-0.2, 0.2) * sd;
    const shared = rng.uniform(0.1, 0.5);
    const own = rng.uniform(0.1, 0.8);
    const pred = j % 4 === 3 ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      pred[i] = y[i]! + bias + sd * (shared * difficulty[i]! + 0.3 * groupNoise[g]![i]! + own * rng.normal());
    }
    out.push({ id: 100 + j, family: FAMILIES[g]!, config: memberConfig(FAMILIES[g]!, rng), predictions: pred });
  }
  return out;
}

/** One problem per task from real labels: credit-g (binary), vehicle (multiclass), boston (regression). */
export function standardProblems(count = 16): Problem[] {
  const binary = sharedLabels('credit-g.arff', 600);
  const multi = sharedLabels('vehicle.arff', 600);
  const regression = sharedLabels('boston.arff');
  return [
    { name: 'credit-g', task: 'binary', y: binary.y, k: binary.k, candidates: classificationMembers(binary.y as Int32Array, binary.k, count, 1) },
    { name: 'vehicle', task: 'multiclass', y: multi.y, k: multi.k, candidates: classificationMembers(multi.y as Int32Array, multi.k, count, 2) },
    { name: 'boston', task: 'regression', y: regression.y, k: 1, candidates: regressionMembers(regression.y as Float64Array, count, 3) },
  ];
}
