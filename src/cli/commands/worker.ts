/**
 * `auto-ensemble worker --redis URL [--concurrency N] [--memory-limit MB] [--queue NAME]`: a worker process of
 * distributed training (see docs/distributed.md). Takes trials from the queue until stopped, one log line per
 * trial on stdout. SIGINT / SIGTERM: finish the running trials, then exit 0; a second signal stops them at once
 * (their jobs go back to the queue for another worker).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';

interface WorkerOptions {
  redis: string;
  queue?: string;
  concurrency?: number;
  memoryLimit?: number;
  name?: string;
  maxAttempts: number;
  lockSeconds: number;
  stalledCheckSeconds: number;
}

export const workerCommand: CliCommand = {
  name: 'worker',
  register(program: Command, context: CliContext): void {
    program
      .command('worker')
      .description('train trials of distributed runs: take them from a Redis queue (fit --executor redis://...)')
      .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379 (?queue=NAME picks a queue)')
      .option('--queue <name>', 'queue name (default auto-ensemble; must match the coordinator)')
      .option('--concurrency <n>', 'trials at once, one worker thread each (default: the number of cores)', positiveInteger)
      .option('--memory-limit <MB>', 'resident memory limit of this process: over it, the newest trial is stopped and recorded failed', positiveInteger)
      .option('--name <name>', 'worker name in logs and the store (default host:pid)')
      .option('--max-attempts <n>', 'starts of a trial whose workers keep dying before it is recorded failed', positiveInteger, 3)
      .option('--lock-seconds <s>', "how long a dead worker's trial stays locked before another worker takes it", seconds, 15)
      .option('--stalled-check-seconds <s>', 'how often this worker looks for trials of dead workers', seconds, 15)
      .action((options: WorkerOptions) => runWorker(options, context));
  },
};

function seconds(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !(x > 0 && x <= 3600)) throw new InvalidArgumentError('expected seconds between 0 and 3600.');
  return x;
}

async function runWorker(options: WorkerOptions, context: CliContext): Promise<void> {
  const { parseQueueAddress, TrialWorker } = await import('../../distributed/index.js');
  const { detectGpuThreads } = await import('../../training/lanes.js');
  const address = parseQueueAddress(options.redis, options.queue);
  const log = (line: string): void => context.io.out(`${new Date().toISOString()} ${line}\n`);
  const worker = await TrialWorker.start({
    address,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    gpuThreads: await detectGpuThreads(),
    ...(options.memoryLimit === undefined ? {} : { memoryLimitMb: options.memoryLimit }),
    ...(options.name === undefined ? {} : { name: options.name }),
    maxAttempts: options.maxAttempts,
    lockDurationMs: options.lockSeconds * 1000,
    stalledIntervalMs: options.stalledCheckSeconds * 1000,
    log,
  });
  const limit = options.memoryLimit === undefined ? 'no memory limit' : `memory limit ${options.memoryLimit} MB resident`;
  log(`worker ${worker.name} ready on queue '${address.queue}' (${options.concurrency ?? 'all cores'} trials at once, ${limit})`);
  await new Promise<void>((resolve, reject) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) log(`${signal}: finishing the running trials (again to stop them now)`);
      worker.close(signals > 1).then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        const { started, done, failed, memoryStops } = worker.counts;
        log(`worker stopped: ${started} trials started, ${done} done, ${failed} failed (${memoryStops} for memory)`);
        resolve();
      }, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
