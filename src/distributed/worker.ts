/**
 * A worker process of distributed training (`auto-ensemble worker`): takes trial jobs from the BullMQ queue,
 * trains each with the local worker-thread pool (TrialPool, so a trial runs exactly as in a local run), and
 * leaves the reply (out-of-fold and test predictions, fold models) in Redis for the coordinator.
 *
 * Stateless: everything it needs comes through Redis. A run's data is fetched once and kept (decoded, on shared
 * memory, with its thread pool) for the next trials of that run; the `cachedRuns` most recent runs are kept.
 *
 * Faults: a worker that dies mid-trial stops renewing its job's lock; after `lockDurationMs` BullMQ's stalled-job
 * check (run by every live worker each `stalledIntervalMs`) gives the job to another worker, and after
 * `maxAttempts` starts fails it for good (a poison trial that kills every worker it lands on). A trial that
 * fails by itself (an error, a time limit, a thread out of heap) is not a job failure: its failed reply is
 * returned like any result and recorded by the coordinator.
 */
import { availableParallelism, hostname, totalmem } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { laneOf } from '../training/lanes.js';
import { TrialPool } from '../training/pool.js';
import type { TrialReply, WorkerRunData } from '../training/types.js';
import type { TrialResult } from '../training/executor.js';
import { decodeTrialTask, encodeTrialReply, WIRE_VERSION } from '../training/wire.js';
import { closeRedis, connectRedis, queueConnection } from './connection.js';
import { MemoryWatchdog } from './memory-watchdog.js';
import {
  CANCELLED_REASON,
  DATA_MISSING_REASON,
  defaultWorkerName,
  KEY_PREFIX,
  QueueKeys,
  TIMINGS,
  type QueueAddress,
  type TrialJobData,
  type TrialJobReturn,
  type WorkerHeartbeat,
} from './protocol.js';
import { fetchRunData } from './run-data.js';

export interface TrialWorkerOptions {
  readonly address: QueueAddress;
  /** Trials at once (CPU worker threads), default: the machine's cores. */
  readonly concurrency?: number;
  /** GPU threads for neural trials (default 0). */
  readonly gpuThreads?: number;
  /** Resident memory limit of this process, MB (default: none). */
  readonly memoryLimitMb?: number;
  readonly name?: string;
  /** Starts of one trial before it is failed as poison (default 3). Every worker of a queue should agree. */
  readonly maxAttempts?: number;
  /** How long a dead worker's job stays locked, ms (default 15 000). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs of dead workers, ms (default 15 000). */
  readonly stalledIntervalMs?: number;
  /** How long a trial gets to stop after its deadline before its thread is terminated, ms (default 1000). */
  readonly graceMs?: number;
  /** How long to wait for run data that Redis lost (a restart) before failing the job, ms (default 60 000). */
  readonly dataWaitMs?: number;
  /** Runs whose data and thread pool are kept (default 2). */
  readonly cachedRuns?: number;
  /** One line per event (trial started / finished, memory limit, connection news). */
  readonly log?: (line: string) => void;
}

interface CachedRun {
  readonly pool: Promise<TrialPool>;
  lastUsed: number;
  active: number;
}

interface ActiveTrial {
  readonly controller: AbortController;
  readonly started: number;
  /** Why the worker stopped it, if it did. */
  stoppedFor?: { readonly kind: 'cancel' } | { readonly kind: 'memory'; readonly residentMb: number };
}

export class TrialWorker {
  readonly name: string;
  private readonly keys: QueueKeys;
  private readonly runs = new Map<string, CachedRun>();
  private readonly active = new Map<string, ActiveTrial>();
  private readonly watchdog: MemoryWatchdog | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly bull: Worker<TrialJobData, TrialJobReturn>;
  private readonly cpuThreads: number;
  private readonly gpuThreads: number;
  private closing: Promise<void> | undefined;
  /** Trials this worker started, and how they ended (for its log and tests). */
  readonly counts = { started: 0, done: 0, failed: 0, memoryStops: 0 };

