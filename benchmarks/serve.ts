/**
 * Benchmark: serving the default pipeline's ensemble over HTTP on loopback, its default bundle against its exact one.
 *
 * For each dataset (default: credit-g, 1,000 rows, and letter, 20,000 rows): one seeded run of the default pipeline
 * (autoEnsemble: BO search, GES, `--budget` seconds) on 75 % of the rows (a seeded stratified holdout, as `npm
 * start`), its ensemble saved twice: the default deployment form (DEFAULTS.deploy) and `exact` (every member's fold
 * models); each bundle's test score on the held-out 25 %. For each bundle:
 * - in process: `predictMatrix` on 1 row (the same row again and again, and a different row each call) and on
 *   1,000 rows, rows as JSON-like objects (input checks included);
 * - HTTP, the server in a child process pinned to one core (`taskset -c 1` where available; the load generator runs
 *   in this process): single rows one at a time over a keep-alive connection, a different row per request (exact
 *   p50 / p99), rows/s with autocannon posting batches of 1,000 rows (2 connections), and `/health` latency
 *   (p50 / p99, one probe every 10 ms) while autocannon keeps 4 batches of 1,000 rows in flight, with the server's
 *   slicing of large batches on (the default) and off.
 * Targets (issue 14): default bundle p50 single row < 2 ms, >= 20,000 rows/s in batches of 1,000, /health p99 < 50 ms
 * while saturated.
 *
 * Run: node dist/benchmarks/serve.js [--datasets credit-g,letter] [--budget 60] [--seconds 6]
 * About 2 x (budget + 1 min). Prints a table and writes results/serve.json (headline fields from credit-g's default
 * bundle).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoEnsemble, loadRunEnsemble } from '../src/api/auto-ensemble.js';
import { DEFAULTS } from '../src/api/options.js';
import { takeRows, targetLabels } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { holdout } from '../src/data/split.js';
import { getMetric } from '../src/metrics/index.js';
import { loadBundle } from '../src/export/bundle.js';
import { createServer } from '../src/serving/server.js';
import { tableToRows } from '../src/serving/serving-cost.js';
import { argument } from './args.js';
import { timeIt } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGETS = { p50SingleRowMs: 2, rowsPerSecondBatch1000: 20_000, healthP99Ms: 50 };

interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface BundleFigures {
  readonly dataset: string;
  readonly bundle: string;
  readonly members: number;
  readonly models: number;
  readonly bytes: number;
  readonly validationScore: number;
  readonly testScore: number;
  readonly inProcessSameRowMs: number;
  readonly inProcessNewRowMs: number;
  readonly inProcess1000RowsMs: number;
  readonly httpSingleP50Ms: number;
  readonly httpSingleP99Ms: number;
  readonly batch1000RowsPerSecond: number;
  readonly healthP50Ms: number;
  readonly healthP99Ms: number;
  readonly healthP99MsUnsliced: number;
}

function percentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const hasTaskset = ((): boolean => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

/** The server for `dir` in a child process (pinned to core 1 where taskset exists); resolves with its URL. */
function startChild(dir: string, sliceMs: number): Promise<{ url: string; child: ChildProcess }> {
  const args = [fileURLToPath(import.meta.url), '--child', dir, String(sliceMs)];
  const child = hasTaskset && cpus().length > 1 ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** One request over `agent`; resolves with its latency in ms. */
function timedRequest(agent: Agent, url: string, method: 'GET' | 'POST', body?: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const t = performance.now();
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(performance.now() - t) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Single rows one at a time, a different row each request (as real traffic), exact percentiles. */
async function sequentialLatency(url: string, bodies: readonly string[], seconds: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) await timedRequest(agent, `${url}/predict`, 'POST', bodies[i % bodies.length]);
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && times.length < 20_000) times.push(await timedRequest(agent, `${url}/predict`, 'POST', bodies[times.length % bodies.length]));
  agent.destroy();
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function batches(autocannon: Autocannon, url: string, body: string, connections: number, seconds: number): Promise<AutocannonResult> {
  const result = await autocannon({ url: `${url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load test got ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return result;
}

/** /health latency, one probe every 10 ms, while 4 connections keep 1,000-row batches in flight. */
async function healthUnderLoad(autocannon: Autocannon, url: string, batchBody: string, seconds: number): Promise<{ p50: number; p99: number }> {
  const load = batches(autocannon, url, batchBody, 4, seconds);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  await new Promise((r) => setTimeout(r, 500)); // let the load build up
  const end = performance.now() + (seconds - 1) * 1000;
  while (performance.now() < end) {
    times.push(await timedRequest(agent, `${url}/health`, 'GET'));
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  await load;
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function measureBundle(
  dataset: string,
  bundle: string,
  dir: string,
  validationScore: number,
  rows: readonly Record<string, unknown>[],
  seconds: number,
  autocannon: Autocannon,
): Promise<Omit<BundleFigures, 'testScore'>> {
  const model = await loadBundle(dir);
  let next = 0;
  const same = timeIt(() => model.predictMatrix(rows.slice(0, 1)), 1);
  const fresh = timeIt(() => model.predictMatrix([rows[next++ % rows.length]!]), 1);
  const thousand = timeIt(() => model.predictMatrix(rows), 2);
  const batchBody = JSON.stringify({ rows });
  const singleBodies = rows.map((r) => JSON.stringify({ rows: [r] }));
  const sliced = await startChild(dir, 8);
  let figures: Omit<BundleFigures, 'healthP99MsUnsliced' | 'testScore'>;
  try {
    const single = await sequentialLatency(sliced.url, singleBodies, seconds / 2);
    const batched = await batches(autocannon, sliced.url, batchBody, 2, seconds);
    const health = await healthUnderLoad(autocannon, sliced.url, batchBody, seconds);
    figures = {
      dataset,
      bundle,
      members: model.members.length,
      models: model.members.reduce((s, m) => s + m.models.length, 0),
      bytes: 0,
      validationScore,
      inProcessSameRowMs: same.wall,
      inProcessNewRowMs: fresh.wall,
      inProcess1000RowsMs: thousand.wall,
      httpSingleP50Ms: single.p50,
      httpSingleP99Ms: single.p99,
      batch1000RowsPerSecond: (batched.requests.total * 1000) / (batched.duration > 0 ? batched.duration : seconds),
      healthP50Ms: health.p50,
      healthP99Ms: health.p99,
    };
  } finally {
    sliced.child.removeAllListeners('exit');
    sliced.child.kill();
  }
  const unsliced = await startChild(dir, 1e9);
  try {
    const health = await healthUnderLoad(autocannon, unsliced.url, batchBody, seconds);
    return { ...figures, healthP99MsUnsliced: health.p99 };
  } finally {
    unsliced.child.removeAllListeners('exit');
    unsliced.child.kill();
  }
}

function printTable(rows: readonly BundleFigures[]): void {
  const header = ['dataset', 'bundle', 'members', 'models', 'MB', 'test score (25 % held out)', 'in-proc 1 row (same / new) ms', 'in-proc 1k rows ms', 'HTTP 1 row p50 / p99 ms', 'HTTP rows/s (1k batches)', '/health p50 / p99 ms saturated', '/health p99 unsliced'];
  const lines = rows.map((r) => [
    r.dataset, r.bundle, String(r.members), String(r.models), (r.bytes / 1e6).toFixed(2), r.testScore.toFixed(4),
    `${r.inProcessSameRowMs.toFixed(3)} / ${r.inProcessNewRowMs.toFixed(3)}`, r.inProcess1000RowsMs.toFixed(1),
    `${r.httpSingleP50Ms.toFixed(3)} / ${r.httpSingleP99Ms.toFixed(3)}`, Math.round(r.batch1000RowsPerSecond).toLocaleString('en-US'),
    `${r.healthP50Ms.toFixed(2)} / ${r.healthP99Ms.toFixed(2)}`, r.healthP99MsUnsliced.toFixed(1),
  ]);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

async function child(dir: string, sliceMs: number): Promise<void> {
  const model = await loadBundle(dir);
  const app = createServer(model, { sliceMs });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`LISTENING ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const datasets = argument('datasets', 'credit-g,letter').split(',');
  const budget = Number(argument('budget', '60'));
  const seconds = Number(argument('seconds', '6'));
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const work = mkdtempSync(join(tmpdir(), 'ae-bench-serve-'));
  const loadStart = loadavg()[0]!;
  const rows: BundleFigures[] = [];
  try {
    for (const name of datasets) {
      const all = loadDatasetFile(join(ROOT, `../shared/datasets/${name}.arff`));
      const split = holdout(all.nRows, 0.25, 0, all.target.kind === 'classes' ? all.target.codes : undefined);
      const data = takeRows(all, split.train);
      const test = takeRows(all, split.test);
      const store = join(work, `${name}.db`);
      const t0 = performance.now();
      const exact = await autoEnsemble(data, { timeBudget: budget, seed: 0, deploy: 'exact', store });
      const deployed = await loadRunEnsemble(exact.runId, { store, deploy: DEFAULTS.deploy, dataset: data });
      const metric = getMetric(exact.metric, exact.task);
      console.log(`${name}: default pipeline in ${((performance.now() - t0) / 1000).toFixed(0)} s, ${exact.run.trials.done} trials; ${exact.members.map((m) => m.family).join(', ')}`);
      const sample = tableToRows(data, 1000);
      for (const [label, result] of [[`default (${DEFAULTS.deploy})`, deployed], ['exact', exact]] as const) {
        const dir = join(work, `${name}-${label.split(' ')[0]}`);
        const bytes = result.save(dir);
        console.log(`measuring ${name} ${label} ...`);
        const figures: Omit<BundleFigures, 'testScore'> = await measureBundle(name, label, dir, result.ensemble.deployment?.validationScore ?? result.validationScore, sample, seconds, autocannon);
        rows.push({ ...figures, bytes, testScore: metric.score(targetLabels(test), result.ensemble.predictMatrix(test), result.ensemble.nOutputs) });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printTable(rows);
  const headline = rows[0]!;
  const out = {
    benchmark: 'serve',
    datasets,
    budget_seconds: budget,
    seconds,
    default_deploy: DEFAULTS.deploy,
    server_pinned_to_one_core: hasTaskset && cpus().length > 1,
    cpus: cpus().length,
    node: process.version,
    load_average: { start: loadStart, end: loadavg()[0] },
    default_p50_single_row_ms: headline.httpSingleP50Ms,
    default_rows_per_second_batch_1000: headline.batch1000RowsPerSecond,
    default_health_p99_ms_saturated: headline.healthP99Ms,
    targets: TARGETS,
    meets_targets: rows
      .filter((r) => r.bundle.startsWith('default'))
      .every((r) => r.httpSingleP50Ms < TARGETS.p50SingleRowMs && r.batch1000RowsPerSecond >= TARGETS.rowsPerSecondBatch1000 && r.healthP99Ms < TARGETS.healthP99Ms),
    note: 'testScore: on the 25 % of rows held out from the run; validationScore: out-of-fold score of the deployed composition; test-score costs over 8 datasets: results/deploy.json',
    bundles: rows,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/serve.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`load average ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; wrote results/serve.json`);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4]));
else await main();
