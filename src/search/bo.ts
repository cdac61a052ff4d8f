/**
 * SMAC-style Bayesian optimization over a search space (Hutter et al. 2011; Lindauer et al. 2022):
 * - initial design: each family's default configuration first (a zero-cost portfolio, cheapest family first), then random configurations,
 *   `initialDesign` proposals in all (at least one per family);
 * - afterwards a fraction `randomFraction` of proposals is random (interleaved, so the search cannot get stuck),
 *   the rest maximize expected improvement under a random-forest surrogate fitted to the encoded configurations;
 * - EI candidates: `randomCandidates` random configurations plus a hill-climbing local search (one-exchange
 *   neighbourhood) from the best observed configurations and the best random candidates;
 * - the surrogate fits log(loss - best + 0.001 * range) by default (bad configurations form a heavy tail);
 * - failed and timed-out trials are fitted with a penalty loss (the worst loss seen), steering away from them;
 *   pruned trials with the loss of the folds they finished;
 * - cost-aware (cost.ts): only families and configurations predicted to fit in the time left are proposed, the
 *   initial design runs the family defaults cheapest first, and EI is divided by predicted cost^(1 - progress)
 *   (CArBO's cost cooling), with a second random forest on log(seconds) of the told trials;
 * - a batch (several free workers) uses the constant liar: pending and already chosen proposals join the data
 *   with a fake loss (mean, min or max of the observed losses) before the surrogate is refitted.
 * Everything is recomputed from the told outcomes and the seed at each ask (no hidden state).
 */
import { deriveSeed, type Rng } from '../util/random.js';
import { ConfigError } from '../util/errors.js';
import { defaultConfig, neighbours, proposalKey, sampleProposal, sampleUnseen } from './config.js';
import { createEncoder, type SpaceEncoder } from './encode.js';
import { askRng, finishedWithLoss, OutcomeLog } from './history.js';
import { costAdjusted, CostModel, type CostPrior } from './cost.js';
import { restrictSpace, type SearchSpace } from './space.js';
import { expectedImprovement, fitForestSurrogate, type ForestSurrogateOptions } from './surrogate.js';
import type { AskContext, Proposer, TrialOutcome, TrialProposal } from './types.js';

export interface BoOptions {
  readonly seed?: number;
  /** Proposals before the surrogate is used (default 10; raised to the number of families). */
  readonly initialDesign?: number;
  /** Fraction of interleaved random proposals after the initial design (default 0.2). */
  readonly randomFraction?: number;
  /** Random configurations scored by EI per model-based proposal (default 500). */
  readonly randomCandidates?: number;
  /** Local-search starting points (default 10: half best observed, half best random candidates). */
  readonly localSearchStarts?: number;
  /** Maximum hill-climbing moves per start (default 8). */
  readonly localSearchSteps?: number;
  /** Fake loss of pending proposals while a batch is chosen (default 'mean'). */
  readonly liar?: 'min' | 'mean' | 'max';
  /**
   * Scale the surrogate models losses on (default 'log': log(loss - min + 0.001 * range), which tames the heavy
   * upper tail of bad configurations; 'none': raw losses).
   */
  readonly lossTransform?: 'log' | 'none';
  /** EI exploration margin, in surrogate units (default 0). */
  readonly xi?: number;
  readonly forest?: ForestSurrogateOptions;
  /**
   * Prior seconds of a trial of each family on this data (default: none known, 1 s). Orders the initial design
   * cheapest first and keeps out families far beyond the per-trial limit until one was measured (cost.ts).
   */
  readonly costPrior?: CostPrior;
  /** Weigh EI by predicted cost with cost cooling (EI / cost^(1 - progress)); default true. */
  readonly costAware?: boolean;
}

/** Chooses among EI-scored candidates. BO takes the highest EI; DivBO mixes in predicted diversity. */
export interface CandidateChooser {
  /** Index of the chosen candidate; `step` is the proposal's position in the whole run (0-based). */
  choose(candidates: readonly TrialProposal[], ei: Float64Array, step: number): number;
}

/** Builds a chooser from the told outcomes, once per ask that needs one. */
export type ChooserFactory = (outcomes: readonly TrialOutcome[], encoder: SpaceEncoder, seed: number) => CandidateChooser;

const highestEi: CandidateChooser = {
  choose(_candidates, ei) {
    let best = 0;
    for (let i = 1; i < ei.length; i++) if (ei[i]! > ei[best]!) best = i;
    return best;
  },
};

interface Observation {
  readonly proposal: TrialProposal;
  readonly loss: number;
}

