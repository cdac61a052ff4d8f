/**
 * Trial engine benchmark: 40 trials of ~1 s on 2 worker threads.
 * - utilization: busy thread-seconds (worker-side trial time) / (threads x wall of the whole run, pool start-up
 *   and shutdown included);
 * - per-trial overhead of dispatch + storage: trial time seen by the run loop (dispatch -> stored) minus the
 *   worker-side trial time, as a fraction of the same fit done in-process (the baseline, measured in this run);
 * - store throughput for prediction BLOBs (write in finishTrial transactions, read as a predictions matrix).
 * The workload is a fixed amount of CPU work per fold (test family `spin` with `iterations`), calibrated to
 * ~200 ms a fold, 5 folds, on the diabetes dataset. The same trials also run on one thread: `speedup_2_threads` is
 * wall(1 thread) / wall(2 threads). Run on a quiet machine: node dist/benchmarks/pool.js [--trials N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds } from '../src/data/split.js';
import type { Proposer, TrialOutcome, TrialProposal } from '../src/search/types.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { crossFit } from '../src/training/cross-fit.js';
import { startRun } from '../src/training/run.js';
import { spinFamily } from '../test/fixtures/families/simple.js';

const THREADS = 2;
const FOLDS = 5;
const argTrials = process.argv.indexOf('--trials');
const TRIALS = argTrials > 0 ? Number(process.argv[argTrials + 1]) : 40;
const BASELINE_TRIALS = 8;
const root = fileURLToPath(new URL('../../', import.meta.url));
const SIMPLE_FAMILIES = new URL('../test/fixtures/families/simple.js', import.meta.url).href;

class ListProposer implements Proposer {
  readonly name = 'list';
  private told = 0;
  constructor(private readonly list: readonly TrialProposal[]) {}
  async ask(n: number, pending: readonly TrialProposal[] = []): Promise<TrialProposal[]> {
    const start = this.told + pending.length;
    return this.list.slice(start, start + n);
  }
  tell(outcomes: readonly TrialOutcome[]): void {
    this.told += outcomes.length;
  }
}

const dataset = loadDatasetFile(join(root, '../shared/datasets/diabetes.arff'));
const folds = datasetFolds(dataset, FOLDS, 0);
const never = new AbortController().signal;

async function inProcessSeconds(iterations: number, salt: number): Promise<number> {
  const t0 = performance.now();
  await crossFit(spinFamily, dataset, folds, { iterations, salt }, { seed: salt, signal: never, deadline: Infinity });
  return (performance.now() - t0) / 1000;
}

/** Iterations per fold for ~200 ms of work, from a short in-process probe. */
async function calibrate(): Promise<number> {
  const probe = 2_000_000;
  await inProcessSeconds(probe, 0); // warm-up (JIT)
  const seconds = await inProcessSeconds(probe, 0);
  return Math.round((probe * (0.2 * FOLDS)) / seconds);
}

interface PoolRow {
  readonly mode: string;
  readonly wall: number;
  readonly busy: number;
  readonly utilization: number;
  readonly meanTrial: number;
  readonly meanWorker: number;
  readonly overheadPerTrial: number;
  /** Median: the steady-state overhead, without the first trial of each thread (worker start-up). */
  readonly medianOverhead: number;
}

