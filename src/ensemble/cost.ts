/**
 * What a selector costs, predicted from the shape of the problem: the budget owner (src/training/budget.ts) sizes
 * the finish reserve with it. Each selector's work is counted in "units" of its inner loop, and a unit's time
 * comes from `npm run bench:selector-cost` (results/selector-cost.json, median over shapes on the 2-core
 * development machine). Selectors honour their deadline whatever this predicts; a good estimate only means the
 * reserve is neither wasted nor too short for the selector to finish its work.
 */
export interface SelectionShape {
  /** Training rows (selection rows). */
  readonly rows: number;
  /** Prediction columns (classes, or 1 for regression). */
  readonly outputs: number;
  /** Candidates that will be handed to the selector (at most MAX_CANDIDATES of the finish phase). */
  readonly candidates: number;
  /** Metric name: rank metrics (roc_auc) cost a sort per evaluation. */
  readonly metric: string;
}

/** Seconds per unit of each selector's inner loop, measured by bench:selector-cost (see the unit definitions). */
export const SECONDS_PER_UNIT = {
  /** GES, per (round x pool member x row x output) for decomposable metrics (log loss, rmse, accuracy ...). */
  ges: 4e-9,
  /** GES with roc_auc, per (round x pool member x row x log2(rows)). */
  gesRank: 1.2e-8,
  /** Q(D)O-ES, per (evaluation x chosen member x row x output), with about a quarter of the pool per solution. */
  population: 2e-9,
  /** Stacking, per (meta-model fit x L-BFGS iteration x row x input column x output). */
  stacking: 1.3e-9,
} as const;

/** Defaults of the selectors, as they apply to cost (kept equal to the selectors' own defaults). */
const GES_ROUNDS = 25;
const GES_POOL = 50;
const QDO_BUDGET_PER_MEMBER = 50;
const STACKING_POOL = 20;
const STACKING_MAX_ROWS = 5000;
const STACKING_FITS = 5 * 5 + 1;
const STACKING_ITERATIONS = 60;

/** Predicted seconds of `method` with its default options on a problem of this shape. */
export function estimateSelectionSeconds(method: string, shape: SelectionShape): number {
  const n = Math.max(1, shape.rows);
  const k = Math.max(1, shape.outputs);
  const m = Math.max(1, shape.candidates);
  switch (method) {
    case 'ges': {
      const pool = Math.min(m, GES_POOL);
      if (shape.metric === 'roc_auc') return GES_ROUNDS * pool * n * Math.log2(n + 1) * SECONDS_PER_UNIT.gesRank;
      return GES_ROUNDS * pool * n * k * SECONDS_PER_UNIT.ges;
    }
    case 'qo-es':
    case 'qdo-es': {
      const pool = Math.min(m, GES_POOL);
      const perEvaluation = Math.max(1, pool / 4) * n * k * (shape.metric === 'roc_auc' ? Math.log2(n + 1) : 1);
      return QDO_BUDGET_PER_MEMBER * pool * perEvaluation * SECONDS_PER_UNIT.population;
    }
    case 'stacking': {
      const rows = Math.min(n, STACKING_MAX_ROWS);
      const inputs = Math.min(m, STACKING_POOL) * k;
      return STACKING_FITS * STACKING_ITERATIONS * rows * inputs * k * SECONDS_PER_UNIT.stacking;
    }
    default:
      // single-best, top-k and unknown plug-ins: one pass over the candidates.
      return m * n * k * SECONDS_PER_UNIT.ges;
  }
}
