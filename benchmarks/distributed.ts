/**
 * Distributed training benchmark (about 2 minutes): a real redis-server on a free loopback port and real
 * `auto-ensemble worker` processes on this machine.
 * - overhead_ms_per_trial: median time the run loop waits for one trial through the Redis queue minus the same
 *   trial in the local worker-thread pool (the peer), on 10,000 rows x 20 features (out-of-fold predictions
 *   10,000 x 2 float32 travel back). The trial itself (class prior, 5 folds) is cheap so that dispatch shows.
 * - throughput: trials/s of a fixed workload (24 trials of ~0.5 s of CPU each) on the local pool (one thread per
 *   core) and on 1, 2 and 4 worker processes of one thread each, all on this machine; best of interleaved rounds.
 * - the limits of a large run: proposals/s of the coordinator's search (random, BO), reply bytes per trial and
 *   Redis round trips of them per second, SQLite trial writes per second (see docs/distributed.md).
 * Run: npm run bench:distributed [-- --trials 24 --overhead-trials 40 --rounds 2]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Dataset } from '../src/data/dataset.js';
import { datasetFolds } from '../src/data/split.js';
import { parseQueueAddress } from '../src/distributed/protocol.js';
import { redisExecutor } from '../src/distributed/redis-executor.js';
import { getMetric } from '../src/metrics/index.js';
import { createProposer } from '../src/search/index.js';
import type { TrialOutcome } from '../src/search/types.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { ExecutorFactory, ExecutorSetup } from '../src/training/executor.js';
import { localExecutor } from '../src/training/pool.js';
import { shareDataset, shareFolds } from '../src/training/shared-data.js';
import type { TrialTask } from '../src/training/types.js';
import { encodeTrialReply } from '../src/training/wire.js';
import { Rng } from '../src/util/random.js';
import { RedisServer, WorkerProcess } from '../test/distributed/helpers.js';
import { argument } from './args.js';
import { median } from './timing.js';

const ROWS = 10_000;
const FEATURES = 20;
const FOLDS = 5;
const TRIALS = Number(argument('trials', '24'));
const OVERHEAD_TRIALS = Number(argument('overhead-trials', '40'));
const ROUNDS = Number(argument('rounds', '2'));
const root = fileURLToPath(new URL('../../', import.meta.url));
const SIMPLE_FAMILIES = new URL('../test/fixtures/families/simple.js', import.meta.url).href;

/** A binary dataset of ROWS x FEATURES Gaussian features (the label depends on the first two). */
function syntheticData(seed: number): Dataset {
  const rng = new Rng(seed);
  const random = (): number => rng.next();
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const features = Array.from({ length: FEATURES }, (_, j) => ({ name: `x${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: ROWS }, gauss) }));
  const codes = Int32Array.from({ length: ROWS }, (_, i) => (features[0]!.values[i]! + 0.5 * features[1]!.values[i]! + 0.3 * gauss() > 0 ? 1 : 0));
  return { name: 'synthetic-10000x20', task: 'binary', nRows: ROWS, features, target: { name: 'y', kind: 'classes', codes, classes: ['0', '1'] } };
}

const data = syntheticData(1);
let runs = 0;
const setup = (concurrency: number): ExecutorSetup => ({
  runData: { train: shareDataset(data), folds: shareFolds(datasetFolds(data, FOLDS, 0)), metric: 'roc_auc', familyModules: [SIMPLE_FAMILIES], memoryLimitMb: 1024 },
  runKey: `bench-${process.pid}-${++runs}`,
  concurrency,
  gpuThreads: 0,
  memoryLimitMb: 1024,
  graceMs: 1000,
});

const task = (number: number, family: string, config: TrialTask['config']): TrialTask => ({ number, family, config, seed: number, deadline: Infinity });

/** Wall ms of each trial run one after another (after 3 warm-up trials). */
async function sequentialTrialMs(factory: ExecutorFactory, trials: number): Promise<number[]> {
  const executor = await factory(setup(1));
  try {
    for (let i = 0; i < 3; i++) await executor.run(task(1000 + i, 'prior', {}), 'cpu');
    const times: number[] = [];
    for (let i = 0; i < trials; i++) {
      const t0 = performance.now();
      const result = await executor.run(task(i, 'prior', {}), 'cpu');
      times.push(performance.now() - t0);
      if (!result.ok) throw new Error(result.error);
    }
    return times;
  } finally {
    await executor.close();
  }
}

/** Trials/s of the fixed CPU workload with `inFlight` trials at once. */
async function throughput(factory: ExecutorFactory, inFlight: number, iterations: number): Promise<number> {
  const executor = await factory(setup(inFlight));
  try {
    await Promise.all(Array.from({ length: inFlight }, (_, i) => executor.run(task(5000 + i, 'prior', {}), 'cpu'))); // warm-up
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < TRIALS) {
        const n = next++;
        const result = await executor.run(task(n, 'spin', { iterations, salt: n }), 'cpu');
        if (!result.ok) throw new Error(result.error);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return TRIALS / ((performance.now() - t0) / 1000);
  } finally {
    await executor.close();
  }
}

/** Iterations of `spin` for ~100 ms a fold (0.5 s a trial) on one core. */
async function calibrate(): Promise<number> {
  const executor = await localExecutor(setup(1));
  try {
    const probe = 2_000_000;
    await executor.run(task(0, 'spin', { iterations: probe }), 'cpu');
    const t0 = performance.now();
    await executor.run(task(1, 'spin', { iterations: probe }), 'cpu');
    const seconds = (performance.now() - t0) / 1000;
    return Math.round((probe * 0.5) / seconds);
  } finally {
    await executor.close();
  }
}

/** Median ms of one proposer.ask(1) after `told` random outcomes were told. */
async function proposalMs(kind: 'random' | 'bo', told: number): Promise<number> {
  const labels = data.target.kind === 'classes' ? data.target.codes : new Int32Array(0);
  const proposer = createProposer(kind, 'default', { seed: 1, labels, metric: getMetric('roc_auc'), nOutputs: 2 });
  const rng = new Rng(7);
  const outcomes: TrialOutcome[] = [];
  for (let i = 0; i < told; i++) {
    const [p] = await proposer.ask(1);
    outcomes.push({ trialId: i, family: p!.family, config: p!.config, status: 'done', loss: rng.next() });
    proposer.tell([outcomes[i]!]);
  }
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await proposer.ask(1);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** SQLite finishTrial writes per second with 10,000 x 2 float32 predictions and 5 small models each. */
function storeWritesPerSecond(dir: string): number {
  const store = new SqliteStore(join(dir, 'writes.db'));
  const run = store.createRun({
    datasetName: 'bench', datasetFingerprint: 'x', task: 'binary', metric: 'roc_auc', seed: 0, nRows: ROWS, nOutputs: 2, options: {}, owner: { pid: 0, host: 'bench' },
  });
  const oof = new Float32Array(ROWS * 2).fill(0.5);
  const models = Array.from({ length: FOLDS }, () => ({ family: 'prior', formatVersion: 1, state: { row: [0.5, 0.5] }, blobs: {} }));
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const trial = store.enqueueTrial(run.id, { number: i, family: 'prior', config: {}, seed: i });
    store.startTrial(trial.id, 'bench');
    store.finishTrial(trial.id, { validationScore: 0.5, validationLoss: 0.5, fitSeconds: 0, oof, models });
  }
  const perSecond = n / ((performance.now() - t0) / 1000);
  store.close();
  return perSecond;
}

/** Round trips/s of SET + GET of one trial reply (the bytes a trial moves through Redis), 4 clients at once. */
async function redisReplyRoundTrips(url: string, reply: Uint8Array): Promise<number> {
  const clients = Array.from({ length: 4 }, () => new Redis(url));
  const payload = Buffer.from(reply);
  const n = 300;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = c; i < n; i += clients.length) {
        await client.set(`bench:reply:${i}`, payload);
        await client.getBuffer(`bench:reply:${i}`);
        await client.del(`bench:reply:${i}`);
      }
    }),
  );
  const perSecond = n / ((performance.now() - t0) / 1000);
  clients.forEach((client) => client.disconnect());
  return perSecond;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'ae-bench-distributed-'));
  const server = await RedisServer.start();
  const workers: WorkerProcess[] = [];
  /** Worker processes (one thread each) serving a queue of their own; all stay up, idle when not measured. */
  const queueWith = async (count: number, label: string): Promise<ExecutorFactory> => {
    const queue = `bench-${label}-${process.pid}`;
    workers.push(...(await Promise.all(Array.from({ length: count }, (_, i) => WorkerProcess.start(server.url, queue, ['--concurrency', '1', '--name', `${label}-${i}`])))));
    return redisExecutor({ address: parseQueueAddress(server.url, queue) });
  };
  try {
    console.log(`overhead: ${OVERHEAD_TRIALS} trials of ${ROWS} rows x ${FEATURES} features, one after another`);
    const local = await sequentialTrialMs(localExecutor, OVERHEAD_TRIALS);
    const remote = await sequentialTrialMs(await queueWith(1, 'overhead'), OVERHEAD_TRIALS);
    const overhead = median(remote) - median(local);

    const iterations = await calibrate();
    const localThreads = availableParallelism();
    console.log(`throughput: ${TRIALS} trials of ~0.5 s CPU (spin ${iterations} iterations a fold x ${FOLDS}), best of ${ROUNDS} interleaved rounds`);
    const configs: Array<[string, number, ExecutorFactory]> = [['local_pool', localThreads, localExecutor]];
    for (const count of [1, 2, 4]) configs.push([`workers_${count}`, count, await queueWith(count, `w${count}`)]);
    // Interleaved rounds, best of each: a shared machine's load drifts, and drifts alike for every config this way.
    const rates: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, inFlight, factory] of configs) rates[name] = Math.max(rates[name] ?? 0, await throughput(factory, inFlight, iterations));
    }
    const localRate = rates['local_pool']!;
    for (const w of workers.splice(0)) await w.kill('SIGTERM');

    const reply = encodeTrialReply({
      ok: true, oof: new Float32Array(ROWS * 2), models: Array.from({ length: FOLDS }, () => ({ family: 'prior', formatVersion: 1, state: { row: [0.5, 0.5] }, blobs: {} })),
      fitSeconds: 0, validationScore: 0.5, validationLoss: 0.5, foldLosses: Array(FOLDS).fill(0.5), threadId: 1,
    });
    const result = {
      benchmark: 'distributed',
      dataset: `synthetic ${ROWS} rows x ${FEATURES} features, binary, ${FOLDS} folds`,
      overhead_ms_per_trial: round(overhead),
      local_trial_ms_median: round(median(local)),
      redis_trial_ms_median: round(median(remote)),
      reply_bytes_per_trial: reply.byteLength,
      trials: TRIALS,
      trial_cpu_seconds: 0.5,
      throughput_trials_per_s: {
        local_pool: round(localRate), workers_1: round(rates['workers_1']!), workers_2: round(rates['workers_2']!), workers_4: round(rates['workers_4']!),
      },
      local_pool_threads: localThreads,
      speedup_4_workers_vs_local: round(rates['workers_4']! / localRate),
      speedup_2_workers_vs_1: round(rates['workers_2']! / rates['workers_1']!),
      proposal_ms: { random_after_50: round(await proposalMs('random', 50)), bo_after_50: round(await proposalMs('bo', 50)), bo_after_200: round(await proposalMs('bo', 200)) },
      redis_reply_round_trips_per_s: round(await redisReplyRoundTrips(server.url, reply)),
      store_trial_writes_per_s: round(storeWritesPerSecond(dir)),
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadavg: loadavg(),
      seconds: round((performance.now() - started) / 1000),
    };
    printTable(result);
    mkdirSync(join(root, 'results'), { recursive: true });
    writeFileSync(join(root, 'results/distributed.json'), JSON.stringify(result, null, 2) + '\n');
    console.log('wrote results/distributed.json');
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function printTable(r: {
  overhead_ms_per_trial: number; local_trial_ms_median: number; redis_trial_ms_median: number; reply_bytes_per_trial: number;
  throughput_trials_per_s: Record<string, number>; speedup_4_workers_vs_local: number; local_pool_threads: number;
  proposal_ms: Record<string, number>; redis_reply_round_trips_per_s: number; store_trial_writes_per_s: number; loadavg: number[];
}): void {
  const rows: Array<[string, string]> = [
    ['trial via local pool (median)', `${r.local_trial_ms_median} ms`],
    ['trial via Redis + 1 worker (median)', `${r.redis_trial_ms_median} ms`],
    ['overhead_ms_per_trial (target < 50)', `${r.overhead_ms_per_trial} ms`],
    ['reply size per trial', `${(r.reply_bytes_per_trial / 1024).toFixed(0)} KiB`],
    [`throughput local pool (${r.local_pool_threads} threads)`, `${r.throughput_trials_per_s['local_pool']} trials/s`],
    ...[1, 2, 4].map((n): [string, string] => [`throughput ${n} worker process(es)`, `${r.throughput_trials_per_s[`workers_${n}`]} trials/s`]),
    ['speedup_4_workers_vs_local', `${r.speedup_4_workers_vs_local}x`],
    ...Object.entries(r.proposal_ms).map(([k, v]): [string, string] => [`proposal ${k}`, `${v} ms`]),
    ['Redis reply SET+GET+DEL', `${r.redis_reply_round_trips_per_s}/s`],
    ['SQLite trial writes', `${r.store_trial_writes_per_s}/s`],
    ['load average (1, 5, 15 min)', r.loadavg.map((x) => x.toFixed(2)).join(', ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