async function poolRun(iterations: number, ordered: boolean, dir: string, threads = THREADS): Promise<PoolRow> {
  const store = new SqliteStore(join(dir, `pool-${ordered ? 'ordered' : 'greedy'}-${threads}.db`));
  const list = Array.from({ length: TRIALS }, (_, i) => ({ family: 'spin', config: { iterations, salt: i } }));
  const starts = new Map<number, number>();
  const durations = new Map<number, number>();
  const t0 = performance.now();
  const summary = await startRun(dataset, {
    store, proposer: new ListProposer(list), maxTrials: TRIALS, ordered, folds: FOLDS, concurrency: threads,
    gpuThreads: 0, pruning: false, familyModules: [SIMPLE_FAMILIES],
    onProgress: (e) => {
      if (e.type === 'trial-started') starts.set(e.trial, performance.now());
      if (e.type === 'trial-finished') durations.set(e.trial, (performance.now() - starts.get(e.trial)!) / 1000);
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const trials = store.listTrials(summary.runId);
  store.close();
  if (trials.some((t) => t.status !== 'done')) throw new Error(`benchmark trials failed: ${trials.find((t) => t.error)?.error}`);
  const busy = trials.reduce((s, t) => s + t.fitSeconds!, 0);
  const meanTrial = mean([...durations.values()]);
  const meanWorker = busy / trials.length;
  const overheads = trials.map((t) => durations.get(t.number)! - t.fitSeconds!).sort((a, b) => a - b);
  return {
    mode: `pool, ${ordered ? 'ordered (maxTrials default)' : 'greedy'}, ${threads} thread${threads === 1 ? '' : 's'}`,
    wall, busy, utilization: busy / (threads * wall), meanTrial, meanWorker, overheadPerTrial: meanTrial - meanWorker,
    medianOverhead: overheads[overheads.length >> 1]!,
  };
}

function storeThroughput(dir: string): { writeMBps: number; readMBps: number; read64MBps: number; blobMB: number; blobs: number } {
  const store = new SqliteStore(join(dir, 'throughput.db'));
  const rows = 5000;
  const cols = 10;
  const blobs = 100;
  const run = store.createRun({
    datasetName: 'synthetic', datasetFingerprint: 'sha256:bench', task: 'multiclass', metric: 'log_loss', seed: 0,
    nRows: rows, nOutputs: cols, options: {}, owner: { pid: process.pid, host: 'bench' },
  });
  const oof = new Float32Array(rows * cols).map((_, i) => (i % 97) / 97);
  const ids: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < blobs; i++) {
    const t = store.enqueueTrial(run.id, { number: i, family: 'x', config: {}, seed: i });
    store.startTrial(t.id, 'bench');
    store.finishTrial(t.id, { validationScore: 0, validationLoss: 0, fitSeconds: 0, oof, models: [] });
    ids.push(t.id);
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const matrix = store.readPredictions(ids, 'oof', 'float32');
  const readSeconds = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  store.readPredictions(ids, 'oof', 'float64');
  const read64Seconds = (performance.now() - t2) / 1000;
  store.close();
  const mb = matrix.values.byteLength / 2 ** 20;
  return { writeMBps: mb / writeSeconds, readMBps: mb / readSeconds, read64MBps: mb / read64Seconds, blobMB: mb / blobs, blobs };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ae-bench-pool-'));
  try {
    const iterations = await calibrate();
    const baseline: number[] = [];
    for (let i = 0; i < BASELINE_TRIALS; i++) baseline.push(await inProcessSeconds(iterations, i + 1));
    const inProcess = mean(baseline);
    const greedy = await poolRun(iterations, false, dir);
    const ordered = await poolRun(iterations, true, dir);
    // The same trials on one worker thread: what the second thread buys on this machine.
    const single = await poolRun(iterations, false, dir, 1);
    const io = storeThroughput(dir);

    const f = (x: number, d = 3): string => x.toFixed(d);
    console.log(`\npool benchmark: ${TRIALS} trials x ${FOLDS} folds on ${THREADS} threads (${cpus().length} cores, load ${f(load, 1)} at start)`);
    console.log(`in-process fit (baseline, mean of ${BASELINE_TRIALS}): ${f(inProcess)} s a trial\n`);
    console.log('| mode | wall s | busy thread-s | utilization | trial s (loop) | trial s (worker) | overhead s/trial (mean / median) | mean overhead / in-process fit |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of [greedy, ordered, single]) {
      console.log(`| ${r.mode} | ${f(r.wall, 2)} | ${f(r.busy, 2)} | ${f(100 * r.utilization, 1)}% | ${f(r.meanTrial)} | ${f(r.meanWorker)} | ${f(r.overheadPerTrial, 4)} / ${f(r.medianOverhead, 4)} | ${f(100 * r.overheadPerTrial / inProcess, 2)}% |`);
    }
    console.log(`| in-process, sequential (baseline) | - | - | - | - | ${f(inProcess)} | - | - |`);
    console.log(`\nspeed-up of ${THREADS} worker threads over 1 on the same ${TRIALS} trials: ${f(single.wall / greedy.wall, 2)}x (wall ${f(single.wall, 1)} s vs ${f(greedy.wall, 1)} s)`);
    console.log(`\nstore: ${io.blobs} OOF blobs of ${f(io.blobMB, 2)} MB (5000 x 10 float32): write ${f(io.writeMBps, 0)} MB/s (one finishTrial transaction each), read ${f(io.readMBps, 0)} MB/s as float32, ${f(io.read64MBps, 0)} MB/s as float64`);

    const result = {
      benchmark: 'pool',
      trials: TRIALS,
      folds: FOLDS,
      threads: THREADS,
      cores: cpus().length,
      loadAverageAtStart: load,
      inProcessFitSeconds: inProcess,
      utilization: greedy.utilization,
      overhead_fraction: greedy.overheadPerTrial / inProcess,
      runs: { greedy, ordered, single },
      speedup_2_threads: single.wall / greedy.wall,
      ordered_utilization: ordered.utilization,
      ordered_overhead_fraction: ordered.overheadPerTrial / inProcess,
      median_overhead_fraction: greedy.medianOverhead / inProcess,
      slowdown_vs_in_process: greedy.meanWorker / inProcess - 1,
      store: io,
      date: new Date().toISOString(),
    };
    mkdirSync(join(root, 'results'), { recursive: true });
    writeFileSync(join(root, 'results/pool.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('\nwrote results/pool.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
