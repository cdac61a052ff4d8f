/**
 * What every proposer keeps: the outcomes it was told, in order (a re-told trial id replaces the earlier record).
 * Everything else a proposer uses is recomputed from this list and its seed at each ask, which is what makes a
 * resumed run ask the same proposals as an uninterrupted one.
 */
import { deriveSeed, Rng } from '../util/random.js';
import type { TrialOutcome, TrialProposal } from './types.js';
import { proposalKey } from './config.js';

export class OutcomeLog {
  private readonly list: TrialOutcome[] = [];
  private readonly byId = new Map<number, number>();

  add(outcomes: readonly TrialOutcome[]): void {
    for (const o of outcomes) {
      const at = this.byId.get(o.trialId);
      if (at === undefined) {
        this.byId.set(o.trialId, this.list.length);
        this.list.push(o);
      } else {
        this.list[at] = o;
      }
    }
  }

  get outcomes(): readonly TrialOutcome[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Keys of told and pending proposals: none of these may be proposed again. */
  seenKeys(pending: readonly TrialProposal[]): Set<string> {
    const seen = new Set<string>();
    for (const o of this.list) seen.add(proposalKey(o));
    for (const p of pending) seen.add(proposalKey(p));
    return seen;
  }
}

/** Outcomes with a usable loss. */
export function finishedWithLoss(outcomes: readonly TrialOutcome[]): TrialOutcome[] {
  return outcomes.filter((o) => o.status === 'done' && o.loss !== undefined && Number.isFinite(o.loss));
}

/**
 * The random stream of one ask: a function of the proposer's seed, the number of told outcomes and of pending
 * proposals only (so a resumed proposer draws the same numbers). The seed is scrambled on its own first, since
 * deriveSeed(s, t) alone maps (s, t) and (s ^ 1, t ^ 1) to the same value.
 */
export function askRng(seed: number, told: number, pending: number): Rng {
  return new Rng(deriveSeed(deriveSeed(seed, 0x5ea2c4), told, pending));
}
