import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import type { Proposer, TrialOutcome, TrialProposal } from '../../src/search/types.js';

/** Plugin module URLs of the test-only families (compiled next to this file's directory). */
export const SIMPLE_FAMILIES = new URL('../fixtures/families/simple.js', import.meta.url).href;
export const FAULTY_FAMILIES = new URL('../fixtures/families/faulty.js', import.meta.url).href;

/** Root of the checkout (dist/test/training -> ../../..), where ../shared/datasets is found. */
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function loadShared(name: string): Dataset {
  return loadDatasetFile(`${projectRoot}../shared/datasets/${name}.arff`);
}

/**
 * Proposes a fixed list in order. Trial t gets list[t]: the next index is the number of trials the proposer
 * knows of (told + pending), so a fresh instance told a resumed run's outcomes continues where the run was.
 */
export class FixedListProposer implements Proposer {
  readonly name = 'fixed-list';
  readonly told: TrialOutcome[] = [];
  readonly asks: Array<{ n: number; pending: number }> = [];

  constructor(private readonly list: readonly TrialProposal[]) {}

  async ask(n: number, pending: readonly TrialProposal[] = []): Promise<TrialProposal[]> {
    this.asks.push({ n, pending: pending.length });
    const start = this.told.length + pending.length;
    return this.list.slice(start, start + n);
  }

  tell(outcomes: readonly TrialOutcome[]): void {
    this.told.push(...outcomes);
  }
}

/**
 * A proposer whose every proposal depends on all outcomes told so far, in order (a rolling hash of their
 * statuses and losses): if the run loop told outcomes in a timing-dependent order, its proposals would change.
 * Mixes `knn` (real predictions) with `spin` trials of varied length (so trials finish out of order).
 */
export class AdaptiveProposer implements Proposer {
  readonly name = 'adaptive-test';
  private readonly told: TrialOutcome[] = [];

  constructor(private readonly seed: number, private readonly spinMs: readonly [number, number] = [40, 260]) {}

  async ask(n: number, pending: readonly TrialProposal[] = []): Promise<TrialProposal[]> {
    let h = (this.seed ^ 0x9e3779b9) >>> 0;
    for (const o of this.told) {
      const loss = o.loss === undefined ? 0 : Math.floor(o.loss * 1e9);
      h = (Math.imul(h ^ o.trialId ^ (o.status === 'done' ? 1 : 2), 0x01000193) + (loss >>> 0)) >>> 0;
    }
    const out: TrialProposal[] = [];
    for (let i = 0; i < n; i++) {
      const index = this.told.length + pending.length + i;
      const r = Math.imul(h ^ index, 0x2c1b3c6d) >>> 7;
      if (index % 3 === 1) {
        const [lo, hi] = this.spinMs;
        out.push({ family: 'spin', config: { ms: lo + (r % (hi - lo + 1)), salt: r % 1000 } });
      } else {
        out.push({ family: 'knn', config: { neighbours: 1 + (r % 15) } });
      }
    }
    return out;
  }

  tell(outcomes: readonly TrialOutcome[]): void {
    this.told.push(...outcomes);
  }
}
