import { proposalKey, sampleUnseen } from './config.js';
import { CostModel, type CostPrior } from './cost.js';
import { askRng, OutcomeLog } from './history.js';
import { restrictSpace, type SearchSpace } from './space.js';
import type { AskContext, Proposer, TrialOutcome, TrialProposal } from './types.js';

export interface RandomSearchOptions {
  readonly seed?: number;
  /** Prior seconds of a trial of each family (see cost.ts): families predicted not to fit are not drawn. */
  readonly costPrior?: CostPrior;
}

/**
 * Random search: each proposal picks a family uniformly among those predicted to fit in the time left (cost.ts),
 * then each active parameter uniformly (log-uniformly for `log` parameters). Never repeats a told or pending
 * configuration.
 */
export class RandomProposer implements Proposer {
  readonly name = 'random';
  private readonly log = new OutcomeLog();
  private readonly seed: number;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: RandomSearchOptions = {},
  ) {
    this.seed = options.seed ?? 0;
  }

  async ask(n: number, pending: readonly TrialProposal[] = [], context?: AskContext): Promise<TrialProposal[]> {
    const rng = askRng(this.seed, this.log.size, pending.length);
    const seen = this.log.seenKeys(pending);
    const feasible = new CostModel(this.log.outcomes, this.options.costPrior, context?.trialLimit ?? Infinity).feasibleFamilies(this.space, context);
    if (feasible.length === 0) return [];
    const space = feasible.length === this.space.families.length ? this.space : restrictSpace(this.space, feasible);
    const out: TrialProposal[] = [];
    for (let i = 0; i < n; i++) {
      const p = sampleUnseen(space, rng, seen);
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
