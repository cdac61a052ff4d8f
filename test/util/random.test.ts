import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../src/util/random.js';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 50 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 50 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 50 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('uniform draws are roughly uniform and integers stay in range', () => {
  const rng = new Rng(1);
  const counts = new Int32Array(10);
  for (let i = 0; i < 100_000; i++) counts[rng.int(10)]!++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket count ${c}`);
  const p = rng.permutation(100);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
});

test('derived seeds are stable and do not collide for nearby parents and labels', () => {
  assert.equal(deriveSeed(42, 3, 1), deriveSeed(42, 3, 1));
  assert.notEqual(deriveSeed(2, 0, 0), deriveSeed(3, 1, 0));
  const seen = new Set<number>();
  for (let s = 0; s < 64; s++) for (let t = 0; t < 64; t++) for (let f = 0; f < 4; f++) seen.add(deriveSeed(s, t, f));
  assert.equal(seen.size, 64 * 64 * 4, 'no collisions over a grid of parents, trials and folds');
});
