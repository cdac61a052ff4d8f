/**
 * Redis connections of the coordinator and the workers. Commands never fail for a lost connection: they wait
 * until Redis is back (ioredis reconnects with a capped backoff), so a Redis restart pauses a run instead of
 * failing it. Only the first connection must succeed in time, so that a wrong URL is an error, not a hang.
 */
import type { RedisOptions as QueueRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../util/errors.js';
import type { QueueAddress } from './protocol.js';

const RECONNECT_MAX_MS = 1000;
/** Clients being closed on purpose: their 'close' is not an outage. */
const closing = new WeakSet<Redis>();
const FIRST_CONNECT_MS = 10_000;

const retryStrategy = (times: number): number => Math.min(50 * times, RECONNECT_MAX_MS);
const reconnectForever: Pick<RedisOptions, 'maxRetriesPerRequest' | 'retryStrategy' | 'enableReadyCheck'> = {
  maxRetriesPerRequest: null,
  retryStrategy,
  enableReadyCheck: true,
};

/** Connection options for BullMQ's own clients (queue, events, worker). */
export function queueConnection(address: QueueAddress): QueueRedisOptions {
  return { url: address.url, maxRetriesPerRequest: null, retryStrategy, enableReadyCheck: true };
}

/**
 * A connected client. `log` hears of a lost connection once per outage and of its return. Rejects with a
 * ConfigError when Redis cannot be reached within 10 s at first.
 */
export async function connectRedis(address: QueueAddress, role: string, log: (message: string) => void = () => undefined): Promise<Redis> {
  const redis = new Redis(address.url, { ...reconnectForever, connectionName: `auto-ensemble-${role}`, lazyConnect: true });
  let lost = false;
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('close', () => {
    if (lost || closing.has(redis)) return;
    lost = true;
    if (connected) log(`lost the connection to Redis at ${redact(address.url)}; waiting for it to come back`);
  });
  redis.on('ready', () => {
    if (lost && connected) log(`reconnected to Redis at ${redact(address.url)}`);
    lost = false;
  });
  let connected = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(lastError || 'timed out')), FIRST_CONNECT_MS);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    const why = lastError !== '' ? lastError : error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot reach Redis at ${redact(address.url)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  return redis;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Close a client on purpose (no "lost the connection" news): QUIT, or drop it when Redis is unreachable. */
export async function closeRedis(redis: Redis): Promise<void> {
  closing.add(redis);
  await redis.quit().catch(() => redis.disconnect());
}
