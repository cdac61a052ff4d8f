/**
 * Uncertainty end to end: a search on synthetic data with known noise, then conformal intervals / sets on fresh rows
 * (coverage within binomial error of the nominal level), the uncertainty split, bundles that keep the calibration
 * data, refit members, and the errors a user gets for bad requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { autoEnsemble, loadRunEnsemble } from '../../src/api/auto-ensemble.js';
import { loadBundle } from '../../src/export/bundle.js';
import type { PredictionRow } from '../../src/serving/ensemble-model.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';
import { directEnsemble, loadShared, rowsOf, tempDir } from '../export/helpers.js';

const QUICK = { searchSpace: 'small', folds: 5, concurrency: 2, search: 'random', seed: 5 } as const;

/** Forests only: members whose spread across trees follows the noise, so normalized intervals can adapt. */
const FORESTS = {
  families: {
    random_forest: { hyperparameters: { n_estimators: { type: 'constant', value: 30 }, min_samples_leaf: { type: 'int', low: 1, high: 10, log: true, default: 3 } } },
    extra_trees: { hyperparameters: { n_estimators: { type: 'constant', value: 30 } } },
  },
};

/** Coverage tolerance: 4 standard errors (test rows, and the calibration rows' own randomness). */
function tolerance(level: number, nTest: number, nCal: number): number {
  return 4 * Math.sqrt(level * (1 - level) * (1 / nTest + 1 / nCal));
}

/** y = sin(3 x1) + 2 x2 + noise with sd 0.1 + |x1| (known), plus two features that carry nothing. */
function heteroscedastic(n: number, seed: number): Record<string, number>[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x1 = rng.uniform(-1, 1);
    const x2 = rng.uniform(-1, 1);
    return { x1, x2, z1: rng.normal(), z2: rng.normal(), y: Math.sin(3 * x1) + 2 * x2 + (0.1 + Math.abs(x1)) * rng.normal() };
  });
}

test('regression: 90% intervals cover fresh rows of known noise, adapt to it, and survive the bundle', async () => {
  const tmp = tempDir('ae-uq-');
  try {
    const train = heteroscedastic(800, 1);
    const fresh = heteroscedastic(3000, 2);
    const result = await autoEnsemble({ rows: train, target: 'y' }, { ...QUICK, searchSpace: FORESTS, maxTrials: 4, store: join(tmp.path, 'runs.db') });
    const rows = result.ensemble.predict(fresh, { interval: 0.9, uncertainty: true });
    assert.deepEqual(Float64Array.from(rows, (r) => r.prediction as number), result.ensemble.predictMatrix(fresh), 'the same predictions, to the bit');
    let covered = 0;
    let calm = 0;
    let calmWidth = 0;
    let noisyWidth = 0;
    let noisy = 0;
    rows.forEach((r, i) => {
      const y = fresh[i]!.y;
      if (r.lower! <= y && y <= r.upper!) covered++;
      assert.ok(r.lower! <= (r.prediction as number) && (r.prediction as number) <= r.upper!, 'the interval holds the prediction');
      const u = r.uncertainty!;
      assert.equal(u.total, u.aleatoric + u.epistemic);
      if (Math.abs(fresh[i]!.x1) < 0.25) {
        calm++;
        calmWidth += r.upper! - r.lower!;
      } else if (Math.abs(fresh[i]!.x1) > 0.75) {
        noisy++;
        noisyWidth += r.upper! - r.lower!;
      }
    });
    const coverage = covered / fresh.length;
    assert.ok(Math.abs(coverage - 0.9) <= tolerance(0.9, fresh.length, train.length), `coverage ${coverage}`);
    // The trees' spread also holds the trend between neighbours, so it tracks the noise only in part (about 1.6x here
    // against a true 4x): docs/uncertainty.md.
    assert.ok(noisyWidth / noisy > 1.3 * (calmWidth / calm), `normalized intervals widen with the noise: ${noisyWidth / noisy} vs ${calmWidth / calm}`);
    // Absolute scores (normalized: false) give about the same width everywhere (CV+ varies it only with the folds).
    const plain = result.ensemble.predict(fresh, { interval: 0.9, normalized: false });
    const width = (near: boolean): number => {
      const picked = plain.filter((_, i) => (near ? Math.abs(fresh[i]!.x1) < 0.25 : Math.abs(fresh[i]!.x1) > 0.75));
      return picked.reduce((s, r) => s + r.upper! - r.lower!, 0) / picked.length;
    };
    assert.ok(width(false) / width(true) < 1.15, `absolute widths ${width(false)} vs ${width(true)}`);
    result.save(join(tmp.path, 'bundle'));
    const loaded = await loadBundle(join(tmp.path, 'bundle'));
    assert.deepEqual(loaded.calibration, result.ensemble.calibration, 'the bundle round-trips the calibration data');
    assert.deepEqual(loaded.predict(fresh.slice(0, 200), { interval: 0.8, uncertainty: true }), result.ensemble.predict(fresh.slice(0, 200), { interval: 0.8, uncertainty: true }));
  } finally {
    tmp.done();
  }
});

