import { throwIfAborted, yieldToEventLoop } from '../config.js';
import type { FitContext } from '../types.js';

/** Yield to the event loop at least this often (ms) so an abort from a timer or a worker message gets through. */
const YIELD_EVERY_MS = 25;

/**
 * Drive a step-wise trainer (one tree or boosting round per step) with the FitContext: checks `ctx.signal`
 * between steps (rejecting with an AbortError), yields to the event loop regularly, and stops early, keeping
 * the trees trained so far, once `ctx.deadline` has passed and at least one step is done.
 * Returns the number of steps taken.
 */
export async function runSteps(step: () => boolean, ctx: FitContext, family: string): Promise<number> {
  let steps = 0;
  let lastYield = performance.now();
  throwIfAborted(ctx.signal, family);
  for (;;) {
    const more = step();
    steps++;
    if (!more) return steps;
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    throwIfAborted(ctx.signal, family);
    if (Date.now() > ctx.deadline) {
      ctx.log?.(`${family}: deadline reached after ${steps} steps; keeping the trees trained so far`);
      return steps;
    }
  }
}
