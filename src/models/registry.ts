import { ConfigError } from '../util/errors.js';
import { extraTreesFamily } from './families/extra-trees.js';
import { gbdtFamily } from './families/gbdt.js';
import { linearFamily } from './families/linear.js';
import { mlRandomForestFamily } from './families/ml-random-forest.js';
import { mlpFamily } from './families/mlp.js';
import { randomForestFamily } from './families/random-forest.js';
import { tabmFamily } from './families/tabm.js';
import type { MemberFamily } from './types.js';

/**
 * Every member family, registered explicitly in this one place (no registration by import side effect).
 * Order is the listing order for docs and CLI: fast trees first, then linear, the small-data wrapper, neural.
 */
const FAMILIES: ReadonlyMap<string, MemberFamily> = new Map(
  [gbdtFamily, randomForestFamily, extraTreesFamily, linearFamily, mlRandomForestFamily, mlpFamily, tabmFamily].map((f) => [f.name, f]),
);

/** The family registered under `name`; an unknown name is a ConfigError listing the known ones. */
export function getFamily(name: string): MemberFamily {
  const family = FAMILIES.get(name);
  if (family === undefined) {
    throw new ConfigError(`unknown member family '${name}' (known: ${[...FAMILIES.keys()].join(', ')})`);
  }
  return family;
}

/** All registered families, in listing order. */
export function listFamilies(): MemberFamily[] {
  return [...FAMILIES.values()];
}

/** Names of all registered families, in listing order. */
export function familyNames(): string[] {
  return [...FAMILIES.keys()];
}
