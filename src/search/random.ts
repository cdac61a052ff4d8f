import { proposalKey, sampleUnseen } from './config.js';
import { askRng, OutcomeLog } from './history.js';
import type { SearchSpace } from './space.js';
import type { Proposer, TrialOutcome, TrialProposal } from './types.js';

export interface RandomSearchOptions {
  readonly seed?: number;
}

/**
 * Random search: each proposal picks a family uniformly, then each active parameter uniformly (log-uniformly for
 * `log` parameters). Never repeats a told or pending configuration.
 */
export class RandomProposer implements Proposer {
  readonly name = 'random';
  private readonly log = new OutcomeLog();
  private readonly seed: number;

  constructor(
    private readonly space: SearchSpace,
    options: RandomSearchOptions = {},
  ) {
    this.seed = options.seed ?? 0;
  }

  async ask(n: number, pending: readonly TrialProposal[] = []): Promise<TrialProposal[]> {
    const rng = askRng(this.seed, this.log.size, pending.length);
    const seen = this.log.seenKeys(pending);
    const out: TrialProposal[] = [];
    for (let i = 0; i < n; i++) {
      const p = sampleUnseen(this.space, rng, seen);
      if (p === undefined) break;
      out.push(p);
      seen.add(proposalKey(p));
    }
    return out;
  }

  tell(outcomes: readonly TrialOutcome[]): void {
    this.log.add(outcomes);
  }
}
