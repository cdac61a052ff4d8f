import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { MemoryWatchdog } from '../../src/distributed/memory-watchdog.js';
import { parseQueueAddress, trialJobId } from '../../src/distributed/protocol.js';
import type { TrialReply, TrialTask } from '../../src/training/types.js';
import { decodeTrialReply, decodeTrialTask, encodeTrialReply, encodeTrialTask, WIRE_VERSION, WireError } from '../../src/training/wire.js';

describe('trial wire format', () => {
  const task: TrialTask = { number: 4, family: 'gbdt', config: { max_depth: 3, policy: 'depthwise' }, seed: 99, deadline: Infinity };

  it('round-trips tasks and replies, typed arrays and non-finite numbers included', () => {
    assert.deepEqual(decodeTrialTask(encodeTrialTask(task)), task);
    const reply: TrialReply = {
      ok: true, oof: Float32Array.from([0.25, 0.75, 0.5, 0.5]), test: Float32Array.from([1, 0]),
      models: [{ family: 'gbdt', formatVersion: 2, state: { bias: -Infinity }, blobs: { trees: Uint8Array.from([1, 2, 3]) } }],
      fitSeconds: 1.5, validationScore: 0.8, validationLoss: 0.2, foldLosses: [0.1, 0.3], threadId: 3,
    };
    const { reply: back, meta } = decodeTrialReply(encodeTrialReply(reply, { worker: 'h:1/cpu/thread-3', attempt: 2 }));
    assert.deepEqual(back, reply);
    assert.deepEqual(meta, { worker: 'h:1/cpu/thread-3', attempt: 2 });
    const failure: TrialReply = { ok: false, status: 'timeout', error: 'time limit', fitSeconds: 2, threadId: 1 };
    assert.deepEqual(decodeTrialReply(encodeTrialReply(failure)).reply, failure);
  });

  it('carries a new optional field through without any change to the codec', () => {
    const extended = { ...task, pruneAboveLoss: 0.7 } as TrialTask;
    assert.equal((decodeTrialTask(encodeTrialTask(extended)) as TrialTask & { pruneAboveLoss: number }).pruneAboveLoss, 0.7);
    const reply = { ok: false, status: 'failed', error: 'pruned', fitSeconds: 1, threadId: 1, foldsDone: 2 } as TrialReply;
    assert.equal((decodeTrialReply(encodeTrialReply(reply)).reply as TrialReply & { foldsDone: number }).foldsDone, 2);
  });

  it('refuses messages of a newer format, of another kind, or broken, saying which side to upgrade', () => {
    const packr = new Packr({ moreTypes: true, useRecords: false });
    const newer = packr.pack({ wire: WIRE_VERSION + 1, kind: 'trial-task', body: task });
    assert.throws(() => decodeTrialTask(newer), (e: unknown) => e instanceof WireError && /upgrade auto-ensemble/.test(e.message));
    assert.throws(() => decodeTrialReply(encodeTrialTask(task)), /expected a trial-reply message, got trial-task/);
    assert.throws(() => decodeTrialTask(Uint8Array.from([0xc1])), WireError);
    assert.throws(() => decodeTrialTask(packr.pack({ wire: 1, kind: 'trial-task', body: { family: 'x' } })), /lacks number/);
  });
});

describe('queue addresses', () => {
  it('parses the queue out of a Redis URL and rejects other URLs with a clear message', () => {
    assert.deepEqual(parseQueueAddress('redis://10.0.0.5:6379/2?queue=big'), { url: 'redis://10.0.0.5:6379/2', queue: 'big' });
    assert.deepEqual(parseQueueAddress('redis://h:1', 'q1'), { url: 'redis://h:1', queue: 'q1' });
    assert.equal(parseQueueAddress('rediss://h:1').queue, 'auto-ensemble');
    assert.throws(() => parseQueueAddress('http://h:1'), /must start with redis:\/\//);
    assert.throws(() => parseQueueAddress('h:1:2'), /not a Redis URL/);
    assert.throws(() => parseQueueAddress('redis://h:1?queue=a:b'), /queue name/);
    assert.equal(trialJobId('run3-17-abc', 12), 'run3-17-abc-t12');
  });
});

describe('memory watchdog', () => {
  it('acts only over the limit, then waits for the memory to come back before acting again', () => {
    const mb = 2 ** 20;
    let resident = 100 * mb;
    const stops: number[] = [];
    const watchdog = new MemoryWatchdog({ limitMb: 300, sample: () => resident, settleMs: 1000, onExceeded: (m) => (stops.push(m), true) });
    watchdog.check(0);
    assert.deepEqual(stops, []);
    resident = 350 * mb;
    watchdog.check(100);
    watchdog.check(600); // settling: the stopped trial's memory is still being released
    assert.deepEqual(stops, [350]);
    watchdog.check(1200);
    assert.deepEqual(stops, [350, 350]);
    resident = 120 * mb;
    watchdog.check(3000);
    assert.equal(stops.length, 2);
    assert.equal(watchdog.peakMb, 350);
    assert.equal(watchdog.lastMb, 120);
  });

  it('keeps checking at once when there was nothing to stop', () => {
    let calls = 0;
    const watchdog = new MemoryWatchdog({ limitMb: 10, sample: () => 20 * 2 ** 20, onExceeded: () => (calls++, false) });
    watchdog.check(0);
    watchdog.check(1);
    assert.equal(calls, 2);
  });
});
