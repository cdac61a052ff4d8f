/**
 * A run's data in Redis: sent once by the coordinator, fetched once by each worker. Content-addressed (the key is
 * the sha256 of the wire message, so two runs on the same data and folds share one copy, and a resumed run finds
 * its data already there) and gzip-compressed.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip, constants } from 'node:zlib';
import type { Redis } from 'ioredis';
import { shareDataset, shareFolds, shareTable } from '../training/shared-data.js';
import type { WorkerRunData } from '../training/types.js';
import { decodeRunData, encodeRunData } from '../training/wire.js';
import { TIMINGS, type QueueKeys } from './protocol.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The run data, encoded and compressed, ready to send; `digest` names it. */
export interface PackedRunData {
  readonly digest: string;
  readonly compressed: Buffer;
  readonly rawBytes: number;
}

export async function packRunData(data: WorkerRunData): Promise<PackedRunData> {
  const raw = encodeRunData(data);
  const digest = createHash('sha256').update(raw).digest('hex');
  // Level 3: most of the ratio of the default level at a fraction of its time on float columns.
  const compressed = await gzipAsync(raw, { level: 3, strategy: constants.Z_DEFAULT_STRATEGY });
  return { digest, compressed, rawBytes: raw.byteLength };
}

/** Store the data unless it is there; either way renew its expiry. Returns whether it was uploaded. */
export async function publishRunData(redis: Redis, keys: QueueKeys, packed: PackedRunData): Promise<boolean> {
  const key = keys.data(packed.digest);
  const set = await redis.set(key, packed.compressed, 'PX', TIMINGS.keepMs, 'NX');
  if (set === null) await redis.pexpire(key, TIMINGS.keepMs);
  return set !== null;
}

/** Fetch, check and decode run data; undefined when Redis does not have it (yet, or any more). */
export async function fetchRunData(redis: Redis, keys: QueueKeys, digest: string): Promise<WorkerRunData | undefined> {
  const compressed = await redis.getBuffer(keys.data(digest));
  if (compressed === null) return undefined;
  const raw = await gunzipAsync(compressed);
  const actual = createHash('sha256').update(raw).digest('hex');
  if (actual !== digest) throw new Error(`run data ${digest} in Redis is corrupt (its content hashes to ${actual})`);
  const data = decodeRunData(raw);
  // On SharedArrayBuffers, as the local pool wants them: every worker thread reads the one copy.
  return {
    ...data,
    train: shareDataset(data.train),
    ...(data.test === undefined ? {} : { test: shareTable(data.test) }),
    folds: shareFolds(data.folds),
  };
}