  private constructor(
    private readonly options: TrialWorkerOptions,
    private readonly redis: Redis,
    private readonly subscriber: Redis,
  ) {
    this.name = options.name ?? defaultWorkerName();
    this.keys = new QueueKeys(options.address.queue);
    this.cpuThreads = options.concurrency ?? availableParallelism();
    this.gpuThreads = options.gpuThreads ?? 0;
    const maxAttempts = options.maxAttempts ?? 3;
    this.bull = new Worker<TrialJobData, TrialJobReturn>(options.address.queue, (job) => this.process(job), {
      connection: queueConnection(options.address),
      prefix: KEY_PREFIX,
      name: this.name,
      concurrency: this.cpuThreads + this.gpuThreads,
      maxStalledCount: maxAttempts - 1,
      lockDuration: options.lockDurationMs ?? 15_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: TIMINGS.keepMs / 1000 },
    });
    this.bull.on('error', (error) => this.log(`queue error: ${error.message}`));
    if (options.memoryLimitMb !== undefined) {
      this.watchdog = new MemoryWatchdog({ limitMb: options.memoryLimitMb, onExceeded: (mb) => this.stopForMemory(mb) });
      this.watchdog.start();
    }
    void subscriber.subscribe(this.keys.cancelChannel());
    subscriber.on('message', (_channel: string, jobId: string) => {
      const trial = this.active.get(jobId);
      if (trial === undefined || trial.stoppedFor !== undefined) return;
      trial.stoppedFor = { kind: 'cancel' };
      trial.controller.abort(new Error(CANCELLED_REASON));
    });
    this.heartbeat = setInterval(() => void this.beat(), TIMINGS.heartbeatEveryMs);
    void this.beat();
  }

  static async start(options: TrialWorkerOptions): Promise<TrialWorker> {
    const concurrency = options.concurrency ?? availableParallelism();
    if (!(Number.isInteger(concurrency) && concurrency > 0)) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
    const attempts = options.maxAttempts ?? 3;
    if (!(Number.isInteger(attempts) && attempts >= 1)) throw new Error(`maxAttempts must be a positive integer, got ${attempts}`);
    const log = options.log ?? (() => undefined);
    const redis = await connectRedis(options.address, 'worker', log);
    const subscriber = redis.duplicate();
    subscriber.on('error', () => undefined);
    const worker = new TrialWorker(options, redis, subscriber);
    await worker.bull.waitUntilReady();
    return worker;
  }

  /** Resident memory now and at its highest, MB (0 without a memory limit). */
  memory(): { residentMb: number; peakMb: number } {
    return { residentMb: this.watchdog?.lastMb ?? 0, peakMb: this.watchdog?.peakMb ?? 0 };
  }

  /** Stop taking jobs, let running trials finish (or, with `force`, stop them), release everything. */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      if (force) for (const trial of this.active.values()) trial.controller.abort(new Error('worker shutting down'));
      await this.bull.close(force);
      clearInterval(this.heartbeat);
      this.watchdog?.stop();
      await Promise.allSettled([...this.runs.values()].map(async (run) => (await run.pool).close()));
      await this.redis.del(this.keys.worker(this.name)).catch(() => undefined);
      this.subscriber.disconnect();
      await closeRedis(this.redis);
    })();
    return this.closing;
  }

  // ---- one trial ----

  private async process(job: Job<TrialJobData, TrialJobReturn>): Promise<TrialJobReturn> {
    const jobId = job.id!;
    if (job.data.wire > WIRE_VERSION) {
      throw new UnrecoverableError(`trial job in wire format ${job.data.wire}, this worker reads up to ${WIRE_VERSION}: upgrade auto-ensemble on the workers`);
    }
    const task = decodeTrialTask(Buffer.from(job.data.task, 'base64'));
    const run = this.cachedRun(job.data.data);
    run.active++;
    const trial: ActiveTrial = { controller: new AbortController(), started: Date.now() };
    this.active.set(jobId, trial);
    this.counts.started++;
    this.log(`trial ${jobId} started: ${task.family} (attempt ${job.attemptsStarted})`);
    try {
      // Cancelled between being queued and reaching this worker (the cancel message came before we listened for it).
      if ((await this.redis.exists(this.keys.cancelled(jobId))) === 1) throw new UnrecoverableError(CANCELLED_REASON);
      const pool = await run.pool;
      const lane = laneOf(task.family, this.gpuThreads);
      const result = await pool.run(lane === 'gpu' ? { ...task, backend: 'tensorflow-gpu' } : task, lane, trial.controller.signal);
      if (trial.stoppedFor?.kind === 'cancel') throw new UnrecoverableError(CANCELLED_REASON);
      const reply = trial.stoppedFor?.kind === 'memory' ? this.memoryFailure(result, trial.stoppedFor.residentMb) : replyOf(result);
      const bytes = encodeTrialReply(reply, { worker: `${this.name}/${result.worker}`, lane, attempt: job.attemptsStarted });
      await this.redis.set(this.keys.result(jobId), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'PX', TIMINGS.keepMs);
      if (reply.ok) this.counts.done++;
      else this.counts.failed++;
      const seconds = ((Date.now() - trial.started) / 1000).toFixed(1);
      this.log(`trial ${jobId} ${reply.ok ? 'done' : reply.status}: ${task.family} in ${seconds} s${reply.ok ? '' : ` (${reply.error})`}`);
      return { wire: WIRE_VERSION, bytes: bytes.byteLength };
    } finally {
      this.active.delete(jobId);
      run.active--;
      run.lastUsed = Date.now();
    }
  }

  private memoryFailure(result: TrialResult, residentMb: number): TrialReply {
    return {
      ok: false,
      status: 'failed',
      error:
        `out of memory: the worker process reached ${Math.round(residentMb)} MB resident memory, over its limit of ` +
        `${this.options.memoryLimitMb} MB (--memory-limit); the trial's thread was stopped`,
      fitSeconds: result.fitSeconds,
      threadId: result.threadId,
    };
  }

  /** Over the memory limit: stop the newest trial not already stopped. */
  private stopForMemory(residentMb: number): boolean {
    let newest: [string, ActiveTrial] | undefined;
    for (const entry of this.active) {
      if (entry[1].stoppedFor === undefined && (newest === undefined || entry[1].started >= newest[1].started)) newest = entry;
    }
    if (newest === undefined) return false;
    const [jobId, trial] = newest;
    trial.stoppedFor = { kind: 'memory', residentMb };
    this.counts.memoryStops++;
    this.log(`memory limit: ${Math.round(residentMb)} MB resident > ${this.options.memoryLimitMb} MB; stopping trial ${jobId}`);
    trial.controller.abort(new Error('memory limit'));
    return true;
  }

  // ---- run data and pools ----

  private cachedRun(digest: string): CachedRun {
    let run = this.runs.get(digest);
    if (run === undefined) {
      run = { pool: this.openPool(digest), lastUsed: Date.now(), active: 0 };
      this.runs.set(digest, run);
      run.pool.catch(() => this.runs.delete(digest));
      this.evictIdleRuns();
    }
    return run;
  }

  private async openPool(digest: string): Promise<TrialPool> {
    const data = await this.waitForRunData(digest);
    const threads = this.cpuThreads + this.gpuThreads;
    const limit = this.options.memoryLimitMb;
    // Each thread's JS heap gets its share of the process limit. The limit itself is the watchdog's, on the whole
    // process (what the machine sees); each trial's own guard (JS heap and typed arrays of its thread) is set at
    // twice the share, a backstop for a watchdog starved of CPU, so that it never pre-empts the watchdog.
    const heapMb = limit !== undefined ? Math.max(64, Math.floor(limit / threads)) : Math.min(8192, Math.max(512, Math.floor(totalmem() / 2 ** 20 / 2 / threads)));
    const guardMb = limit !== undefined ? 2 * heapMb : heapMb;
    this.log(`run data ${digest.slice(0, 12)} loaded: ${data.train.nRows} rows x ${data.train.features.length} features, ${data.folds.length} folds`);
    const runData = { ...data, memoryLimitMb: guardMb };
    return new TrialPool({ cpuThreads: this.cpuThreads, gpuThreads: this.gpuThreads, memoryLimitMb: heapMb, graceMs: this.options.graceMs ?? 1000, runData });
  }

  private async waitForRunData(digest: string): Promise<WorkerRunData> {
    const until = Date.now() + (this.options.dataWaitMs ?? 60_000);
    for (;;) {
      const data = await fetchRunData(this.redis, this.keys, digest);
      if (data !== undefined) return data;
      // Lost with a Redis restart: the coordinator puts it back when it sees its jobs gone.
      if (Date.now() >= until) throw new Error(`${DATA_MISSING_REASON}: ${digest}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private evictIdleRuns(): void {
    const keep = this.options.cachedRuns ?? 2;
    const idle = [...this.runs.entries()].filter(([, run]) => run.active === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [digest, run] of idle.slice(0, Math.max(0, this.runs.size - keep))) {
      this.runs.delete(digest);
      void run.pool.then((pool) => pool.close()).catch(() => undefined);
    }
  }

  private async beat(): Promise<void> {
    const memory = this.memory();
    const record: WorkerHeartbeat = {
      name: this.name,
      host: hostname(),
      pid: process.pid,
      slots: this.cpuThreads + this.gpuThreads,
      memoryLimitMb: this.options.memoryLimitMb ?? null,
      residentMb: Math.round(memory.residentMb || process.memoryUsage.rss() / 2 ** 20),
    };
    await this.redis.set(this.keys.worker(this.name), JSON.stringify(record), 'PX', TIMINGS.heartbeatTtlMs).catch(() => undefined);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** The reply part of a pool result (what crosses the wire; lane, worker and attempts travel as meta). */
function replyOf(result: TrialResult): TrialReply {
  const { lane: _lane, worker: _worker, attempts: _attempts, ...reply } = result;
  return reply;
}
