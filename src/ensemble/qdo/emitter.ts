/**
 * Offspring for Q(D)O-ES in the discrete weight space (count vectors over the pool), after Purucker et al. 2023:
 * - first, every single-member solution (the initial population);
 * - then per offspring, with probability pCrossover: two parents, crossover ('average': ceil of the mean counts;
 *   'two-point': swap the middle segment of the parents' union of members, two children), each child mutated
 *   with probability pMutationAfterCrossover; otherwise one parent mutated.
 * - mutation: +1 (plus the emergency step) to one random member's count;
 * - parent selection: a random elite with probability pRandomElite, else the best elite;
 * - a proposal whose normalized weights were proposed before is rejected; after 50 rejections in one batch the
 *   mutation step grows by one (and after 50 crossover rejections, mutation after crossover becomes certain).
 * Adaptive probabilities: each pair of choices (crossover or not; mutation after crossover or not; random or best
 * parent) is set from the success rates (offspring that entered the archive) of its two options over the last
 * 10 batches: p = rate1 / (rate1 + rate2), clipped to [0.1, 0.9] ([0.05, 0.95] for the parent choice). The
 * reference implementation compares mean objective values instead; success rates do not depend on the sign or
 * scale of the metric's loss.
 */
import type { Rng } from '../../util/random.js';
import type { AddStatus, Archive, Elite } from './archive.js';

export type Crossover = 'average' | 'two-point';
type Origin = 'init' | 'mutation' | 'crossover-mutation' | 'crossover';
type ParentOrigin = 'init' | 'random' | 'best';

export interface Proposal {
  readonly counts: Int32Array;
  readonly origin: Origin;
  readonly parent: ParentOrigin;
}

const MAX_REJECTS = 50;
const HISTORY = 10;

