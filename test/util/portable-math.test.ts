import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exp, expm1, tanh } from '../../src/util/portable-math.js';
import { Rng } from '../../src/util/random.js';

/** Arguments over every range the algorithms branch on: tiny, near 0.5 ln2 and 1.5 ln2, large, extreme, special. */
function argumentsToCheck(): number[] {
  const rng = new Rng(1);
  const xs = [0, -0, 1e-300, -1e-300, 2 ** -60, 0.3465, 0.3466, 1.0397, 1.0398, 22, -22, 38, 40, 56 * Math.LN2, 709.78, 709.79, -745.13, -745.14, 1e6, -1e6, Infinity, -Infinity, NaN];
  for (let i = 0; i < 200_000; i++) {
    const scale = [1e-10, 1e-3, 0.5, 2, 20, 100, 800][i % 7]!;
    xs.push((rng.uniform(0, 1) * 2 - 1) * scale);
  }
  return xs;
}

// fdlibm is what V8's Math.exp / expm1 / tanh were in the Node.js version this project targets (20): identical there.
const sameAsNode20 = process.versions.node.split('.')[0] === '20';

test('exp, expm1 and tanh equal the fdlibm results of V8 in Node.js 20, bit for bit', { skip: sameAsNode20 ? false : `Node.js ${process.version}: its Math functions may differ` }, () => {
  for (const x of argumentsToCheck()) {
    assert.ok(Object.is(exp(x), Math.exp(x)), `exp(${x}): ${exp(x)} vs ${Math.exp(x)}`);
    assert.ok(Object.is(expm1(x), Math.expm1(x)), `expm1(${x}): ${expm1(x)} vs ${Math.expm1(x)}`);
    assert.ok(Object.is(tanh(x), Math.tanh(x)), `tanh(${x}): ${tanh(x)} vs ${Math.tanh(x)}`);
  }
});

test('exp, expm1 and tanh are accurate to about one ulp on any engine', () => {
  for (const x of argumentsToCheck()) {
    for (const [name, ours, reference] of [['exp', exp(x), Math.exp(x)], ['expm1', expm1(x), Math.expm1(x)], ['tanh', tanh(x), Math.tanh(x)]] as const) {
      if (Number.isNaN(reference)) assert.ok(Number.isNaN(ours), `${name}(${x})`);
      else assert.ok(ours === reference || Math.abs(ours - reference) <= 4e-16 * Math.abs(reference), `${name}(${x}): ${ours} vs ${reference}`);
    }
  }
});