test('classification: 90% prediction sets cover held-out rows; probabilities, temperature and the entropy split', async () => {
  const tmp = tempDir('ae-uq-');
  try {
    const data = loadShared('vehicle');
    const rng = new Rng(3);
    const order = rng.permutation(data.nRows);
    const all = rowsOf(data);
    const labels = (data.target as { codes: Int32Array; classes: readonly string[] });
    const trainRows = Array.from(order.subarray(0, 500), (i) => ({ ...all[i]!, Class: labels.classes[labels.codes[i]!] }));
    const heldOut = Array.from(order.subarray(500), (i) => i);
    const result = await autoEnsemble({ rows: trainRows, target: 'Class' }, { ...QUICK, maxTrials: 4, store: join(tmp.path, 'runs.db') });
    const held = heldOut.map((i) => all[i]!);
    for (const setMethod of ['lac', 'aps'] as const) {
      const rows: PredictionRow[] = result.ensemble.predictProba(held, { interval: 0.9, setMethod, uncertainty: true });
      let covered = 0;
      rows.forEach((r, j) => {
        if (r.set!.includes(labels.classes[labels.codes[heldOut[j]!]!]!)) covered++;
        const u = r.uncertainty!;
        assert.ok(Math.abs(u.total - u.aleatoric - u.epistemic) < 1e-12 && u.epistemic >= 0);
        assert.ok(Math.abs(Object.values(r.probabilities!).reduce((a, b) => a + b, 0) - 1) < 1e-9);
      });
      const coverage = covered / rows.length;
      const slack = setMethod === 'aps' ? 0.05 : 0;
      assert.ok(coverage >= 0.9 - tolerance(0.9, rows.length, 500) && coverage <= 0.9 + slack + tolerance(0.9, rows.length, 500), `${setMethod} coverage ${coverage}`);
    }
    const t = result.ensemble.calibration!.classification!.temperature;
    assert.ok(t > 0.05 && t < 20);
    const calibrated = result.ensemble.predictProba(held.slice(0, 20), { calibrated: true });
    const raw = result.ensemble.predict(held.slice(0, 20));
    assert.deepEqual(calibrated.map((r) => r.prediction), raw, 'temperature scaling keeps the predicted class');
  } finally {
    tmp.done();
  }
});

test('members refit on all rows: intervals from the out-of-fold scores around the refit prediction', async () => {
  const tmp = tempDir('ae-uq-');
  try {
    const train = heteroscedastic(600, 3);
    const fresh = heteroscedastic(2000, 4);
    const db = join(tmp.path, 'runs.db');
    const result = await autoEnsemble({ rows: train, target: 'y' }, { ...QUICK, maxTrials: 3, store: db });
    const refit = await loadRunEnsemble(result.runId, { store: db, refit: true, dataset: { rows: train, target: 'y' } });
    assert.ok(refit.ensemble.members.every((m) => m.models.length === 1));
    const rows = refit.ensemble.predict(fresh, { interval: 0.9 });
    const coverage = rows.filter((r, i) => r.lower! <= fresh[i]!.y && fresh[i]!.y <= r.upper!).length / fresh.length;
    assert.ok(Math.abs(coverage - 0.9) <= tolerance(0.9, fresh.length, train.length) + 0.02, `refit coverage ${coverage}`);
  } finally {
    tmp.done();
  }
});

test('bad interval values and options are clear errors; a model without calibration data says so', async () => {
  const tmp = tempDir('ae-uq-');
  try {
    const data = loadShared('cpu');
    const result = await autoEnsemble(data, { ...QUICK, folds: 3, maxTrials: 2, store: join(tmp.path, 'runs.db') });
    const rows = rowsOf(data, 3);
    const m = result.ensemble;
    for (const bad of [0, 1, 90, -0.5, NaN, '0.9', null, true]) {
      assert.throws(() => m.predict(rows, { interval: bad as number }), (e: unknown) => e instanceof ConfigError && /between 0 and 1/.test(e.message), String(bad));
    }
    assert.throws(() => m.predict(rows, { interval: 0.999 }), (e: unknown) => e instanceof ConfigError && /calibration rows/.test(e.message));
    assert.throws(() => m.predict(rows, { intervall: 0.9 } as never), (e: unknown) => e instanceof ConfigError && /unknown predict option 'intervall'/.test(e.message));
    assert.throws(() => m.predict(rows, { interval: 0.9, setMethod: 'lac' }), (e: unknown) => e instanceof ConfigError && /classification/.test(e.message));
    assert.throws(() => m.predict(rows, { uncertainty: 'yes' as never }), (e: unknown) => e instanceof ConfigError && /true or false/.test(e.message));
    const uncalibrated = await directEnsemble(data, [{ family: 'linear' }]);
    assert.throws(() => uncalibrated.predict(rows, { interval: 0.9 }), (e: unknown) => e instanceof ConfigError && /no calibration data/.test(e.message));
    assert.deepEqual(uncalibrated.predict(rows, {}).length, 3, 'plain rows need no calibration');
  } finally {
    tmp.done();
  }
});
