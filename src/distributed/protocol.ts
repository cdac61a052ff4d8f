/**
 * What the coordinator and the workers agree on in Redis: key names, the BullMQ job payload and the limits of a
 * trial job. Everything under one prefix per queue, so several queues (and other apps) share a Redis.
 *
 * - `{prefix}:{queue}:*`           BullMQ's own keys (jobs, wait/active lists, events stream)
 * - `{prefix}:{queue}:ae:data:D`   a run's data (gzip of the run-data wire message), D = sha256 of the message
 * - `{prefix}:{queue}:ae:result:J` the reply of trial job J (trial-reply wire message), written by the worker
 *                                  before it completes the job, deleted by the coordinator once stored
 * - `{prefix}:{queue}:ae:worker:W` a live worker's heartbeat (its slots, host, pid, memory limit), expires
 * - `{prefix}:{queue}:ae:cancel`   pub/sub channel: job ids whose trial the coordinator cancelled
 */
import { hostname } from 'node:os';
import { ConfigError } from '../util/errors.js';
import { WIRE_VERSION } from '../training/wire.js';

export const KEY_PREFIX = 'ae';
export const DEFAULT_QUEUE = 'auto-ensemble';

/** A Redis URL and the queue on it, from `redis://host:port[/db][?queue=NAME]` (or `rediss://` for TLS). */
export interface QueueAddress {
  /** The URL without our `queue` parameter, as ioredis takes it. */
  readonly url: string;
  readonly queue: string;
}

export function parseQueueAddress(spec: string, queue?: string): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(spec);
  } catch {
    throw new ConfigError(`'${spec}' is not a Redis URL (expected redis://host:port, e.g. redis://127.0.0.1:6379)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`'${spec}' is not a Redis URL: it must start with redis:// or rediss://`);
  }
  const named = parsed.searchParams.get('queue');
  parsed.searchParams.delete('queue');
  const name = queue ?? named ?? DEFAULT_QUEUE;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConfigError(`queue name '${name}' may only use letters, digits, '_', '.' and '-'`);
  return { url: parsed.toString(), queue: name };
}

export class QueueKeys {
  constructor(readonly queue: string) {}
  private get base(): string {
    return `${KEY_PREFIX}:${this.queue}:ae`;
  }
  data(digest: string): string {
    return `${this.base}:data:${digest}`;
  }
  result(jobId: string): string {
    return `${this.base}:result:${jobId}`;
  }
  worker(name: string): string {
    return `${this.base}:worker:${name}`;
  }
  workerPattern(): string {
    return `${this.base}:worker:*`;
  }
  cancelChannel(): string {
    return `${this.base}:cancel`;
  }
  /** Set when the coordinator cancels a job: a worker that takes the job before the cancel message arrives sees it. */
  cancelled(jobId: string): string {
    return `${this.base}:cancelled:${jobId}`;
  }
}

/** The payload of a trial job. The task itself is a trial-task wire message (base64: BullMQ stores JSON). */
export interface TrialJobData {
  readonly wire: number;
  /** Digest of the run data the trial trains on. */
  readonly data: string;
  readonly task: string;
}

export function trialJobData(dataDigest: string, task: Uint8Array): TrialJobData {
  return { wire: WIRE_VERSION, data: dataDigest, task: Buffer.from(task.buffer, task.byteOffset, task.byteLength).toString('base64') };
}

/** What a worker returns as the job's value (the reply itself is under the result key). */
export interface TrialJobReturn {
  readonly wire: number;
  readonly bytes: number;
}

/** Job id of a trial: run key and trial number (BullMQ ids may not contain ':'). */
export function trialJobId(runKey: string, trialNumber: number): string {
  return `${runKey}-t${trialNumber}`;
}

/** A worker's heartbeat record. */
export interface WorkerHeartbeat {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly slots: number;
  readonly memoryLimitMb: number | null;
  readonly residentMb: number;
}

export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}`;
}

/** Failure reasons a job ends with that say "run it again" rather than "the trial failed". */
export const CANCELLED_REASON = 'cancelled by the coordinator';
export const DATA_MISSING_REASON = 'run data missing from Redis';

export const TIMINGS = {
  /** How long results and run data stay in Redis when nobody deletes them (a coordinator died for good). */
  keepMs: 24 * 3600_000,
  /** A worker's heartbeat key lives this long without renewal. */
  heartbeatTtlMs: 10_000,
  heartbeatEveryMs: 3_000,
} as const;
