/**
 * A trial's memory limit that covers typed arrays too. V8's `resourceLimits` (set on every worker thread) bound
 * only the JS heap; the data of Float64Array & co. lives outside it, so a worker with a 64 MB heap limit could hold
 * gigabytes of typed arrays. Inside a worker thread `v8.getHeapStatistics()` is per isolate, and its
 * `external_memory` counts the ArrayBuffer backing stores that isolate allocated, so heap + external memory is
 * what the trial holds. The guard checks it on a timer (every family yields to the event loop at least every
 * 25 ms) and at fold ends, and aborts the fit when the trial's growth passes the limit. A fit that ignores its
 * abort signal is ended FORCE_AFTER_MS later by an uncaught MemoryLimitError, which ends the worker thread (the
 * pool records the trial as out of memory and starts a fresh worker).
 */
import { getHeapStatistics } from 'node:v8';

/** The abort reason of a trial stopped by its memory guard. */
export class MemoryLimitError extends Error {
  override readonly name = 'MemoryLimitError';
  constructor(
    readonly heldMb: number,
    readonly limitMb: number,
  ) {
    super(`${OUT_OF_MEMORY_PREFIX} ${Math.round(heldMb)} MB (JS heap and typed arrays) over its ${limitMb} MB limit and was stopped`);
  }
}

/** Bytes this isolate holds: JS heap in use plus external (ArrayBuffer) memory. */
export type MemoryReader = () => number;

export const isolateMemory: MemoryReader = () => {
  const s = getHeapStatistics();
  return s.used_heap_size + s.external_memory;
};

const CHECK_EVERY_MS = 20;
/** How long a fit gets to honour the abort before its thread is ended. */
export const FORCE_AFTER_MS = 500;
/** Start of every MemoryLimitError message: how the pool recognizes a worker ended by its guard. */
export const OUT_OF_MEMORY_PREFIX = 'out of memory: the trial held';

/** Watches one trial: `check()` throws (and the controller is aborted) once it holds more than `limitMb`. */
export class MemoryGuard {
  private readonly baseline: number;
  private readonly timer: NodeJS.Timeout;
  private force: NodeJS.Timeout | undefined;
  private tripped: MemoryLimitError | null = null;

  constructor(
    private readonly limitMb: number,
    private readonly controller: AbortController,
    private readonly read: MemoryReader = isolateMemory,
  ) {
    // What the thread held before the trial (shared run data, loaded modules) is not the trial's.
    this.baseline = read();
    this.timer = setInterval(() => this.poll(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Throws the MemoryLimitError when the trial is over its limit (also aborting the fit). */
  check(): void {
    this.poll();
    if (this.tripped !== null) throw this.tripped;
  }

  /** Stop watching (the trial is over). */
  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.force);
  }

  private poll(): void {
    if (this.tripped !== null) return;
    const heldMb = (this.read() - this.baseline) / 2 ** 20;
    if (heldMb > this.limitMb) {
      const error = new MemoryLimitError(heldMb, this.limitMb);
      this.tripped = error;
      this.controller.abort(error);
      this.force = setTimeout(() => {
        throw error;
      }, FORCE_AFTER_MS);
    }
  }
}
