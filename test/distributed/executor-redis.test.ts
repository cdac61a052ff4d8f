import { parseQueueAddress } from '../../src/distributed/protocol.js';
import { redisExecutor } from '../../src/distributed/redis-executor.js';
import { executorConformance } from '../training/executor-conformance.js';
import { freshQueue, RedisServer, redisMissing, WorkerProcess } from './helpers.js';

let server: RedisServer | undefined;
let worker: WorkerProcess | undefined;

executorConformance('distributed executor (Redis queue, one worker process with 2 threads)', {
  ...(redisMissing() === undefined ? {} : { skip: redisMissing() }),
  before: async () => {
    server = await RedisServer.start();
    const queue = freshQueue('conformance');
    worker = await WorkerProcess.start(server.url, queue, ['--concurrency', '2']);
    const address = parseQueueAddress(server.url, queue);
    return { factory: redisExecutor({ address, pollMs: 200, dispatchSlackMs: 10_000 }), cpuSlots: 2 };
  },
  after: async () => {
    await worker?.kill('SIGTERM');
    await server?.stop();
  },
});
