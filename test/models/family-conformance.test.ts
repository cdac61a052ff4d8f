/**
 * The MemberFamily contract (src/models/types.ts), checked for every registered family on real shared datasets
 * of every kind: binary, multiclass (with a class absent from the data), regression, nominal features, missing
 * values. Small configurations keep the whole suite quick; the checks do not depend on the family.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { outputWidth, takeRows, type Dataset } from '../../src/data/dataset.js';
import { familyNames, getFamily, listFamilies } from '../../src/models/registry.js';
import type { Config, FitContext, FittedMember, MemberFamily, SerializedMember } from '../../src/models/types.js';
import { ConfigError } from '../../src/util/errors.js';
import { CASES, SMALL, type Case } from './conformance-cases.js';

function context(seed: number, signal: AbortSignal = new AbortController().signal): FitContext {
  return { seed, signal, deadline: Infinity };
}

function configFor(family: MemberFamily): Config {
  return { ...family.defaults, ...(SMALL[family.name] ?? {}) };
}

/** A deep copy of a dataset's typed arrays, to check that fitting does not mutate its input. */
function snapshot(ds: Dataset): unknown[] {
  const target = ds.target.kind === 'classes' ? Array.from(ds.target.codes) : Array.from(ds.target.values);
  return [ds.nRows, target, ...ds.features.map((c) => (c.kind === 'numeric' ? Array.from(c.values) : [Array.from(c.codes), [...c.categories]]))];
}

function assertValidPredictions(p: Float64Array, c: Case, member: FittedMember): void {
  const n = c.test.nRows;
  const k = outputWidth(c.train);
  assert.equal(member.nOutputs, k);
  assert.equal(p.length, n * k, 'n x k predictions, k = every class of the dataset');
  for (let i = 0; i < p.length; i++) assert.ok(Number.isFinite(p[i]!), `non-finite prediction ${p[i]} at ${i}`);
  if (c.train.task === 'regression') return;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = p[i * k + j]!;
      assert.ok(v >= 0 && v <= 1, `probability ${v} out of [0, 1]`);
      sum += v;
    }
    assert.ok(Math.abs(sum - 1) < 1e-9, `row ${i} sums to ${sum}`);
  }
}

/** Brier score (classification) or MSE (regression) of predictions, and of the constant training-prior predictor. */
function scoreVsConstant(p: Float64Array, c: Case): { model: number; constant: number } {
  const n = c.test.nRows;
  if (c.train.target.kind === 'values' && c.test.target.kind === 'values') {
    const ytr = c.train.target.values;
    const mean = ytr.reduce((a, b) => a + b, 0) / ytr.length;
    let model = 0;
    let constant = 0;
    for (let i = 0; i < n; i++) {
      model += (p[i]! - c.test.target.values[i]!) ** 2;
      constant += (mean - c.test.target.values[i]!) ** 2;
    }
    return { model: model / n, constant: constant / n };
  }
  if (c.train.target.kind !== 'classes' || c.test.target.kind !== 'classes') throw new Error('mismatched targets');
  const k = c.train.target.classes.length;
  const prior = new Float64Array(k);
  for (const code of c.train.target.codes) prior[code] += 1 / c.train.nRows;
  let model = 0;
  let constant = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const truth = c.test.target.codes[i] === j ? 1 : 0;
      model += (p[i * k + j]! - truth) ** 2;
      constant += (prior[j]! - truth) ** 2;
    }
  }
  return { model: model / n, constant: constant / n };
}

/** The serialized member as it would come back from disk: state through JSON, blobs as fresh byte copies. */
function throughStorage(s: SerializedMember): SerializedMember {
  for (const blob of Object.values(s.blobs)) assert.ok(blob instanceof Uint8Array);
  const json = JSON.parse(JSON.stringify({ family: s.family, formatVersion: s.formatVersion, state: s.state })) as SerializedMember;
  const blobs = Object.fromEntries(Object.entries(s.blobs).map(([name, bytes]) => [name, Uint8Array.from(bytes)]));
  return { ...json, blobs };
}

