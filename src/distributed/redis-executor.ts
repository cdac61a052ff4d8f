/**
 * The coordinator's side of distributed training: a TrialExecutor that puts each trial on a BullMQ queue in Redis
 * and waits for a worker process (`auto-ensemble worker`, see worker.ts) to return its reply. The run loop, the
 * search and the store do not change: this process proposes, enqueues, and stays the only writer of the store.
 *
 * Delivery is driven by two paths: BullMQ's completion events (fast), and a poll of every trial in flight
 * (`pollMs`) that also repairs what events cannot see: a Redis restart that lost the queue (the run data and the
 * job are put back), a job that failed because it was cancelled by an earlier coordinator (it is put back), and a
 * trial that a previous coordinator left running (its job or stored reply is attached to, not run again).
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { ExecutorFactory, ExecutorSetup, TrialExecutor, TrialResult } from '../training/executor.js';
import type { Lane, TrialTask } from '../training/types.js';
import { decodeTrialReply, encodeTrialTask } from '../training/wire.js';
import { closeRedis, connectRedis, queueConnection } from './connection.js';
import {
  CANCELLED_REASON,
  DATA_MISSING_REASON,
  KEY_PREFIX,
  QueueKeys,
  TIMINGS,
  trialJobData,
  trialJobId,
  type QueueAddress,
  type TrialJobData,
} from './protocol.js';
import { packRunData, publishRunData, type PackedRunData } from './run-data.js';

export interface RedisExecutorOptions {
  readonly address: QueueAddress;
  /** How often trials in flight are checked in Redis besides the completion events, ms (default 1000). */
  readonly pollMs?: number;
  /**
   * How long after a trial's deadline plus grace the coordinator waits for its reply before recording a timeout,
   * ms (default 30 000): covers time in the queue and transfer, and a worker that vanished with the trial.
   */
  readonly dispatchSlackMs?: number;
  /** Connection news for the user (lost, reconnected, no worker yet). */
  readonly log?: (message: string) => void;
}

/** The executor factory for `RunOptions.executor`. */
export function redisExecutor(options: RedisExecutorOptions): ExecutorFactory {
  return (setup) => RedisExecutor.open(setup, options);
}

interface InFlight {
  readonly task: TrialTask;
  readonly jobId: string;
  readonly lane: Lane;
  readonly resolve: (result: TrialResult) => void;
  readonly cleanup: () => void;
  /** A check of this trial in Redis is under way; `again`: another was asked for meanwhile (an event came). */
  checking: boolean;
  again: boolean;
}

