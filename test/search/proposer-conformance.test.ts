/**
 * Conformance suite of the Proposer contract (src/search/types.ts), run against every proposer kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getMetric } from '../../src/metrics/index.js';
import { createProposer, PROPOSER_KINDS, type ProposerOptions } from '../../src/search/index.js';
import { proposalKey, validateProposal } from '../../src/search/config.js';
import { familySpace, type SearchSpace } from '../../src/search/space.js';
import type { Proposer, TrialOutcome, TrialProposal } from '../../src/search/types.js';
import { LABELS, mixedSpace, outcomeFor } from './fixtures.js';

/** Small candidate counts keep the suite fast; the behaviour under test does not depend on them. */
const FAST: ProposerOptions = {
  initialDesign: 6,
  randomCandidates: 60,
  localSearchStarts: 4,
  localSearchSteps: 3,
  labels: LABELS,
  metric: getMetric('log_loss'),
  diversity: { nRounds: 20, maxPairs: 300 },
};

function make(kind: string, space: SearchSpace, seed = 1): Proposer {
  return createProposer(kind, space, { ...FAST, seed });
}

function assertBatch(space: SearchSpace, batch: readonly TrialProposal[], taken: Set<string>, label: string): void {
  for (const p of batch) {
    validateProposal(space, p);
    const key = proposalKey(p);
    assert.ok(!taken.has(key), `${label}: duplicate proposal ${key}`);
    taken.add(key);
  }
}

