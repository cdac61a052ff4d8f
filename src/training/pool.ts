import { Piscina } from 'piscina';
import { OUT_OF_MEMORY_PREFIX } from './memory-guard.js';
import type { Lane, TrialReply, TrialTask, WorkerRunData } from './types.js';

export interface TrialPoolOptions {
  readonly cpuThreads: number;
  readonly gpuThreads: number;
  /** JS heap (old generation) limit per worker thread, MB. */
  readonly memoryLimitMb: number;
  /** How long a worker gets to stop after its deadline before it is terminated, ms. */
  readonly graceMs: number;
  readonly runData: WorkerRunData;
}

/** A trial's end as seen from the main thread: the worker's reply, or why the worker died. */
export type PoolResult = TrialReply & { readonly lane: Lane };

const WORKER_URL = new URL('./worker.js', import.meta.url).href;

/**
 * The worker threads of one run, in two lanes: CPU (one thread per core by default) and GPU (one thread per
 * GPU, for neural families; absent without a usable GPU). Every worker gets the run's data once, at start.
 *
 * Stopping a trial: the worker aborts the fit's AbortSignal itself at the task deadline (families check it
 * between trees/epochs). If the worker is still busy `graceMs` later, the pool aborts the piscina task, which
 * terminates that worker thread; piscina replaces it with a fresh one. Memory: each worker runs with V8
 * `resourceLimits`; exceeding them kills only that worker (ERR_WORKER_OUT_OF_MEMORY); typed arrays, outside that
 * heap, are watched by each trial's memory guard (memory-guard.ts).
 */
export class TrialPool {
  private readonly lanes: Partial<Record<Lane, Piscina>> = {};
  private readonly graceMs: number;
  private readonly memoryLimitMb: number;

  constructor(options: TrialPoolOptions) {
    this.graceMs = options.graceMs;
    this.memoryLimitMb = options.memoryLimitMb;
    this.lanes.cpu = makeLane(options.cpuThreads, options);
    if (options.gpuThreads > 0) this.lanes.gpu = makeLane(options.gpuThreads, options);
  }

  threads(lane: Lane): number {
    return this.lanes[lane]?.options.maxThreads ?? 0;
  }

  /** Run one trial; never rejects: a crashed, killed or out-of-memory worker becomes a failed/timeout result. */
  async run(task: TrialTask, lane: Lane, cancel?: AbortSignal): Promise<PoolResult> {
    const pool = this.lanes[lane] ?? this.lanes.cpu!;
    const started = performance.now();
    const kill = new AbortController();
    let killedAtDeadline = false;
    const hardStop = setTimeout(() => {
      killedAtDeadline = true;
      kill.abort(new Error('deadline passed'));
    }, Math.max(0, Math.min(task.deadline - Date.now() + this.graceMs, 2 ** 31 - 1)));
    const onCancel = (): void => kill.abort(new Error('run cancelled'));
    cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      const reply = (await pool.run(task, { signal: kill.signal })) as TrialReply;
      return { ...reply, lane };
    } catch (error) {
      const fitSeconds = (performance.now() - started) / 1000;
      if (killedAtDeadline) {
        const error = `time limit reached: the fit ignored its abort signal for ${this.graceMs} ms and its worker was terminated`;
        return { ok: false, status: 'timeout', error, fitSeconds, threadId: -1, lane };
      }
      return { ok: false, status: 'failed', error: this.describeWorkerDeath(error), fitSeconds, threadId: -1, lane };
    } finally {
      clearTimeout(hardStop);
      cancel?.removeEventListener('abort', onCancel);
    }
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.lanes).map((p) => p.destroy()));
  }

  private describeWorkerDeath(error: unknown): string {
    const e = error as { code?: string; name?: string; message?: string };
    if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return `out of memory: the worker exceeded its ${this.memoryLimitMb} MB heap limit and was stopped (${e.message ?? ''})`;
    }
    // The trial's memory guard ended a fit that did not stop at its abort (memory-guard.ts).
    if (e.message?.startsWith(OUT_OF_MEMORY_PREFIX) === true) return e.message;
    if (e.name === 'AbortError') return `cancelled: ${e.message ?? ''}`;
    return `worker crashed: ${e.message ?? String(error)}`;
  }
}

function makeLane(threads: number, options: TrialPoolOptions): Piscina {
  const pool = new Piscina({
    filename: WORKER_URL,
    minThreads: threads,
    maxThreads: threads,
    // Each trial owns its thread; queueing is done by the run loop.
    concurrentTasksPerWorker: 1,
    idleTimeout: 2 ** 31 - 1,
    // Workers keep a live event loop between tasks (timers of a finished fit can still fire and be seen).
    atomics: 'disabled',
    resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb },
    workerData: options.runData,
  });
  // A worker dying between tasks (a leftover timer of a finished fit throwing) has no task to fail: piscina
  // then emits 'error' on the pool. Piscina has already replaced the worker; nothing else to do.
  pool.on('error', () => undefined);
  return pool;
}