/** Key of a count vector's normalized weights (counts divided by their gcd), for duplicate rejection. */
export function weightKey(counts: Int32Array): string {
  let g = 0;
  for (let j = 0; j < counts.length; j++) if (counts[j]! > 0) g = gcd(g, counts[j]!);
  const parts: string[] = [];
  for (let j = 0; j < counts.length; j++) if (counts[j]! > 0) parts.push(`${j}:${counts[j]! / g}`);
  return parts.join(',');
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

interface Tally {
  tries: number;
  successes: number;
}

export class DiscreteEmitter {
  private readonly seen = new Set<string>();
  private readonly initQueue: Int32Array[] = [];
  private pCrossover = 0.5;
  private pMutationAfterCrossover = 0.5;
  private pRandomElite = 0.5;
  private readonly history: Record<string, Tally>[] = [];
  private emergencyStep = 0;
  private forcedMutation = false;

  constructor(
    private readonly poolSize: number,
    private readonly archive: Archive,
    private readonly rng: Rng,
    private readonly crossover: Crossover,
  ) {
    for (let j = 0; j < poolSize; j++) {
      const counts = new Int32Array(poolSize);
      counts[j] = 1;
      this.initQueue.push(counts);
      this.seen.add(weightKey(counts));
    }
  }

  /** Up to `size` new proposals (fewer only when the neighbourhood is exhausted). */
  ask(size: number): Proposal[] {
    const out: Proposal[] = [];
    let rejects = 0;
    let crossoverRejects = 0;
    let attempts = 0;
    this.emergencyStep = 0;
    this.forcedMutation = false;
    while (out.length < size && attempts < size * 200) {
      attempts++;
      const init = this.initQueue.shift();
      if (init !== undefined) {
        out.push({ counts: init, origin: 'init', parent: 'init' });
        continue;
      }
      if (this.archive.size === 0) break;
      const useCrossover = this.archive.size >= 2 && this.rng.next() < this.pCrossover;
      const children = useCrossover ? this.crossoverChildren() : [this.mutationChild()];
      for (const child of children) {
        if (child === null || out.length >= size) continue;
        const key = weightKey(child.counts);
        if (this.seen.has(key)) {
          rejects++;
          if (child.origin === 'crossover') crossoverRejects++;
          continue;
        }
        this.seen.add(key);
        out.push(child);
      }
      if (rejects >= MAX_REJECTS) {
        rejects = 0;
        this.emergencyStep++;
      }
      if (crossoverRejects >= MAX_REJECTS) {
        crossoverRejects = 0;
        this.forcedMutation = true;
      }
    }
    return out;
  }

  /** Archive outcomes of the last batch's proposals, in order: updates the adaptive probabilities. */
  tell(proposals: readonly Proposal[], statuses: readonly AddStatus[]): void {
    const tally: Record<string, Tally> = {};
    const count = (name: string, success: boolean): void => {
      const t = (tally[name] ??= { tries: 0, successes: 0 });
      t.tries++;
      if (success) t.successes++;
    };
    proposals.forEach((p, i) => {
      if (p.origin === 'init') return;
      const success = statuses[i]! > 0;
      count(p.origin === 'mutation' ? 'without-crossover' : 'with-crossover', success);
      if (p.origin !== 'mutation') count(p.origin === 'crossover' ? 'crossover-only' : 'crossover-mutation', success);
      count(p.parent, success);
    });
    this.history.push(tally);
    if (this.history.length > HISTORY) this.history.shift();
    this.pCrossover = this.adapt(this.pCrossover, 'with-crossover', 'without-crossover', 0.1, 0.9);
    this.pMutationAfterCrossover = this.adapt(this.pMutationAfterCrossover, 'crossover-mutation', 'crossover-only', 0.1, 0.9);
    this.pRandomElite = this.adapt(this.pRandomElite, 'random', 'best', 0.05, 0.95);
  }

  private adapt(current: number, first: string, second: string, low: number, high: number): number {
    const a = { tries: 0, successes: 0 };
    const b = { tries: 0, successes: 0 };
    for (const h of this.history) {
      a.tries += h[first]?.tries ?? 0;
      a.successes += h[first]?.successes ?? 0;
      b.tries += h[second]?.tries ?? 0;
      b.successes += h[second]?.successes ?? 0;
    }
    if (a.tries <= 2 || b.tries <= 2) return current;
    const eps = 1e-9;
    const ra = a.successes / a.tries;
    const rb = b.successes / b.tries;
    return Math.min(high, Math.max(low, (ra + eps) / (ra + rb + 2 * eps)));
  }

  private selectParent(): { elite: Elite; origin: ParentOrigin } {
    if (this.rng.next() < this.pRandomElite) return { elite: this.archive.random(this.rng)!, origin: 'random' };
    return { elite: this.archive.best()!, origin: 'best' };
  }

  private mutate(counts: Int32Array): Int32Array {
    const child = counts.slice();
    let only = -1;
    let distinct = 0;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j]! > 0) {
        distinct++;
        only = j;
      }
    }
    let j = this.rng.int(this.poolSize);
    // Adding to the only member of a single-member solution would give the same weights.
    if (distinct === 1 && j === only && this.poolSize > 1) j = (j + 1 + this.rng.int(this.poolSize - 1)) % this.poolSize;
    child[j]! += 1 + this.emergencyStep;
    return child;
  }

  private mutationChild(): Proposal {
    const parent = this.selectParent();
    return { counts: this.mutate(parent.elite.counts), origin: 'mutation', parent: parent.origin };
  }

  private crossoverChildren(): (Proposal | null)[] {
    const first = this.selectParent();
    let second = this.selectParent();
    if (second.elite === first.elite) {
      const others = this.archive.elites().filter((e) => e !== first.elite);
      second = { elite: others[this.rng.int(others.length)]!, origin: 'random' };
    }
    const parent: ParentOrigin = first.origin === 'best' || second.origin === 'best' ? 'best' : 'random';
    const children = this.crossover === 'two-point'
      ? twoPoint(first.elite.counts, second.elite.counts, this.rng)
      : [average(first.elite.counts, second.elite.counts)];
    return children.map((counts) => {
      if (this.forcedMutation || this.rng.next() < this.pMutationAfterCrossover) {
        return { counts: this.mutate(counts), origin: 'crossover-mutation' as const, parent };
      }
      return { counts, origin: 'crossover' as const, parent };
    });
  }
}

function average(a: Int32Array, b: Int32Array): Int32Array {
  return Int32Array.from(a, (v, j) => Math.ceil((v + b[j]!) / 2));
}

/** Two-point crossover over the union of both parents' members; falls back to averaging below 3 members. */
function twoPoint(a: Int32Array, b: Int32Array, rng: Rng): Int32Array[] {
  const union: number[] = [];
  for (let j = 0; j < a.length; j++) if (a[j]! > 0 || b[j]! > 0) union.push(j);
  if (union.length < 3) return [average(a, b)];
  let p = rng.int(union.length);
  let q = rng.int(union.length - 1);
  if (q >= p) q++;
  if (p > q) [p, q] = [q, p];
  const c1 = a.slice();
  const c2 = b.slice();
  for (let s = p; s < q; s++) {
    const j = union[s]!;
    c1[j] = b[j]!;
    c2[j] = a[j]!;
  }
  const children = [c1, c2].filter((c) => c.some((v) => v > 0));
  return children.length > 0 ? children : [average(a, b)];
}