for (const kind of PROPOSER_KINDS) {
  test(`${kind}: batches are valid, unique against the batch, pending and told trials; failures are not re-proposed`, async () => {
    const space = mixedSpace();
    const proposer = make(kind, space);
    const taken = new Set<string>();
    const told: TrialOutcome[] = [];
    for (let round = 0; round < 6; round++) {
      const running = await proposer.ask(3);
      assert.equal(running.length, 3);
      assertBatch(space, running, taken, `${kind} round ${round}`);
      const more = await proposer.ask(2, running);
      assert.equal(more.length, 2);
      assertBatch(space, more, taken, `${kind} round ${round} (with pending)`);
      const outcomes = [...running, ...more].map((p) => outcomeFor(space, p));
      told.push(...outcomes);
      proposer.tell(outcomes);
    }
    assert.ok(told.some((o) => o.status === 'failed'), 'the objective should have produced failures');
    const failedKeys = new Set(told.filter((o) => o.status === 'failed').map((o) => proposalKey(o)));
    for (const p of await proposer.ask(4)) assert.ok(!failedKeys.has(proposalKey(p)));
  });

  test(`${kind}: a new proposer told the same outcomes asks the same proposals (resume)`, async () => {
    const space = mixedSpace();
    const live = make(kind, space, 42);
    const told: TrialOutcome[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = await live.ask(2);
      const outcomes = batch.map((p) => outcomeFor(space, p));
      // Tell one by one, as results arrive.
      for (const o of outcomes) live.tell([o]);
      told.push(...outcomes);
    }
    const resumed = make(kind, space, 42);
    resumed.tell(told);
    const pending = told.slice(0, 0);
    assert.deepEqual(await resumed.ask(3, pending), await live.ask(3, pending));
    const other = make(kind, space, 43);
    other.tell(told);
    assert.notDeepEqual(await other.ask(3), await live.ask(3));
  });

  test(`${kind}: an exhausted finite space gives fewer proposals, then none`, async () => {
    const full = mixedSpace();
    const space = { ...full, families: [familySpace(full, 'tiny')] };
    const proposer = make(kind, space);
    const first = await proposer.ask(5);
    assert.equal(first.length, 3);
    assertBatch(space, first, new Set(), kind);
    proposer.tell(first.map((p) => outcomeFor(space, p)));
    assert.deepEqual(await proposer.ask(2), []);
  });

  test(`${kind}: keeps proposing when every trial so far failed`, async () => {
    const space = mixedSpace();
    const proposer = make(kind, space);
    const taken = new Set<string>();
    let id = 10_000;
    for (let round = 0; round < 5; round++) {
      const batch = await proposer.ask(3);
      assert.equal(batch.length, 3);
      assertBatch(space, batch, taken, kind);
      proposer.tell(batch.map((p) => ({ trialId: id++, family: p.family, config: p.config, status: round % 2 === 0 ? 'failed' : 'timeout' })));
    }
  });

  test(`${kind}: proposes only configurations predicted to fit the time left, none when nothing fits`, async () => {
    const space = mixedSpace();
    // Priors: alpha far beyond the per-trial limit (never proposed before it is measured), beta 1.5 s, tiny 0.2 s.
    const prior = (family: string): number | undefined => ({ alpha: 100, beta: 1.5, tiny: 0.2 })[family];
    const proposer = createProposer(kind, space, { ...FAST, seed: 3, costPrior: prior });
    const roomy = { secondsLeft: 10, trialLimit: 10, progress: 0 };
    const first = await proposer.ask(4, [], roomy);
    assert.ok(first.length > 0 && first.every((p) => p.family !== 'alpha'), first.map((p) => p.family).join());
    const tight = await proposer.ask(3, [], { secondsLeft: 1, trialLimit: 10, progress: 0.5 });
    assert.ok(tight.length > 0 && tight.every((p) => p.family === 'tiny'), tight.map((p) => p.family).join());
    assert.deepEqual(await proposer.ask(2, [], { secondsLeft: 0.1, trialLimit: 10, progress: 0.9 }), []);
    // Measured durations replace the prior: tiny turned out slow (3 s), beta fast (0.1 s).
    let id = 20_000;
    const timed = (p: TrialProposal, seconds: number): TrialOutcome => ({ ...outcomeFor(space, p), trialId: id++, seconds });
    proposer.tell(first.map((p) => timed(p, p.family === 'tiny' ? 3 : 0.1)));
    const after = await proposer.ask(3, [], { secondsLeft: 1, trialLimit: 10, progress: 0.5 });
    assert.ok(after.length > 0 && after.every((p) => p.family === 'beta'), after.map((p) => p.family).join());
    // Without a context, time is no constraint.
    assert.equal((await proposer.ask(3)).length, 3);
  });

  test(`${kind}: pruned trials are told with their partial loss and not proposed again`, async () => {
    const space = mixedSpace();
    const proposer = make(kind, space, 5);
    const taken = new Set<string>();
    let id = 30_000;
    for (let round = 0; round < 4; round++) {
      const batch = await proposer.ask(3);
      assertBatch(space, batch, taken, kind);
      proposer.tell(batch.map((p) => {
        const o = outcomeFor(space, p);
        return round % 2 === 1 && o.status === 'done' ? { trialId: id++, family: p.family, config: p.config, status: 'pruned', loss: o.loss! + 1 } : { ...o, trialId: id++ };
      }));
    }
  });
}

test('bo and divbo run the family defaults cheapest first when they know the costs', async () => {
  const space = mixedSpace();
  const prior = (family: string): number | undefined => ({ alpha: 3, beta: 2, tiny: 1 })[family];
  for (const kind of ['bo', 'divbo']) {
    const first = await createProposer(kind, space, { ...FAST, seed: 1, costPrior: prior }).ask(3, [], { secondsLeft: 60, trialLimit: 60, progress: 0 });
    assert.deepEqual(first.map((p) => p.family), ['tiny', 'beta', 'alpha']);
  }
});

test('bo and divbo start with each family\'s default configuration', async () => {
  const space = mixedSpace();
  for (const kind of ['bo', 'divbo']) {
    const first = await make(kind, space).ask(3);
    assert.deepEqual(first, [
      { family: 'alpha', config: { lr: 0.1, depth: 3, booster: 'tree', leaves: 8, size: 32, bins: 255 } },
      { family: 'beta', config: { c: 0, flag: true, g: 1 } },
      { family: 'tiny', config: { k: 1 } },
    ]);
  }
});

test('createProposer rejects unknown kinds and divbo without labels and metric', () => {
  const space = mixedSpace();
  assert.throws(() => createProposer('grid', space), /unknown search 'grid'/);
  assert.throws(() => createProposer('divbo', space, {}), /divbo needs the labels/);
  assert.equal(createProposer('bo', 'small').name, 'bo');
});
