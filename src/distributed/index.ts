export { redisExecutor, liveWorkerSlots, RedisExecutor, type RedisExecutorOptions } from './redis-executor.js';
export { TrialWorker, type TrialWorkerOptions } from './worker.js';
export { MemoryWatchdog, type MemoryWatchdogOptions } from './memory-watchdog.js';
export { parseQueueAddress, DEFAULT_QUEUE, type QueueAddress, type WorkerHeartbeat } from './protocol.js';
export { packRunData, publishRunData, fetchRunData, type PackedRunData } from './run-data.js';
export { distributedRunSetup } from './coordinator.js';
