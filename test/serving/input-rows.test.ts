import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/data/dataset.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { DataError } from '../../src/util/errors.js';
import { assertBitIdentical, directEnsemble, loadShared, rowsOf } from '../export/helpers.js';

let credit: Dataset;
let ensemble: EnsembleModel;
let treesOnly: EnsembleModel;

before(async () => {
  credit = loadShared('credit-g');
  ensemble = await directEnsemble(credit, [{ family: 'gbdt', config: { n_estimators: 10 } }, { family: 'linear' }]);
  treesOnly = await directEnsemble(credit, [{ family: 'gbdt', config: { n_estimators: 10 } }]);
});

function dataError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

function assertProbabilities(p: Float64Array, k: number): void {
  for (let i = 0; i < p.length; i += k) {
    let s = 0;
    for (let c = 0; c < k; c++) {
      assert.ok(Number.isFinite(p[i + c]!) && p[i + c]! >= 0, `probability ${p[i + c]}`);
      s += p[i + c]!;
    }
    assert.ok(Math.abs(s - 1) < 1e-9, `row sums to ${s}`);
  }
}

test('rows predict like the table they came from, whatever the key order', () => {
  const rows = rowsOf(credit, 40);
  const shuffled = rows.map((r) => Object.fromEntries(Object.entries(r).reverse()));
  const fromTable = ensemble.predictMatrix(credit).subarray(0, 80);
  assertBitIdentical(ensemble.predictMatrix(rows), fromTable, 'rows');
  assertBitIdentical(ensemble.predictMatrix(shuffled), fromTable, 'reordered keys');
  assert.deepEqual(ensemble.predict(rows), Array.from({ length: 40 }, (_, i) => (fromTable[2 * i + 1]! > fromTable[2 * i]! ? 'bad' : 'good')));
  assert.equal(ensemble.predictMatrix([]).length, 0, 'no rows, no predictions');
});

test('a column absent from every row is an error naming it; absent from some rows is a missing value', () => {
  const rows = rowsOf(credit, 3).map((r) => {
    const { age: _age, ...rest } = r;
    return rest;
  });
  assert.throws(() => ensemble.predictMatrix(rows), dataError(/missing feature column 'age'/));
  const partly = rowsOf(credit, 3);
  delete partly[1]!.age;
  const withNull = rowsOf(credit, 3);
  withNull[1]!.age = null;
  assertBitIdentical(ensemble.predictMatrix(partly), ensemble.predictMatrix(withNull), 'absent key = null');
  for (const missing of [undefined, '', NaN]) {
    const r = rowsOf(credit, 3);
    r[1]!.age = missing;
    assertBitIdentical(ensemble.predictMatrix(r), ensemble.predictMatrix(withNull), `age = ${String(missing)}`);
  }
  assert.throws(() => ensemble.predictMatrix({ nRows: 1, features: [] }), dataError(/missing feature column 'checking_status'/));
});

test('extra columns are ignored', () => {
  const rows = rowsOf(credit, 10);
  const extra = rows.map((r, i) => ({ ...r, id: i, class: 'good', comment: { nested: true } }));
  assertBitIdentical(ensemble.predictMatrix(extra), ensemble.predictMatrix(rows), 'extra keys');
});

test('an unseen category is treated as unknown (like a missing value for trees), never as another category', () => {
  const rows = rowsOf(credit, 20);
  const unseen = rows.map((r) => ({ ...r, purpose: 'space travel' }));
  const missing = rows.map((r) => ({ ...r, purpose: null }));
  assertBitIdentical(treesOnly.predictMatrix(unseen), treesOnly.predictMatrix(missing), 'trees: unseen = missing');
  const p = ensemble.predictMatrix(unseen);
  assertProbabilities(p, 2);
  const purposes = (credit.features.find((c) => c.name === 'purpose') as { categories: readonly string[] }).categories;
  for (const known of purposes) {
    const as = ensemble.predictMatrix(rows.map((r) => ({ ...r, purpose: known })));
    assert.notDeepEqual(Array.from(p), Array.from(as), `unseen category predicted as '${known}'`);
  }
  const renamed = ensemble.predictMatrix({
    nRows: credit.nRows,
    features: credit.features.map((c) => (c.kind === 'categorical' && c.name === 'purpose' ? { ...c, categories: c.categories.map((x) => `${x}?`) } : c)),
  });
  const allUnseen = rowsOf(credit).map((r) => ({ ...r, purpose: r.purpose === null ? null : 'space travel' }));
  assertBitIdentical(renamed, ensemble.predictMatrix(allUnseen), 'unseen categories in a table = in rows');
});

test('numeric strings are numbers; wrong types are errors naming row and column', () => {
  const rows = rowsOf(credit, 5);
  const asText = rows.map((r) => ({ ...r, age: String(r.age), duration: ` ${String(r.duration)} ` }));
  assertBitIdentical(ensemble.predictMatrix(asText), ensemble.predictMatrix(rows), 'numeric strings');
  for (const bad of ['forty', true, { years: 40 }, [40], Infinity, '1,5']) {
    const r = rowsOf(credit, 5);
    r[3]!.age = bad;
    assert.throws(() => ensemble.predictMatrix(r), dataError(/row 3.*'age'/), `age = ${JSON.stringify(bad)}`);
  }
  const r = rowsOf(credit, 5);
  r[2]!.purpose = { name: 'radio/tv' };
  assert.throws(() => ensemble.predictMatrix(r), dataError(/row 2.*'purpose'/));
  assert.throws(() => ensemble.predictMatrix([rowsOf(credit, 1)[0]!, 7 as unknown as Record<string, unknown>]), dataError(/row 1/));
  assert.throws(() => ensemble.predictMatrix('rows' as unknown as []), dataError(/array of row objects/));
  assert.throws(() => ensemble.predictMatrix(null as unknown as []), dataError(/array of row objects/));
});

test('a regression ensemble predicts values and refuses predictProba', async () => {
  const cpu = loadShared('cpu');
  const model = await directEnsemble(cpu, [{ family: 'linear' }, { family: 'gbdt', config: { n_estimators: 10 } }]);
  const rows = rowsOf(cpu, 8).map((r) => ({ ...r, vendor: r.vendor === 'ibm' ? 'unknown-vendor' : r.vendor }));
  const values = model.predict(rows);
  assert.ok(values instanceof Float64Array && values.length === 8 && values.every(Number.isFinite));
  assert.throws(() => model.predictProba(rows), /regressor/);
});
