/**
 * Benchmark: serving a 10-member tree + linear ensemble over HTTP on loopback.
 *
 * Builds the ensemble with autoEnsemble on a shared dataset (default credit-g; families gbdt, random_forest,
 * extra_trees and linear; 5 folds; `top-k` with k = 10), once from the default search space (100-tree forests) and
 * once from the 'small' one (20-tree forests, at most 80 boosting rounds), and exports two bundles of each (the
 * default one, each member keeping its 5 fold models, and a `refit` one with one model per member), then for each:
 * - in-process baseline: `predictMatrix` latency on 1 row and on 1,000 rows (median of repeated calls, rows given
 *   as JSON-like objects, so input conversion is included);
 * - HTTP, server in a child process (so the load generator does not share its event loop):
 *   a sequential keep-alive client sending single rows (exact p50 / p99 latency), autocannon with single rows
 *   (req/s, and its millisecond-resolution latency), autocannon with batches of 1,000 rows (rows/s).
 * Targets (issue 7): p50 single-row latency under 5 ms, at least 20,000 rows/s in batches of 1,000.
 *
 * Run: node dist/benchmarks/serve.js [--dataset credit-g] [--spaces default,small] [--seconds 8] [--trials 16]
 *      [--connections 4]
 * Prints a table and writes results/serve.json: headline figures from the first space's default (fold-model)
 * bundle, `_refit` ones from its refit bundle, every bundle's figures under `bundles`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoEnsemble, loadRunEnsemble } from '../src/api/auto-ensemble.js';
import type { FeatureTable } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { loadBundle } from '../src/export/bundle.js';
import type { EnsembleModel } from '../src/serving/ensemble-model.js';
import { createServer } from '../src/serving/server.js';
import { argument } from './args.js';
import { timeIt } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = join(ROOT, '../shared/datasets');
const FAMILIES = ['gbdt', 'random_forest', 'extra_trees', 'linear'];
const MEMBERS = 10;
const TARGET_P50_MS = 5;
const TARGET_ROWS_PER_SECOND = 20_000;

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number };
  /** Seconds the run actually took. */
  duration: number;
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface BundleFigures {
  readonly bundle: string;
  readonly modelsPerMember: number;
  readonly bytes: number;
  readonly loadMs: number;
  readonly inProcess1RowMs: number;
  readonly inProcess1RowCpuMs: number;
  readonly inProcess1000RowsMs: number;
  readonly inProcess1000RowsCpuMs: number;
  readonly inProcessRowsPerSecond: number;
  readonly httpSingleP50Ms: number;
  readonly httpSingleP99Ms: number;
  readonly autocannonSingleP50Ms: number;
  readonly autocannonSingleP99Ms: number;
  readonly autocannonSingleRequestsPerSecond: number;
  readonly batch1000P50Ms: number;
  readonly batch1000RowsPerSecond: number;
}

/** Rows as a client sends them. */
function rowsOf(table: FeatureTable, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, r) => {
    const i = r % table.nRows;
    const row: Record<string, unknown> = {};
    for (const c of table.features) {
      if (c.kind === 'numeric') row[c.name] = Number.isNaN(c.values[i]!) ? null : c.values[i];
      else row[c.name] = c.codes[i]! < 0 ? null : c.categories[c.codes[i]!];
    }
    return row;
  });
}

function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/**
 * The ensemble: 10 tree + linear members chosen by top-k from a seeded search of `spaceName` (a bundled search space
 * restricted to FAMILIES); returns its default bundle (fold models) and its refit bundle.
 */
