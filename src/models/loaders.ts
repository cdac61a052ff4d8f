/**
 * How to load a fitted member of each registered family from its serialized form, using only the members'
 * prediction modules (no training code, no Node.js-only or training-only packages): what a bundle loader needs, in
 * Node (src/export/bundle.ts through the registry) and in a browser (src/web/). Each family's `load` is the same
 * function (src/models/registry.ts).
 */
import { DataError } from '../util/errors.js';
import { loadLinear } from './families/linear-member.js';
import { loadMlrf } from './families/ml-random-forest-member.js';
import { loadMlp } from './families/mlp-member.js';
import { loadTabm } from './families/tabm-member.js';
import { loadTreeMember } from './trees/member.js';
import type { FittedMember, SerializedMember } from './types.js';

type Loader = (serialized: SerializedMember) => Promise<FittedMember>;

const LOADERS: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ['gbdt', async (s: SerializedMember) => loadTreeMember('gbdt', s)],
  ['random_forest', async (s: SerializedMember) => loadTreeMember('random_forest', s)],
  ['extra_trees', async (s: SerializedMember) => loadTreeMember('extra_trees', s)],
  ['linear', loadLinear],
  ['ml_random_forest', loadMlrf],
  ['mlp', loadMlp],
  ['tabm', loadTabm],
]);

/** The fitted member `serialized` describes; an unknown family is a DataError listing the known ones. */
export function loadMember(serialized: SerializedMember): Promise<FittedMember> {
  const load = LOADERS.get(serialized.family);
  if (load === undefined) throw new DataError(`unknown member family '${serialized.family}' (known: ${[...LOADERS.keys()].join(', ')})`);
  return load(serialized);
}
