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
  ges: 1.3e-9,
  /** GES with roc_auc, per (round x pool member x row x log2(rows)). */
  gesRank: 6e-9,
  /** Q(D)O-ES, per (evaluation x chosen member x row x output), with about a quarter of the pool per solution. */
  population: 3.5e-10,
  /** Stacking, per (meta-model fit x L-BFGS iteration x row x input column x output). */
  stacking: 7e-10,
} as const;

/** Defaults of the selectors, as they apply to cost (kept equal to the selectors' own defaults). */
const GES_ROUNDS = 25;
const GES_POOL = 50;
const QDO_BUDGET_PER_MEMBER = 50;
const STACKING_POOL = 20;
const STACKING_MAX_ROWS = 5000;
const STACKING_FITS = 5 * 5 + 1;
const STACKING_ITERATIONS = 60;

/**
 * Predicted seconds of stacking's meta-model search: `fits` logistic / ridge fits (inner folds x strengths + the
 * refit) on `rows` rows of `inputs` columns and `outputs` classes.
 */
export function stackingSeconds(fits: number, rows: number, inputs: number, outputs: number): number {
  return fits * STACKING_ITERATIONS * rows * inputs * Math.max(1, outputs) * SECONDS_PER_UNIT.stacking;
}

/** Which measured unit a selector's work is counted in. */
export type CostUnit = keyof typeof SECONDS_PER_UNIT;

/** How many units of its inner loop `method` runs with its default options on a problem of this shape. */
export function selectionUnits(method: string, shape: SelectionShape): { readonly unit: CostUnit; readonly units: number } {
  const n = Math.max(1, shape.rows);
  const k = Math.max(1, shape.outputs);
  const m = Math.max(1, shape.candidates);
  const rank = shape.metric === 'roc_auc';
  switch (method) {
    case 'ges': {
      const pool = Math.min(m, GES_POOL);
      return rank ? { unit: 'gesRank', units: GES_ROUNDS * pool * n * Math.log2(n + 1) } : { unit: 'ges', units: GES_ROUNDS * pool * n * k };
    }
    case 'qo-es':
    case 'qdo-es': {
      const pool = Math.min(m, GES_POOL);
      const perEvaluation = Math.max(1, pool / 4) * n * k * (rank ? Math.log2(n + 1) : 1);
      return { unit: 'population', units: QDO_BUDGET_PER_MEMBER * pool * perEvaluation };
    }
    case 'stacking': {
      const rows = Math.min(n, STACKING_MAX_ROWS);
      const inputs = Math.min(m, STACKING_POOL) * k;
      return { unit: 'stacking', units: STACKING_FITS * STACKING_ITERATIONS * rows * inputs * k };
    }
    default:
      // single-best, top-k and unknown plug-ins: one pass over the candidates.
      return { unit: 'ges', units: m * n * k };
  }
}

/** Predicted seconds of `method` with its default options on a problem of this shape. */
export function estimateSelectionSeconds(method: string, shape: SelectionShape): number {
  const { unit, units } = selectionUnits(method, shape);
  return units * SECONDS_PER_UNIT[unit];
}
