/**
 * What a trial will cost: the proposers' prediction of a configuration's duration, learned from the durations of
 * told outcomes, with a prior for families not yet tried.
 *
 * - A family with told durations is predicted by their median (trials cut at the per-trial limit count as the
 *   limit: their observed duration). With `surrogate`, a configuration of a family with at least two told
 *   durations is predicted by a random forest on log(seconds) over the encoded configurations, so expensive
 *   settings (many trees, wide layers) are told apart from cheap ones.
 * - A family not yet tried is predicted by the prior (the families' own estimate on data of this shape, given by
 *   the caller), capped at the per-trial limit, since a longer trial is cut there.
 * - A family never tried whose prior exceeds EXCLUDE_FACTOR x the per-trial limit is excluded: it could only ever
 *   make a member from a small part of its natural training (e.g. ml_random_forest beyond small data).
 */
import { deriveSeed } from '../util/random.js';
import type { SpaceEncoder } from './encode.js';
import type { SearchSpace } from './space.js';
import { fitForestSurrogate, type PerformanceSurrogate } from './surrogate.js';
import type { AskContext, TrialOutcome, TrialProposal } from './types.js';

/** Prior seconds of one trial (all its folds, default configuration, no time limit) of a family; undefined if unknown. */
export type CostPrior = (family: string) => number | undefined;

/** Seconds assumed for a family without prior or observation: cheap, so it gets tried and measured. */
const UNKNOWN_FAMILY_SECONDS = 1;
/** A never-tried family whose prior exceeds this many per-trial limits is not proposed. */
export const EXCLUDE_FACTOR = 2.5;
/** Observations before the forest on log(seconds) is used. */
const MIN_SURROGATE_OBSERVATIONS = 4;

export class CostModel {
  private readonly byFamily = new Map<string, number[]>();
  private readonly forest: PerformanceSurrogate | undefined;
  private readonly encoder: SpaceEncoder | undefined;

  constructor(
    outcomes: readonly TrialOutcome[],
    private readonly prior: CostPrior | undefined,
    private readonly trialLimit: number,
    surrogate?: { readonly encoder: SpaceEncoder; readonly seed: number },
  ) {
    const timed = outcomes.filter((o) => o.seconds !== undefined && Number.isFinite(o.seconds) && o.seconds >= 0);
    for (const o of timed) {
      const list = this.byFamily.get(o.family) ?? [];
      list.push(o.seconds!);
      this.byFamily.set(o.family, list);
    }
    if (surrogate !== undefined && timed.length >= MIN_SURROGATE_OBSERVATIONS) {
      const y = Float64Array.from(timed, (o) => Math.log(Math.max(o.seconds!, 1e-3)));
      this.forest = fitForestSurrogate(surrogate.encoder.matrix(timed), y, deriveSeed(surrogate.seed, 0xc057));
      this.encoder = surrogate.encoder;
    }
  }

  /** Predicted seconds of a typical trial of `family` (median of its told durations, else the capped prior). */
  familySeconds(family: string): number {
    const seen = this.byFamily.get(family);
    if (seen !== undefined && seen.length > 0) return median(seen);
    return Math.min(this.priorSeconds(family), this.trialLimit);
  }

  /** True for a family never tried whose prior is far beyond the per-trial limit. */
  excluded(family: string): boolean {
    return !this.byFamily.has(family) && this.priorSeconds(family) > EXCLUDE_FACTOR * this.trialLimit;
  }

  /** Predicted seconds of each proposal. */
  predict(proposals: readonly TrialProposal[]): Float64Array {
    const out = Float64Array.from(proposals, (p) => this.familySeconds(p.family));
    if (this.forest === undefined || this.encoder === undefined) return out;
    const modelled = proposals.map((p, i) => ({ p, i })).filter(({ p }) => (this.byFamily.get(p.family)?.length ?? 0) >= 2);
    if (modelled.length === 0) return out;
    const mean = this.forest.predict(this.encoder.matrix(modelled.map((m) => m.p))).mean;
    modelled.forEach(({ i }, j) => (out[i] = Math.min(Math.exp(mean[j]!), this.trialLimit)));
    return out;
  }

  /** The families of `space` a trial may be proposed from now: not excluded, typical trial within the time left. */
  feasibleFamilies(space: SearchSpace, context: AskContext | undefined): string[] {
    const names = space.families.map((f) => f.name);
    if (context === undefined) return names;
    return names.filter((f) => !this.excluded(f) && this.familySeconds(f) <= context.secondsLeft);
  }

  private priorSeconds(family: string): number {
    const prior = this.prior?.(family);
    return prior !== undefined && Number.isFinite(prior) && prior >= 0 ? prior : UNKNOWN_FAMILY_SECONDS;
  }
}

/**
 * Expected improvement per unit of cost with cost cooling (CArBO, Lee et al. 2020): EI / cost^alpha with
 * alpha = 1 - progress, so cheap configurations are favoured early in the budget and pure EI rules at its end.
 * Returns a new array; costs are floored at 1 ms.
 */
export function costAdjusted(ei: Float64Array, seconds: Float64Array, progress: number): Float64Array {
  const alpha = Math.min(1, Math.max(0, 1 - progress));
  return Float64Array.from(ei, (e, i) => e / Math.max(seconds[i]!, 1e-3) ** alpha);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
