import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { defaultReserveSeconds, RunClock } from '../../src/training/budget.js';
import { normalizeModuleSpecifier, resolveFamily } from '../../src/training/families.js';
import { laneOf, visibleGpuCount } from '../../src/training/lanes.js';
import { shareDataset } from '../../src/training/shared-data.js';
import { FAULTY_FAMILIES, loadShared, SIMPLE_FAMILIES } from './helpers.js';

describe('run clock', () => {
  it('keeps the reserve out of training and estimates from past durations', () => {
    const clock = new RunClock(1_000_000, 60, 6);
    assert.equal(clock.trainingDeadline, 1_054_000);
    assert.equal(clock.runDeadline, 1_060_000);
    assert.equal(clock.estimate('gbdt'), 0);
    clock.record('gbdt', 10);
    clock.record('gbdt', 30);
    clock.record('gbdt', 20);
    clock.record('linear', 1);
    assert.equal(clock.estimate('gbdt'), 20);
    assert.equal(clock.estimate('linear'), 1);
    assert.equal(clock.estimate('mlp'), 15); // median of all four
    assert.ok(clock.fits(20, 1_030_000));
    assert.ok(!clock.fits(25, 1_030_000));
    assert.ok(clock.expired(1_054_000));
    assert.equal(new RunClock(0, undefined, 0).secondsLeft(), Infinity);
  });

  it('reserves 10% of the budget for ensembles, within 1..60 s and at most half', () => {
    assert.equal(defaultReserveSeconds(undefined), 0);
    assert.equal(defaultReserveSeconds(100), 10);
    assert.equal(defaultReserveSeconds(3600), 60);
    assert.equal(defaultReserveSeconds(5), 1);
    assert.equal(defaultReserveSeconds(1), 0.5);
  });
});

describe('lanes', () => {
  it('sends neural families to the GPU lane only when it exists', () => {
    assert.equal(laneOf('mlp', 1), 'gpu');
    assert.equal(laneOf('mlp', 0), 'cpu');
    assert.equal(laneOf('gbdt', 2), 'cpu');
  });

  it('counts no GPU when CUDA_VISIBLE_DEVICES hides them', () => {
    assert.equal(visibleGpuCount({ CUDA_VISIBLE_DEVICES: '' }), 0);
    assert.equal(visibleGpuCount({ CUDA_VISIBLE_DEVICES: '-1' }), 0);
  });
});

describe('plugin families', () => {
  it('normalizes paths to file URLs and keeps URLs and package names', () => {
    assert.equal(normalizeModuleSpecifier('./fam.js', '/tmp/x'), pathToFileURL('/tmp/x/fam.js').href);
    assert.equal(normalizeModuleSpecifier('/abs/fam.js'), pathToFileURL('/abs/fam.js').href);
    assert.equal(normalizeModuleSpecifier('file:///a/b.js'), 'file:///a/b.js');
    assert.equal(normalizeModuleSpecifier('my-families'), 'my-families');
  });

  it('finds families in plugin modules, in order, with clear errors', async () => {
    assert.equal((await resolveFamily('knn', [FAULTY_FAMILIES, SIMPLE_FAMILIES])).name, 'knn');
    assert.equal((await resolveFamily('throws', [FAULTY_FAMILIES])).name, 'throws');
    await assert.rejects(resolveFamily('knn', ['file:///nonexistent/families.js']), /cannot import family module/);
  });
});

describe('shared data', () => {
  it('copies a dataset onto shared memory with equal content', () => {
    const iris = loadShared('iris');
    const shared = shareDataset(iris);
    assert.deepEqual(shared, iris);
    const column = shared.features[0]!;
    assert.ok(column.kind === 'numeric' && column.values.buffer instanceof SharedArrayBuffer);
    assert.ok(shared.target.kind === 'classes' && shared.target.codes.buffer instanceof SharedArrayBuffer);
  });
});
