import type { ExecutorFactory } from '../training/executor.js';
import { ConfigError } from '../util/errors.js';
import { redact } from './connection.js';
import { parseQueueAddress } from './protocol.js';
import { liveWorkerSlots, redisExecutor } from './redis-executor.js';

/**
 * What a run on a Redis queue needs from the user's `executor: 'redis://…'`: the executor, and for a new run the
 * number of trials in flight (given, or the slots of the workers live now: the run keeps it, so a resume and a
 * rerun with the same seed see the same trial order).
 */
export async function distributedRunSetup(
  spec: string,
  options: { readonly concurrency?: number; readonly resuming: boolean; readonly log?: (message: string) => void },
): Promise<{ executor: ExecutorFactory; concurrency?: number }> {
  const address = parseQueueAddress(spec);
  const executor = redisExecutor({ address, ...(options.log === undefined ? {} : { log: options.log }) });
  if (options.resuming || options.concurrency !== undefined) return { executor, ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }) };
  const slots = await liveWorkerSlots(address);
  if (slots === 0) {
    throw new ConfigError(
      `no worker is serving queue '${address.queue}' at ${redact(address.url)}: start some with ` +
        `'auto-ensemble worker --redis ${redact(address.url)}', or give concurrency (trials in flight) to queue trials for workers yet to come`,
    );
  }
  return { executor, concurrency: slots };
}