export class RedisExecutor implements TrialExecutor {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly keys: QueueKeys;
  private readonly pollTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly setup: ExecutorSetup,
    private readonly options: RedisExecutorOptions,
    private readonly redis: Redis,
    private readonly queue: Queue<TrialJobData>,
    private readonly events: QueueEvents,
    private readonly data: PackedRunData,
  ) {
    this.keys = new QueueKeys(options.address.queue);
    events.on('completed', ({ jobId }) => this.check(jobId));
    events.on('failed', ({ jobId }) => this.check(jobId));
    this.pollTimer = setInterval(() => {
      for (const jobId of this.inFlight.keys()) this.check(jobId);
    }, options.pollMs ?? 1000);
  }

  static async open(setup: ExecutorSetup, options: RedisExecutorOptions): Promise<RedisExecutor> {
    const log = options.log ?? (() => undefined);
    const redis = await connectRedis(options.address, 'coordinator', log);
    const queue = new Queue<TrialJobData>(options.address.queue, { connection: queueConnection(options.address), prefix: KEY_PREFIX });
    const events = new QueueEvents(options.address.queue, { connection: queueConnection(options.address), prefix: KEY_PREFIX });
    // Connection errors are retried by ioredis; reported once through `connectRedis`'s client, not per object.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    try {
      const data = await packRunData(setup.runData);
      await publishRunData(redis, new QueueKeys(options.address.queue), data);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      return new RedisExecutor(setup, options, redis, queue, events, data);
    } catch (error) {
      await Promise.allSettled([queue.close(), events.close()]);
      redis.disconnect();
      throw error;
    }
  }

  slots(lane: Lane): number {
    return lane === 'cpu' ? this.setup.concurrency : 0;
  }

  run(task: TrialTask, lane: Lane, signal?: AbortSignal): Promise<TrialResult> {
    if (this.closed) return Promise.reject(new Error('the Redis executor is closed'));
    const jobId = trialJobId(this.setup.runKey, task.number);
    if (this.inFlight.has(jobId)) return Promise.reject(new Error(`trial ${task.number} is already in flight`));
    const submitted = Date.now();
    return new Promise<TrialResult>((resolve) => {
      let giveUp: NodeJS.Timeout | undefined;
      const onAbort = (): void => this.cancel(jobId, 'cancelled: run cancelled');
      const cleanup = (): void => {
        clearTimeout(giveUp);
        signal?.removeEventListener('abort', onAbort);
      };
      this.inFlight.set(jobId, { task, jobId, lane, resolve, cleanup, checking: false, again: false });
      if (Number.isFinite(task.deadline)) {
        const waitMs = task.deadline - Date.now() + this.setup.graceMs + (this.options.dispatchSlackMs ?? 30_000);
        giveUp = setTimeout(() => {
          const seconds = ((Date.now() - submitted) / 1000).toFixed(1);
          this.cancel(jobId, `time limit reached: no worker returned the trial within ${seconds} s (are workers running on queue '${this.options.address.queue}'?)`, 'timeout');
        }, Math.min(Math.max(0, waitMs), 2 ** 31 - 1));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
      else this.check(jobId);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    for (const jobId of [...this.inFlight.keys()]) this.cancel(jobId, 'cancelled: executor closed');
    await Promise.allSettled([this.queue.close(), this.events.close()]);
    await closeRedis(this.redis);
  }

  // ---- finding out where a trial is ----

  /** Look at one trial in Redis and act: deliver its reply or failure, or (re)submit it. Never throws. */
  private check(jobId: string): void {
    const flight = this.inFlight.get(jobId);
    if (flight === undefined || this.closed) return;
    if (flight.checking) {
      flight.again = true;
      return;
    }
    flight.checking = true;
    this.inspect(flight)
      .catch(() => undefined) // Redis unreachable: the next poll tries again.
      .finally(() => {
        flight.checking = false;
        if (flight.again) {
          flight.again = false;
          this.check(jobId);
        }
      });
  }

  private async inspect(flight: InFlight): Promise<void> {
    if (await this.deliverReply(flight)) return;
    const job = await this.queue.getJob(flight.jobId);
    const state = job === undefined ? 'missing' : await job.getState();
    if (job !== undefined && state === 'failed') {
      const reason = job.failedReason ?? '';
      if (reason.startsWith(CANCELLED_REASON) || reason.startsWith(DATA_MISSING_REASON)) {
        await job.remove();
        return this.submit(flight);
      }
      // A job failed for stalling counts each dead start as a stall (its attemptsStarted also counts the failing move).
      const attempts = Math.max(1, /stalled/.test(reason) ? job.stalledCounter : job.attemptsStarted);
      return this.finish(flight, {
        ok: false,
        status: 'failed',
        error: `failed after ${attempts} attempt(s): ${reason} (each attempt's worker died running it: killed, crashed or out of memory)`,
        fitSeconds: 0,
        threadId: -1,
        lane: flight.lane,
        worker: job.processedBy ?? 'redis',
        attempts,
      });
    }
    if (job !== undefined && state === 'completed') {
      // The reply may have landed between the first look and now.
      if (await this.deliverReply(flight)) return;
      // Completed but its reply is gone (already taken by a coordinator that died before storing it): redo.
      await job.remove();
      return this.submit(flight);
    }
    if (state === 'missing' || state === 'unknown') return this.submit(flight);
    // waiting, active, delayed, prioritized: a worker has it or will; events or the next poll deliver it.
  }

  private async submit(flight: InFlight): Promise<void> {
    // The data may be gone with a Redis restart; EXISTS first so it is not sent again each time.
    if ((await this.redis.exists(this.keys.data(this.data.digest))) === 0) {
      await publishRunData(this.redis, this.keys, this.data);
      this.options.log?.(`run data put back in Redis (${(this.data.compressed.byteLength / 2 ** 20).toFixed(1)} MB)`);
    }
    const data = trialJobData(this.data.digest, encodeTrialTask(flight.task));
    await this.queue.add('trial', data, {
      jobId: flight.jobId,
      attempts: 1,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: TIMINGS.keepMs / 1000 },
    });
  }

  private async deliverReply(flight: InFlight): Promise<boolean> {
    const key = this.keys.result(flight.jobId);
    const bytes = await this.redis.getBuffer(key);
    if (bytes === null || !this.inFlight.has(flight.jobId)) return false;
    const { reply, meta } = decodeTrialReply(bytes);
    this.finish(flight, {
      ...reply,
      lane: meta['lane'] === 'gpu' ? 'gpu' : 'cpu',
      worker: typeof meta['worker'] === 'string' ? meta['worker'] : 'redis',
      attempts: typeof meta['attempt'] === 'number' && meta['attempt'] >= 1 ? meta['attempt'] : 1,
    });
    // The run loop stores the result in the callbacks of this resolution; the reply may go after them.
    setImmediate(() => void this.redis.del(key).catch(() => undefined));
    return true;
  }

  private finish(flight: InFlight, result: TrialResult): void {
    if (this.inFlight.get(flight.jobId) !== flight) return;
    this.inFlight.delete(flight.jobId);
    flight.cleanup();
    flight.resolve(result);
  }

  /** Resolve a trial now (cancelled or given up) and tell its worker to stop; a waiting job is removed. */
  private cancel(jobId: string, error: string, status: 'failed' | 'timeout' = 'failed'): void {
    const flight = this.inFlight.get(jobId);
    if (flight === undefined) return;
    this.finish(flight, { ok: false, status, error, fitSeconds: 0, threadId: -1, lane: flight.lane, worker: 'redis', attempts: 1 });
    // The marker first: a worker that took the job but has not yet listened for it checks the marker when it starts.
    void this.redis
      .set(this.keys.cancelled(jobId), '1', 'PX', TIMINGS.keepMs)
      .then(() => this.redis.publish(this.keys.cancelChannel(), jobId))
      .catch(() => undefined);
    void this.queue.remove(jobId).catch(() => undefined);
  }
}

/** Worker slots of the live workers on a queue (their heartbeats), e.g. as a run's default concurrency. */
export async function liveWorkerSlots(address: QueueAddress): Promise<number> {
  const redis = await connectRedis(address, 'probe');
  try {
    const keys = new QueueKeys(address.queue);
    let slots = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.workerPattern(), 'COUNT', 100);
      cursor = next;
      for (const value of found.length === 0 ? [] : await redis.mget(...found)) {
        if (value !== null) slots += (JSON.parse(value) as { slots?: number }).slots ?? 0;
      }
    } while (cursor !== '0');
    return slots;
  } finally {
    redis.disconnect();
  }
}

