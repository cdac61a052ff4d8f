import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSearchSpace, restrictSpace } from '../../src/search/space.js';
import { defaultConfig, validateProposal } from '../../src/search/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { MIXED_SPACE_JSON } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ae-space-'));

function writeSpace(name: string, json: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

function withParam(param: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { families: { gbdt: { hyperparameters: { base: { type: 'int', low: 1, high: 5, default: 2 }, ...extra, broken: param } } } };
}

test('bundled spaces load, and every default configuration is valid', () => {
  for (const name of ['default', 'small']) {
    const space = loadSearchSpace(name);
    assert.ok(space.families.length >= 1, name);
    for (const f of space.families) validateProposal(space, { family: f.name, config: defaultConfig(f) });
  }
  const names = loadSearchSpace('default').families.map((f) => f.name);
  for (const family of ['gbdt', 'random_forest', 'extra_trees', 'ml_random_forest', 'linear', 'mlp', 'tabm']) {
    assert.ok(names.includes(family), `default.json lacks ${family}`);
  }
});

const malformed: Array<[string, unknown, RegExp]> = [
  ['low above high', withParam({ type: 'float', low: 2, high: 1, default: 1.5 }), /low \(2\) must be below high \(1\)/],
  ['unknown type', withParam({ type: 'gaussian', low: 0, high: 1, default: 0 }), /'type' must be one of/],
  ['missing default', withParam({ type: 'float', low: 0, high: 1 }), /missing 'default'/],
  ['default outside', withParam({ type: 'int', low: 1, high: 4, default: 9 }), /default 9 is outside \[1, 4\]/],
  ['log with low 0', withParam({ type: 'float', low: 0, high: 1, log: true, default: 0.5 }), /log scale needs low > 0/],
  ['non-integer int bound', withParam({ type: 'int', low: 0.5, high: 3, default: 1 }), /'low' must be integer/],
  ['unknown key', withParam({ type: 'float', low: 0, high: 1, default: 0.5, step: 0.1 }), /unknown key 'step'/],
  ['default not a choice', withParam({ type: 'categorical', choices: ['a', 'b'], default: 'c' }), /default "c" is not one of the choices/],
  ['repeated choice', withParam({ type: 'categorical', choices: ['a', 'a'], default: 'a' }), /choices repeat "a"/],
  ['unknown parent', withParam({ type: 'float', low: 0, high: 1, default: 0.5, activeWhen: { nope: [1] } }), /unknown parameter 'nope'/],
  ['parent value outside domain', withParam({ type: 'float', low: 0, high: 1, default: 0.5, activeWhen: { base: [9] } }), /value 9 is not in the domain of 'base'/],
  [
    'condition cycle',
    withParam(
      { type: 'categorical', choices: ['x'], default: 'x', activeWhen: { other: ['y'] } },
      { other: { type: 'categorical', choices: ['y'], default: 'y', activeWhen: { broken: ['x'] } } },
    ),
    /cycle/,
  ],
];

for (const [label, json, message] of malformed) {
  test(`malformed space (${label}) names file, family and parameter`, () => {
    const path = writeSpace(label.replace(/\W+/g, '-'), json);
    assert.throws(
      () => loadSearchSpace(path),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(err.message.includes(path), err.message);
        assert.ok(err.message.includes("family 'gbdt'"), err.message);
        assert.match(err.message, /parameter '(broken|other)'/);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test('file-level problems name the file', () => {
  const bad = writeSpace('not-json', '{ "families": ');
  assert.throws(() => loadSearchSpace(bad), (e: Error) => e instanceof ConfigError && e.message.includes(bad) && /not valid JSON/.test(e.message));
  const empty = writeSpace('no-families', { families: {} });
  assert.throws(() => loadSearchSpace(empty), (e: Error) => e instanceof ConfigError && e.message.includes(empty));
  assert.throws(() => loadSearchSpace(join(dir, 'absent.json')), /cannot read search space/);
  const badFamily = writeSpace('bad-family', { families: { mlp: { params: {} } } });
  assert.throws(() => loadSearchSpace(badFamily), (e: Error) => e.message.includes("family 'mlp'") && e.message.includes(badFamily));
});

test('parameters are ordered parents first and spaces can be restricted', () => {
  const json = structuredClone(MIXED_SPACE_JSON) as { families: { alpha: { hyperparameters: Record<string, unknown> } } };
  // Put the child before its parent in the file.
  const { leaves, ...rest } = json.families.alpha.hyperparameters;
  json.families.alpha.hyperparameters = { leaves, ...rest };
  const space = loadSearchSpace(json);
  const names = space.families[0]!.params.map((p) => p.name);
  assert.ok(names.indexOf('booster') < names.indexOf('leaves'));
  assert.deepEqual(restrictSpace(space, ['tiny', 'beta']).families.map((f) => f.name), ['beta', 'tiny']);
  assert.throws(() => restrictSpace(space, ['gamma']), /no family 'gamma'/);
});