async function buildEnsembles(
  dataset: string,
  spaceName: string,
  trials: number,
  workDir: string,
): Promise<{ label: string; dir: string; bytes: number }[]> {
  const data = loadDatasetFile(join(DATA, `${dataset}.arff`));
  const space = JSON.parse(readFileSync(join(ROOT, `search-spaces/${spaceName}.json`), 'utf8')) as { families: Record<string, unknown> };
  const restricted = { ...space, name: `serve-bench-${spaceName}`, families: Object.fromEntries(FAMILIES.map((f) => [f, space.families[f]])) };
  const store = join(workDir, `runs-${spaceName}.db`);
  const t0 = performance.now();
  const result = await autoEnsemble(data, {
    searchSpace: restricted,
    search: 'random',
    maxTrials: trials,
    folds: 5,
    seed: 1,
    ensemble: 'top-k',
    ensembleOptions: { k: MEMBERS },
    store,
  });
  if (result.members.length < MEMBERS) {
    throw new Error(`only ${result.members.length} members finished (${JSON.stringify(result.run.trials)}); raise --trials`);
  }
  const families = result.members.map((m) => m.family).join(', ');
  console.log(`'${spaceName}' space: a ${result.members.length}-member ensemble on ${dataset} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${families}`);
  const foldDir = join(workDir, `${spaceName}-folds`);
  const foldBytes = result.save(foldDir);
  const refit = await loadRunEnsemble(result.runId, { store, refit: true, dataset: data });
  const refitDir = join(workDir, `${spaceName}-refit`);
  const refitBytes = refit.save(refitDir);
  return [
    { label: `${spaceName} space, fold models`, dir: foldDir, bytes: foldBytes },
    { label: `${spaceName} space, refit`, dir: refitDir, bytes: refitBytes },
  ];
}

function inProcess(
  model: EnsembleModel,
  one: Record<string, unknown>[],
  batch: Record<string, unknown>[],
  seconds: number,
): { one: { wall: number; cpu: number }; batch: { wall: number; cpu: number } } {
  return { one: timeIt(() => model.predictMatrix(one), seconds), batch: timeIt(() => model.predictMatrix(batch), seconds) };
}

/** Start the server for `dir` in a child process; resolves with its URL. */
function startChild(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match) resolvePromise({ url: match[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`server child exited with code ${code}`)));
  });
}

/** Exact per-request latency of single-row requests, one at a time over one keep-alive connection. */
async function sequentialLatency(url: string, body: string, seconds: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url}/predict`);
  const once = (): Promise<number> =>
    new Promise((resolvePromise, reject) => {
      const t = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolvePromise(performance.now() - t) : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (let i = 0; i < 50; i++) await once();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && times.length < 20_000) times.push(await once());
  agent.destroy();
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function load(autocannon: Autocannon, url: string, body: string, connections: number, seconds: number): Promise<AutocannonResult> {
  const result = await autocannon({
    url: `${url}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load test got ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return result;
}

async function measureBundle(
  { label, dir, bytes }: { label: string; dir: string; bytes: number },
  table: FeatureTable,
  options: { seconds: number; connections: number; autocannon: Autocannon },
): Promise<BundleFigures> {
  const t0 = performance.now();
  const model = await loadBundle(dir);
  const loadMs = performance.now() - t0;
  const one = rowsOf(table, 1);
  const batch = rowsOf(table, 1000);
  const base = inProcess(model, one, batch, Math.min(3, options.seconds / 2));
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { members: { models: unknown[] }[] };
  const { url, child } = await startChild(dir);
  try {
    const oneBody = JSON.stringify({ rows: one });
    const batchBody = JSON.stringify({ rows: batch });
    const sequential = await sequentialLatency(url, oneBody, options.seconds / 2);
    const single = await load(options.autocannon, url, oneBody, options.connections, options.seconds);
    const batched = await load(options.autocannon, url, batchBody, Math.max(1, Math.min(2, options.connections)), options.seconds);
    return {
      bundle: label,
      modelsPerMember: manifest.members[0]!.models.length,
      bytes,
      loadMs,
      inProcess1RowMs: base.one.wall,
      inProcess1RowCpuMs: base.one.cpu,
      inProcess1000RowsMs: base.batch.wall,
      inProcess1000RowsCpuMs: base.batch.cpu,
      inProcessRowsPerSecond: 1000 / (base.batch.wall / 1000),
      httpSingleP50Ms: sequential.p50,
      httpSingleP99Ms: sequential.p99,
      autocannonSingleP50Ms: single.latency.p50,
      autocannonSingleP99Ms: single.latency.p99,
      autocannonSingleRequestsPerSecond: single.requests.average,
      batch1000P50Ms: batched.latency.p50,
      batch1000RowsPerSecond: (batched.requests.total * 1000) / (batched.duration > 0 ? batched.duration : options.seconds),
    };
  } finally {
    child.removeAllListeners('exit');
    child.kill();
  }
}

