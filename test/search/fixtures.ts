/** Shared test fixtures for the search tests: a mixed space with conditions, an objective, fake predictions. */
import type { TrialOutcome, TrialProposal } from '../../src/search/types.js';
import { createEncoder } from '../../src/search/encode.js';
import { parseSearchSpace, type SearchSpace } from '../../src/search/space.js';

export const MIXED_SPACE_JSON = {
  name: 'mixed',
  families: {
    alpha: {
      hyperparameters: {
        lr: { type: 'float', low: 0.001, high: 1, log: true, default: 0.1 },
        depth: { type: 'int', low: 1, high: 10, default: 3 },
        booster: { type: 'categorical', choices: ['tree', 'linear'], default: 'tree' },
        leaves: { type: 'int', low: 2, high: 64, log: true, default: 8, activeWhen: { booster: ['tree'] } },
        size: { type: 'ordinal', values: [16, 32, 64], default: 32 },
        bins: { type: 'constant', value: 255 },
      },
    },
    beta: {
      hyperparameters: {
        c: { type: 'float', low: -1, high: 1, default: 0 },
        flag: { type: 'categorical', choices: [true, false], default: true },
        g: { type: 'float', low: 0.1, high: 10, log: true, default: 1, activeWhen: { flag: [true] } },
      },
    },
    tiny: { hyperparameters: { k: { type: 'int', low: 1, high: 3, default: 1 } } },
  },
};

export const mixedSpace = (): SearchSpace => parseSearchSpace(MIXED_SPACE_JSON, '<mixed>');

/** A smooth objective over the mixed space; alpha configs with depth >= 8 and beta configs with c > 0.6 fail. */
export function mixedLoss(p: TrialProposal): number | undefined {
  const c = p.config;
  if (p.family === 'alpha') {
    if ((c.depth as number) >= 8) return undefined;
    let l = (Math.log10(c.lr as number) + 1.5) ** 2 + ((c.depth as number) - 6) ** 2 / 10 + (c.size === 64 ? 0 : 0.2);
    l += c.booster === 'tree' ? (Math.log2(c.leaves as number) - 4) ** 2 / 10 : 0.5;
    return l;
  }
  if (p.family === 'beta' && (c.c as number) > 0.6) return undefined;
  if (p.family === 'beta') return 0.3 + ((c.c as number) - 0.3) ** 2 + (c.flag === true ? Math.log10(c.g as number) ** 2 : 0.4);
  return 2 + (c.k as number);
}

/** Labels of the fake validation rows (binary). */
export const N_ROWS = 80;
export const LABELS = Int32Array.from({ length: N_ROWS }, (_, i) => ((i * 7919) % 13) % 2);

/**
 * Deterministic binary probabilities of a "member" with this config: a logistic of a row feature whose slope and
 * offset depend on the configuration, so similar configurations predict alike.
 */
export function fakePredictions(space: SearchSpace, p: TrialProposal): Float64Array {
  const e = createEncoder(space).encode(p);
  let a = 0;
  let b = 0;
  e.forEach((v, j) => {
    a += v * Math.sin(j + 1) * 2;
    b += v * Math.cos(3 * j + 1);
  });
  const out = new Float64Array(N_ROWS * 2);
  for (let i = 0; i < N_ROWS; i++) {
    const x = (LABELS[i]! * 2 - 1) + Math.sin(i);
    const p1 = 1 / (1 + Math.exp(-(a * x + b)));
    out[2 * i] = 1 - p1;
    out[2 * i + 1] = p1;
  }
  return out;
}

let nextId = 1;
/** An outcome for a proposal under `mixedLoss` (failed where it is undefined), with fake predictions. */
export function outcomeFor(space: SearchSpace, p: TrialProposal): TrialOutcome {
  const loss = mixedLoss(p);
  const trialId = nextId++;
  if (loss === undefined) return { trialId, family: p.family, config: p.config, status: 'failed' };
  return { trialId, family: p.family, config: p.config, status: 'done', loss, predictions: fakePredictions(space, p) };
}
