import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  defaultConfig,
  enumerateFamily,
  neighbours,
  proposalKey,
  sampleProposal,
  sampleUnseen,
  validateProposal,
} from '../../src/search/config.js';
import { createEncoder, INACTIVE } from '../../src/search/encode.js';
import { familySpace, loadSearchSpace } from '../../src/search/space.js';
import { mixedSpace } from './fixtures.js';

test('sampler respects conditions and domains, and covers every choice', () => {
  const space = mixedSpace();
  const rng = new Rng(7);
  const counts = new Map<string, number>();
  let treeWithLeaves = 0;
  let linear = 0;
  for (let i = 0; i < 3000; i++) {
    const p = sampleProposal(space, rng);
    validateProposal(space, p);
    counts.set(p.family, (counts.get(p.family) ?? 0) + 1);
    if (p.family === 'alpha') {
      assert.equal(p.config.bins, 255);
      if (p.config.booster === 'tree') {
        assert.equal(typeof p.config.leaves, 'number');
        treeWithLeaves++;
      } else {
        assert.equal(p.config.leaves, undefined);
        linear++;
      }
    }
    if (p.family === 'beta') assert.equal(p.config.g !== undefined, p.config.flag === true);
  }
  for (const f of ['alpha', 'beta', 'tiny']) assert.ok(counts.get(f)! > 850 && counts.get(f)! < 1150, `${f}: ${counts.get(f)}`);
  assert.ok(Math.abs(treeWithLeaves - linear) < 150, `${treeWithLeaves} vs ${linear}`);
});

test('log-scaled parameters are sampled uniformly in log space', () => {
  const space = mixedSpace();
  const alpha = familySpace(space, 'alpha');
  const rng = new Rng(3);
  let below = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const c = sampleProposal({ ...space, families: [alpha] }, rng).config;
    if ((c.lr as number) < 0.031623) below++; // geometric midpoint of [0.001, 1]
  }
  assert.ok(Math.abs(below / n - 0.5) < 0.05, `${below / n}`);
});

test('validation rejects proposals outside the space', () => {
  const space = mixedSpace();
  const good = { family: 'alpha', config: defaultConfig(familySpace(space, 'alpha')) };
  validateProposal(space, good);
  assert.throws(() => validateProposal(space, { family: 'alpha', config: { ...good.config, lr: 2 } }), /'lr': value 2 is outside/);
  assert.throws(() => validateProposal(space, { family: 'alpha', config: { ...good.config, booster: 'linear' } }), /'leaves': is set but inactive/);
  assert.throws(() => validateProposal(space, { family: 'alpha', config: { ...good.config, extra: 1 } }), /'extra': is unknown/);
  assert.throws(() => validateProposal(space, { family: 'alpha', config: { ...good.config, depth: 2.5 } }), /'depth'/);
  assert.throws(() => validateProposal(space, { family: 'gamma', config: {} }), /no family 'gamma'/);
});

test('encoding: family one-hot, unit-scaled numerics (log when log), one-hot categoricals, inactive sentinel', () => {
  const space = mixedSpace();
  const enc = createEncoder(space);
  // 3 family slots; alpha: lr, depth, booster x2, leaves, size; beta: c, flag x2, g; tiny: k
  assert.equal(enc.width, 3 + 6 + 4 + 1);
  const v = enc.encode({ family: 'alpha', config: { lr: 0.031623, depth: 10, booster: 'linear', size: 64, bins: 255 } });
  const at = (name: string): number => v[enc.names.indexOf(name)]!;
  assert.deepEqual([at('family=alpha'), at('family=beta'), at('family=tiny')], [1, 0, 0]);
  assert.ok(Math.abs(at('alpha.lr') - 0.5) < 1e-5);
  assert.equal(at('alpha.depth'), 1);
  assert.deepEqual([at('alpha.booster=tree'), at('alpha.booster=linear')], [0, 1]);
  assert.equal(at('alpha.leaves'), INACTIVE);
  assert.equal(at('alpha.size'), 1);
  assert.equal(at('beta.c'), INACTIVE);
  assert.equal(at('tiny.k'), INACTIVE);
  const m = enc.matrix([{ family: 'tiny', config: { k: 2 } }, { family: 'tiny', config: { k: 3 } }]);
  assert.equal(m.nRows, 2);
  assert.deepEqual(Array.from(m.columns[enc.names.indexOf('tiny.k')]!), [0.5, 1]);
});

test('neighbours change one parameter, stay valid and complete re-activated children with defaults', () => {
  const space = mixedSpace();
  const rng = new Rng(11);
  const start = { family: 'alpha', config: { lr: 0.1, depth: 3, booster: 'linear', size: 32, bins: 255 } };
  const nbrs = neighbours(space, start, rng);
  assert.ok(nbrs.length >= 8, `${nbrs.length}`);
  for (const q of nbrs) {
    validateProposal(space, q);
    assert.notEqual(proposalKey(q), proposalKey(start));
  }
  const switched = nbrs.find((q) => q.config.booster === 'tree');
  assert.equal(switched?.config.leaves, 8);
  const sizes = nbrs.filter((q) => q.config.size !== 32).map((q) => q.config.size).sort();
  assert.deepEqual(sizes, [16, 64]);
});

test('finite families are enumerated and sampleUnseen detects an exhausted space', () => {
  const space = mixedSpace();
  assert.deepEqual(enumerateFamily(familySpace(space, 'tiny')), [{ k: 1 }, { k: 2 }, { k: 3 }]);
  assert.equal(enumerateFamily(familySpace(space, 'alpha')), undefined);
  const tiny = { ...space, families: [familySpace(space, 'tiny')] };
  const seen = new Set<string>();
  const rng = new Rng(1);
  for (let i = 0; i < 3; i++) {
    const p = sampleUnseen(tiny, rng, seen);
    assert.ok(p !== undefined);
    seen.add(proposalKey(p));
  }
  assert.equal(sampleUnseen(tiny, rng, seen), undefined);
});

test('bundled default space samples validate', () => {
  const space = loadSearchSpace('default');
  const rng = new Rng(5);
  for (let i = 0; i < 500; i++) validateProposal(space, sampleProposal(space, rng));
});