function printTable(rows: readonly BundleFigures[]): void {
  const f = (x: number, d = 2): string => x.toFixed(d);
  const header = ['bundle', 'models/member', 'size MB', 'load ms', 'in-proc 1 row ms', 'CPU ms', 'HTTP 1 row p50 ms', 'HTTP 1 row p99 ms', 'HTTP 1 row req/s', 'in-proc 1k rows ms', 'CPU ms', 'in-proc rows/s', 'HTTP 1k batch p50 ms', 'HTTP rows/s (1k batches)'];
  const lines = rows.map((r) => [
    r.bundle, String(r.modelsPerMember), f(r.bytes / 1e6), f(r.loadMs, 0), f(r.inProcess1RowMs, 3), f(r.inProcess1RowCpuMs, 3), f(r.httpSingleP50Ms, 3), f(r.httpSingleP99Ms, 3),
    f(r.autocannonSingleRequestsPerSecond, 0), f(r.inProcess1000RowsMs, 1), f(r.inProcess1000RowsCpuMs, 1), f(r.inProcessRowsPerSecond, 0), f(r.batch1000P50Ms, 0), f(r.batch1000RowsPerSecond, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

async function child(dir: string): Promise<void> {
  const model = await loadBundle(dir);
  const app = createServer(model);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`LISTENING ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const dataset = argument('dataset', 'credit-g');
  const seconds = Number(argument('seconds', '8'));
  const trials = Number(argument('trials', '16'));
  const connections = Number(argument('connections', '4'));
  const spaces = argument('spaces', 'default,small').split(',');
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const workDir = mkdtempSync(join(tmpdir(), 'ae-bench-serve-'));
  try {
    const bundles = [];
    for (const space of spaces) bundles.push(...(await buildEnsembles(dataset, space, trials, workDir)));
    const table = loadDatasetFile(join(DATA, `${dataset}.arff`));
    const loadStart = loadavg()[0];
    const rows: BundleFigures[] = [];
    for (const b of bundles) {
      console.log(`measuring ${b.label} ...`);
      rows.push(await measureBundle(b, table, { seconds, connections, autocannon }));
    }
    printTable(rows);
    const headline = rows[0]!;
    const out = {
      benchmark: 'serve',
      dataset,
      members: MEMBERS,
      families: FAMILIES,
      search_spaces: spaces,
      folds: 5,
      seconds,
      connections,
      cpus: cpus().length,
      node: process.version,
      /** 1-minute load average at the start and the end of the measurements: the machine may be shared. */
      load_average: { start: loadStart, end: loadavg()[0] },
      p50_single_row_ms: headline.httpSingleP50Ms,
      rows_per_second_batch_1000: headline.batch1000RowsPerSecond,
      headline_bundle: headline.bundle,
      p50_single_row_ms_refit: rows[1]!.httpSingleP50Ms,
      rows_per_second_batch_1000_refit: rows[1]!.batch1000RowsPerSecond,
      targets: { p50_single_row_ms: TARGET_P50_MS, rows_per_second_batch_1000: TARGET_ROWS_PER_SECOND },
      meets_targets: headline.httpSingleP50Ms < TARGET_P50_MS && headline.batch1000RowsPerSecond >= TARGET_ROWS_PER_SECOND,
      bundles: rows,
    };
    mkdirSync(join(ROOT, 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'results/serve.json'), `${JSON.stringify(out, null, 2)}\n`);
    for (const r of rows) {
      console.log(`${r.bundle}: p50 single row ${r.httpSingleP50Ms.toFixed(2)} ms (target < ${TARGET_P50_MS}), ${r.batch1000RowsPerSecond.toFixed(0)} rows/s in batches of 1,000 (target >= ${TARGET_ROWS_PER_SECOND})`);
    }
    console.log(`load average ${loadStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
    console.log('wrote results/serve.json');
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else await main();
