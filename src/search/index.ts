/**
 * The search module: search spaces (search-spaces/*.json) and proposers (ask/tell) over them.
 * `createProposer(kind, space, options)` is the one entry point the run loop needs.
 */
import { ConfigError } from '../util/errors.js';
import { BayesianProposer } from './bo.js';
import { createDivBoProposer, type DivBoOptions } from './divbo.js';
import { RandomProposer } from './random.js';
import { loadSearchSpace, type SearchSpace } from './space.js';
import type { Proposer } from './types.js';

export type ProposerKind = 'random' | 'bo' | 'divbo';

export const PROPOSER_KINDS: readonly ProposerKind[] = ['random', 'bo', 'divbo'];

/** Options of every proposer (random uses `seed` only; bo the BoOptions); `labels` and `metric` are required by divbo. */
export type ProposerOptions = Partial<DivBoOptions>;

/**
 * Build a proposer. `space` is a loaded SearchSpace, a file path, a bundled name ('default', 'small') or a plain
 * object in the file format. DivBO needs `options.labels` and `options.metric` (the rows its told predictions are on).
 */
export function createProposer(kind: ProposerKind | string, space: SearchSpace | string | object, options: ProposerOptions = {}): Proposer {
  const s = isSearchSpace(space) ? space : loadSearchSpace(space);
  switch (kind) {
    case 'random':
      return new RandomProposer(s, options);
    case 'bo':
      return new BayesianProposer(s, options);
    case 'divbo': {
      if (options.labels === undefined || options.metric === undefined) {
        throw new ConfigError('divbo needs the labels of the validation rows and the metric (options.labels, options.metric)');
      }
      return createDivBoProposer(s, { ...options, labels: options.labels, metric: options.metric });
    }
    default:
      throw new ConfigError(`unknown search '${kind}': expected one of ${PROPOSER_KINDS.join(', ')}`);
  }
}

function isSearchSpace(x: unknown): x is SearchSpace {
  return typeof x === 'object' && x !== null && Array.isArray((x as SearchSpace).families) && typeof (x as SearchSpace).source === 'string';
}

export type { Proposer, TrialOutcome, TrialProposal } from './types.js';
export type { BoOptions, CandidateChooser } from './bo.js';
export type { DivBoOptions } from './divbo.js';
export type { SearchSpace, FamilySpace, ParamSpec, ParamValue } from './space.js';
export { BayesianProposer } from './bo.js';
export { RandomProposer } from './random.js';
export { createDivBoProposer, diversityWeight } from './divbo.js';
export { pairwiseDiversity, fitDiversitySurrogate } from './diversity.js';
export { loadSearchSpace, parseSearchSpace, bundledSpacePath, restrictSpace, familySpace } from './space.js';
export {
  defaultConfig,
  completeConfig,
  sampleProposal,
  sampleFamilyConfig,
  validateProposal,
  proposalKey,
  neighbours,
  isActive,
} from './config.js';
export { createEncoder, INACTIVE } from './encode.js';