function assertIdentical(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: prediction ${i} differs (${a[i]} vs ${b[i]})`);
  }
}

/**
 * The optional `predictVariance` contract: regression only; n finite values >= 0; deterministic; identical after
 * reload; each row's variance independent of the other rows; and on the scale of the real squared errors (the mean
 * ratio of squared error to predicted variance within a factor of 10 of 1: a variance that is off by more is broken).
 */
function checkVariance(member: FittedMember, again: FittedMember, loaded: FittedMember, p: Float64Array, c: Case): void {
  assert.equal(c.train.task, 'regression', `${member.family}: predictVariance on a ${c.train.task} member`);
  const v = member.predictVariance!(c.test);
  assert.equal(v.length, c.test.nRows);
  for (let i = 0; i < v.length; i++) assert.ok(Number.isFinite(v[i]!) && v[i]! >= 0, `variance ${v[i]} at row ${i}`);
  assertIdentical(again.predictVariance!(c.test), v, 'same seed, different variances');
  assertIdentical(loaded.predictVariance!(c.test), v, 'load(serialize()) predicts different variances');
  const head = takeRows(c.test, Int32Array.from({ length: 5 }, (_, i) => i));
  assertIdentical(member.predictVariance!(head), v.subarray(0, 5), 'variance of a row depends on the other rows');
  if (c.test.target.kind !== 'values') return;
  let squared = 0;
  let predicted = 0;
  for (let i = 0; i < v.length; i++) {
    squared += (c.test.target.values[i]! - p[i]!) ** 2;
    predicted += v[i]!;
  }
  const ratio = squared / predicted;
  assert.ok(ratio > 0.1 && ratio < 10, `${member.family}: mean squared error / mean predicted variance = ${ratio.toFixed(3)}`);
}

/** An AbortSignal stand-in that aborts itself on the n-th read of `aborted` (events go through a real one). */
function abortOnRead(n: number): { signal: AbortSignal; reads: () => number } {
  const controller = new AbortController();
  const real = controller.signal;
  let count = 0;
  const signal = {
    get aborted(): boolean {
      if (++count >= n && !real.aborted) controller.abort();
      return real.aborted;
    },
    get reason(): unknown {
      return real.reason;
    },
    get onabort() {
      return real.onabort;
    },
    set onabort(handler) {
      real.onabort = handler;
    },
    throwIfAborted(): void {
      if (this.aborted) throw real.reason;
    },
    addEventListener: real.addEventListener.bind(real),
    removeEventListener: real.removeEventListener.bind(real),
    dispatchEvent: real.dispatchEvent.bind(real),
  } as AbortSignal;
  return { signal, reads: () => count };
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Configurations that give a family's regression members a variance (beyond their defaults), checked here too. */
const VARIANCE_CONFIGS: readonly { family: string; config: Config }[] = [
  { family: 'mlp', config: { ...SMALL['mlp'], max_epochs: 40, loss: 'gaussian_nll' } },
];

for (const { family: name, config } of VARIANCE_CONFIGS) {
  test(`${name} ${JSON.stringify(config)} on regression: the predictVariance contract`, async () => {
    const family = getFamily(name);
    const c = CASES.find((x) => x.train.task === 'regression')!;
    const member = await family.fit(c.train, { ...family.defaults, ...config }, context(42));
    assert.ok(member.predictVariance !== undefined, `${name} with ${JSON.stringify(config)} predicts no variance`);
    const p = member.predict(c.test);
    assertValidPredictions(p, c, member);
    const { model, constant } = scoreVsConstant(p, c);
    assert.ok(model < constant, `${model} is not better than constant ${constant}`);
    const again = await family.fit(c.train, { ...family.defaults, ...config }, context(42));
    const loaded = await family.load(throughStorage(member.serialize()));
    assertIdentical(loaded.predict(c.test), p, 'load(serialize()) predicts differently');
    checkVariance(member, again, loaded, p, c);
    for (const m of [member, again, loaded]) m.dispose?.();
  });
}

test('registry lists every family once under its agreed name; an unknown name is a ConfigError naming them', () => {
  assert.deepEqual([...familyNames()].sort(), ['extra_trees', 'gbdt', 'linear', 'ml_random_forest', 'mlp', 'random_forest', 'tabm']);
  for (const family of listFamilies()) assert.equal(getFamily(family.name), family);
  assert.throws(
    () => getFamily('xgboost'),
    (e: unknown) => e instanceof ConfigError && /unknown member family 'xgboost'/.test(e.message) && /gbdt/.test(e.message),
  );
});

for (const family of listFamilies()) {
  describe(`family ${family.name}`, () => {
    test('describes itself and supports every task', () => {
      assert.ok(family.description.length > 0);
      for (const task of ['binary', 'multiclass', 'regression'] as const) assert.equal(family.supports(task), true);
    });

    for (const c of CASES) {
      test(`${c.kind} (${c.file}): valid, better than constant, deterministic, bit-exact reload, input untouched`, async () => {
        const before = snapshot(c.train);
        const config = configFor(family);
        const member = await family.fit(c.train, config, context(42));
        assert.equal(member.family, family.name);
        // A backend forced through the environment (the GPU check runs this suite so) must be the one that ran.
        const forced = process.env['AUTO_ENSEMBLE_BACKEND'];
        if (forced !== undefined && forced !== '' && forced !== 'auto' && member.backend !== undefined) assert.equal(member.backend, forced);
        assert.deepEqual(snapshot(c.train), before, 'fit must not mutate the training data');
        const p = member.predict(c.test);
        assertValidPredictions(p, c, member);
        const { model, constant } = scoreVsConstant(p, c);
        assert.ok(model < constant, `${family.name} on ${c.file}: ${model.toFixed(4)} is not better than constant ${constant.toFixed(4)}`);

        const again = await family.fit(c.train, config, context(42));
        assertIdentical(again.predict(c.test), p, 'same seed, different predictions');

        const loaded = await family.load(throughStorage(member.serialize()));
        assertIdentical(loaded.predict(c.test), p, 'load(serialize()) predicts differently');
        assert.equal(loaded.nOutputs, member.nOutputs);
        if (member.predictVariance !== undefined) checkVariance(member, again, loaded, p, c);
        member.dispose?.();
        again.dispose?.();
        loaded.dispose?.();
      });
    }

    test('an already aborted signal rejects with an AbortError', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(family.fit(CASES[0]!.train, configFor(family), context(1, controller.signal)), isAbortError);
    });

    test('an abort during the fit (at its second look at the signal) rejects with an AbortError', async () => {
      // A fast fit can finish in its synchronous part, before any timer could abort it, so the abort is
      // triggered from inside: the second read of `signal.aborted` aborts the controller and sees it.
      const { signal, reads } = abortOnRead(2);
      await assert.rejects(family.fit(CASES[3]!.train, configFor(family), context(1, signal)), isAbortError);
      assert.ok(reads() >= 2);
    });

    test('an unknown config key is a ConfigError naming it', async () => {
      await assert.rejects(
        family.fit(CASES[0]!.train, { ...configFor(family), no_such_key: 1 }, context(1)),
        (e: unknown) => e instanceof ConfigError && /no_such_key/.test(e.message),
      );
    });

    test('loading another family\'s member is refused', async () => {
      const other = listFamilies().find((f) => f.name !== family.name)!;
      const foreign: SerializedMember = { family: other.name, formatVersion: 1, state: {}, blobs: {} };
      await assert.rejects(family.load(foreign));
    });
  });
}