/** Minimum observations before the surrogate is trusted. */
const MIN_OBSERVATIONS = 3;

export class BayesianProposer implements Proposer {
  readonly name: string;
  private readonly log = new OutcomeLog();
  private readonly encoder: SpaceEncoder;
  private readonly seed: number;
  private readonly initialDesign: number;
  private readonly randomFraction: number;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: BoOptions = {},
    private readonly chooserFactory?: ChooserFactory,
    name = 'bo',
  ) {
    this.name = name;
    this.seed = options.seed ?? 0;
    this.encoder = createEncoder(space);
    this.initialDesign = Math.max(options.initialDesign ?? 10, space.families.length);
    this.randomFraction = options.randomFraction ?? 0.2;
    if (!(this.randomFraction >= 0 && this.randomFraction <= 1)) {
      throw new ConfigError(`${name}: randomFraction must be in [0, 1], got ${this.randomFraction}`);
    }
  }

  tell(outcomes: readonly TrialOutcome[]): void {
    this.log.add(outcomes);
  }

  async ask(n: number, pending: readonly TrialProposal[] = [], context?: AskContext): Promise<TrialProposal[]> {
    const rng = askRng(this.seed, this.log.size, pending.length);
    const seen = this.log.seenKeys(pending);
    const cost = new CostModel(this.log.outcomes, this.options.costPrior, context?.trialLimit ?? Infinity, {
      encoder: this.encoder,
      seed: deriveSeed(this.seed, this.log.size),
    });
    const feasible = cost.feasibleFamilies(this.space, context);
    if (feasible.length === 0) return [];
    const space = feasible.length === this.space.families.length ? this.space : restrictSpace(this.space, feasible);
    const observed = this.observations();
    const liars: TrialProposal[] = [...pending];
    const out: TrialProposal[] = [];
    let chooser: CandidateChooser | undefined;
    for (let j = 0; j < n; j++) {
      const step = this.log.size + pending.length + j;
      let p: TrialProposal | undefined;
      if (step < this.initialDesign) p = this.nextDefault(space, seen, cost);
      const useModel = p === undefined && step >= this.initialDesign && observed.length >= MIN_OBSERVATIONS && rng.next() >= this.randomFraction;
      if (useModel) {
        chooser ??= this.chooserFactory?.(this.log.outcomes, this.encoder, rng.nextUint32()) ?? highestEi;
        p = this.modelBased(space, observed, liars, seen, rng, chooser, step, cost, context);
      }
      p ??= sampleUnseen(space, rng, seen);
      if (p === undefined) break;
      out.push(p);
      liars.push(p);
      seen.add(proposalKey(p));
    }
    return out;
  }

  /**
   * Told outcomes as (proposal, loss): done trials with their loss, pruned ones with the loss of the folds they
   * finished (it was clearly bad), failures with the worst loss seen (dropped while there is none).
   */
  private observations(): Observation[] {
    const scored = this.log.outcomes.filter((o) => (o.status === 'done' || o.status === 'pruned') && o.loss !== undefined && Number.isFinite(o.loss));
    if (finishedWithLoss(this.log.outcomes).length === 0) return [];
    let worst = -Infinity;
    for (const o of scored) worst = Math.max(worst, o.loss!);
    return this.log.outcomes
      .filter((o) => (o.status !== 'done' && o.status !== 'pruned') || (o.loss !== undefined && Number.isFinite(o.loss)))
      .map((o) => ({ proposal: { family: o.family, config: o.config }, loss: o.status === 'done' || o.status === 'pruned' ? o.loss! : worst }));
  }

  /** The first unseen family default, cheapest family first (a zero-cost portfolio that measures every family). */
  private nextDefault(space: SearchSpace, seen: ReadonlySet<string>, cost: CostModel): TrialProposal | undefined {
    const families = [...space.families].sort((a, b) => cost.familySeconds(a.name) - cost.familySeconds(b.name));
    for (const family of families) {
      const p = { family: family.name, config: defaultConfig(family) };
      if (!seen.has(proposalKey(p))) return p;
    }
    return undefined;
  }

  private lieValue(observed: readonly Observation[]): number {
    const losses = observed.map((o) => o.loss);
    switch (this.options.liar ?? 'mean') {
      case 'min':
        return Math.min(...losses);
      case 'max':
        return Math.max(...losses);
      case 'mean':
        return losses.reduce((a, b) => a + b, 0) / losses.length;
    }
  }

  private modelBased(
    space: SearchSpace,
    observed: readonly Observation[],
    liars: readonly TrialProposal[],
    seen: ReadonlySet<string>,
    rng: Rng,
    chooser: CandidateChooser,
    step: number,
    cost: CostModel,
    context: AskContext | undefined,
  ): TrialProposal | undefined {
    const lie = this.lieValue(observed);
    const points = [...observed.map((o) => o.proposal), ...liars];
    const y = new Float64Array(points.length);
    observed.forEach((o, i) => (y[i] = o.loss));
    y.fill(lie, observed.length);
    const best = transformLosses(y, this.options.lossTransform ?? 'log');
    const model = fitForestSurrogate(this.encoder.matrix(points), y, rng.nextUint32(), this.options.forest);
    const xi = this.options.xi ?? 0;
    const scoreEi = (ps: readonly TrialProposal[]): Float64Array => expectedImprovement(model.predict(this.encoder.matrix(ps)), best, xi);

    const all = this.candidates(space, observed, seen, rng, scoreEi);
    // Keep what is predicted to fit in the time left, and weigh EI by predicted cost (cost cooling).
    const seconds = cost.predict(all.candidates);
    const limit = context?.secondsLeft ?? Infinity;
    const keep = all.candidates.map((_, i) => i).filter((i) => seconds[i]! <= limit);
    if (keep.length === 0) return undefined;
    const candidates = keep.map((i) => all.candidates[i]!);
    const rawEi = Float64Array.from(keep, (i) => all.ei[i]!);
    const ei = this.options.costAware === false ? rawEi : costAdjusted(rawEi, Float64Array.from(keep, (i) => seconds[i]!), context?.progress ?? 0);
    return candidates[chooser.choose(candidates, ei, step)];
  }

  /** Random candidates plus local-search trajectories, unseen and unique, with their EI. */
  private candidates(
    space: SearchSpace,
    observed: readonly Observation[],
    seen: ReadonlySet<string>,
    rng: Rng,
    scoreEi: (ps: readonly TrialProposal[]) => Float64Array,
  ): { candidates: TrialProposal[]; ei: Float64Array } {
    const pool = new Map<string, { p: TrialProposal; ei: number }>();
    const randoms: TrialProposal[] = [];
    const nRandom = this.options.randomCandidates ?? 500;
    for (let i = 0; i < nRandom; i++) {
      const p = sampleProposal(space, rng);
      const key = proposalKey(p);
      if (!seen.has(key) && !pool.has(key)) {
        pool.set(key, { p, ei: 0 });
        randoms.push(p);
      }
    }
    const randomEi = scoreEi(randoms);
    randoms.forEach((p, i) => (pool.get(proposalKey(p))!.ei = randomEi[i]!));

    const nStarts = this.options.localSearchStarts ?? 10;
    const inSpace = (o: Observation): boolean => space.families.some((f) => f.name === o.proposal.family);
    const bestObserved = observed.filter(inSpace).sort((a, b) => a.loss - b.loss).slice(0, Math.ceil(nStarts / 2));
    const bestRandom = Array.from(randomEi.keys()).sort((a, b) => randomEi[b]! - randomEi[a]!).slice(0, Math.floor(nStarts / 2));
    const starts: Array<{ p: TrialProposal; ei: number }> = [
      ...bestObserved.map((o) => ({ p: o.proposal, ei: scoreEi([o.proposal])[0]! })),
      ...bestRandom.map((i) => ({ p: randoms[i]!, ei: randomEi[i]! })),
    ];
    const maxSteps = this.options.localSearchSteps ?? 8;
    for (const start of starts) {
      let current = start;
      for (let s = 0; s < maxSteps; s++) {
        const nbrs = neighbours(space, current.p, rng).filter((q) => !seen.has(proposalKey(q)) && space.families.some((f) => f.name === q.family));
        if (nbrs.length === 0) break;
        const e = scoreEi(nbrs);
        let bi = 0;
        for (let i = 1; i < e.length; i++) if (e[i]! > e[bi]!) bi = i;
        if (!(e[bi]! > current.ei)) break;
        current = { p: nbrs[bi]!, ei: e[bi]! };
        pool.set(proposalKey(current.p), current);
      }
    }
    const entries = [...pool.values()];
    return { candidates: entries.map((x) => x.p), ei: Float64Array.from(entries.map((x) => x.ei)) };
  }
}

/** Transform losses in place for the surrogate; returns the transformed best (lowest) loss. */
export function transformLosses(y: Float64Array, transform: 'log' | 'none'): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of y) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (transform === 'none') return lo;
  const eps = Math.max(1e-12, (hi - lo) * 1e-3);
  for (let i = 0; i < y.length; i++) y[i] = Math.log(y[i]! - lo + eps);
  return Math.log(eps);
}
