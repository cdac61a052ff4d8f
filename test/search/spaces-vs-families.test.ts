/**
 * The shipped search spaces stay in sync with the member families: every configuration a space can propose (all
 * choices, both ends of every range, random samples) is accepted by the family's own config check, and every
 * family of the registry is in default.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ParamSchema } from '../../src/models/config.js';
import { EXTRA_TREES_SCHEMA, RANDOM_FOREST_SCHEMA } from '../../src/models/families/forest-family.js';
import { GBDT_SCHEMA } from '../../src/models/families/gbdt.js';
import { linearSchema } from '../../src/models/families/linear.js';
import { mlRandomForestSchema } from '../../src/models/families/ml-random-forest.js';
import { mlpSchema } from '../../src/models/families/mlp.js';
import { tabmSchema } from '../../src/models/families/tabm.js';
import { familyNames, getFamily } from '../../src/models/registry.js';
import type { Config } from '../../src/models/types.js';
import { completeConfig, defaultConfig, sampleFamilyConfig } from '../../src/search/config.js';
import { loadSearchSpace, type FamilySpace, type ParamValue } from '../../src/search/space.js';
import { Rng } from '../../src/util/random.js';

const SCHEMAS: Record<string, ParamSchema> = {
  gbdt: GBDT_SCHEMA,
  random_forest: RANDOM_FOREST_SCHEMA,
  extra_trees: EXTRA_TREES_SCHEMA,
  linear: linearSchema,
  ml_random_forest: mlRandomForestSchema,
  mlp: mlpSchema,
  tabm: tabmSchema,
};

/** Configurations at the corners of each parameter's domain, others at defaults. */
function extremes(family: FamilySpace): Config[] {
  const out: Config[] = [];
  for (const spec of family.params) {
    const values: ParamValue[] =
      spec.type === 'float' || spec.type === 'int'
        ? [spec.low, spec.high]
        : spec.type === 'categorical'
          ? [...spec.choices]
          : spec.type === 'ordinal'
            ? [...spec.values]
            : [spec.value];
    for (const v of values) out.push(completeConfig(family, { [spec.name]: v }));
  }
  return out;
}

for (const name of ['default', 'small']) {
  test(`${name}.json proposes only configurations the families accept`, () => {
    const space = loadSearchSpace(name);
    const rng = new Rng(9);
    for (const family of space.families) {
      const schema = SCHEMAS[family.name];
      assert.ok(schema !== undefined, `no family '${family.name}' in the registry`);
      assert.ok(familyNames().includes(family.name));
      const configs = [defaultConfig(family), ...extremes(family)];
      for (let i = 0; i < 200; i++) configs.push(sampleFamilyConfig(family, rng));
      for (const config of configs) assert.doesNotThrow(() => resolveConfig(family.name, schema, config), JSON.stringify(config));
    }
  });
}

test('default.json covers every registered family, with the family defaults where the space keeps them', () => {
  const space = loadSearchSpace('default');
  assert.deepEqual(space.families.map((f) => f.name).sort(), familyNames().sort());
  for (const family of space.families) {
    const familyDefaults = getFamily(family.name).defaults;
    const mismatched = Object.entries(defaultConfig(family)).filter(([k, v]) => familyDefaults[k] !== v);
    // Allowed differences: gbdt's max_depth (family 0 = unlimited) is only active in depthwise mode.
    assert.ok(mismatched.every(([k]) => k === 'max_depth' && family.name === 'gbdt'), `${family.name}: ${JSON.stringify(mismatched)}`);
  }
});
