/**
 * `auto-ensemble bench --suite smoke|shared-18|<file>|<openml id> [--folds N] [--budget S[,S...]] [--out FILE]`:
 * run a benchmark suite (see docs/benchmarks.md), appending one row per task x fold x method to a result CSV;
 * rerunning with the same --out resumes (finished cells are skipped). Progress goes to stderr.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINES, DEFAULT_BENCH_ENSEMBLES, ENSEMBLE_METHODS, SEARCH_METHODS, parseBaselines, parseEnsembleMethods, parseSearchMethods } from '../../bench/methods.js';
// The runner, peers, report and suites load only when the command runs: every other CLI call starts faster.
import { DEFAULTS } from '../../api/options.js';
import type { BenchOptions } from '../../bench/runner.js';
import type { Suite, SuiteDefaults } from '../../bench/suite.js';
import { ConfigError } from '../../util/errors.js';
import type { CliCommand, CliContext } from '../context.js';

interface BenchCliOptions {
  suite: string;
  folds?: string;
  budget?: string;
  out?: string;
  search?: string;
  ensembles?: string;
  baselines?: string;
  maxTrials?: string;
  innerFolds?: string;
  searchSpace?: string;
  seed?: string;
  concurrency?: string;
  datasets?: string;
  cache?: string;
  offline?: boolean;
  workDir?: string;
  keepStores?: boolean;
  peers?: boolean;
  report?: boolean;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  register(program: Command, context: CliContext): void {
    program
      .command('bench')
      .description('run a benchmark suite and append the results to a CSV (resumable)')
      .requiredOption('--suite <suite>', 'smoke, shared-18, a suite file (.json), or an OpenML suite id / openml/<alias>')
      .option('--folds <n>', 'run the first N folds of each task (default: the suite\'s, else 10)')
      .option('--budget <seconds>', 'search time budget per task and fold; a comma-separated list runs each (default: the suite\'s, else 60)')
      .option('--out <file>', 'result CSV (default results/<suite>-<date>.csv); an existing file is resumed')
      .option('--search <methods>', `search methods, comma-separated (${SEARCH_METHODS.join(', ')}; default: the suite's, else ${DEFAULTS.search})`)
      .option('--ensembles <methods>', `ensemble methods built from each search (${ENSEMBLE_METHODS.join(', ')}; default: the suite's, else ${DEFAULT_BENCH_ENSEMBLES.join(',')})`)
      .option('--baselines <names>', `baselines (${BASELINES.join(', ')}; default: the suite's, else all; 'none' for none)`)
      .option('--max-trials <n>', 'also stop each search after N trials')
      .option('--inner-folds <n>', 'cross-validation folds inside each search (default 5)')
      .option('--search-space <name>', "search space: 'default', 'small' or a file")
      .option('--seed <n>', 'base seed; fold f uses seed + f (default 0)')
      .option('--concurrency <n>', 'worker threads per search (default: the machine\'s cores)')
      .option('--datasets <names>', 'only these datasets of the suite, comma-separated')
      .option('--cache <dir>', 'OpenML cache directory (also holds the generated splits of local suites)')
      .option('--offline', 'OpenML suites: read only the cache')
      .option('--work-dir <dir>', 'directory for the per-search SQLite stores (default: a temporary directory)')
      .option('--keep-stores', 'keep the per-search SQLite stores (for re-ensembling later)')
      .option('--peers', 'also run the Python peers (scikit-learn RF / HGB, XGBoost) on the same splits')
      .option('--report', 'write the report next to the CSV when done')
      .action((options: BenchCliOptions) => runBench(options, context));
  },
};

function positiveInteger(text: string | undefined, name: string, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--${name} must be an integer >= 1, got '${text}'`);
  return n;
}

function list(text: string | undefined, fallback: readonly string[]): string[] {
  if (text === undefined) return [...fallback];
  if (text.trim() === 'none') return [];
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function budgets(text: string | undefined, defaults: SuiteDefaults): number[] {
  if (text === undefined) {
    const b = defaults.budget ?? 60;
    return typeof b === 'number' ? [b] : [...b];
  }
  return text.split(',').map((s) => {
    const v = Number(s.trim());
    if (!(v > 0)) throw new ConfigError(`--budget must be positive seconds, got '${s}'`);
    return v;
  });
}

async function runBench(options: BenchCliOptions, context: CliContext): Promise<void> {
  // Check the method lists given on the command line before loading (and maybe preparing) the suite.
  parseSearchMethods(list(options.search, []));
  parseEnsembleMethods(list(options.ensembles, []));
  parseBaselines(list(options.baselines, []));
  const { loadSuite } = await import('../../bench/suite.js');
  const suite = await loadSuite(options.suite, {
    ...(options.cache !== undefined ? { cacheDir: options.cache } : {}),
    ...(options.offline === true ? { offline: true } : {}),
    ...(options.datasets !== undefined ? { datasets: list(options.datasets, []) } : {}),
  });
  const log = (line: string): void => context.io.err(line + '\n');
  const settings = benchSettings(options, suite, log);
  const { runBenchmark } = await import('../../bench/runner.js');
  const summary = await withWorkDir(options, log, (workDir) => runBenchmark({ ...settings, workDir }));
  if (options.peers === true) await (await import('../../bench/peers.js')).runPeers({ suite, out: settings.out, folds: settings.folds, seed: settings.seed ?? 0, log });
  context.io.out(`${settings.out}\n`);
  if (options.report === true) {
    const report = (await import('../../bench/report.js')).writeReport(settings.out);
    log(`report: ${join(report.dir, 'report.md')}`);
  }
  if (summary.failures > 0) log(`${summary.failures} run(s) failed (scored as the constant predictor; see the info column)`);
}

/** Command-line options over the suite's defaults over the built-in defaults. */
function benchSettings(options: BenchCliOptions, suite: Suite, log: (line: string) => void): BenchOptions {
  const d = suite.defaults;
  const seed = options.seed === undefined ? 0 : Number(options.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError(`--seed must be a non-negative integer, got '${options.seed}'`);
  const maxTrials = positiveInteger(options.maxTrials, 'max-trials', d.maxTrials);
  const innerFolds = positiveInteger(options.innerFolds, 'inner-folds', d.innerFolds);
  const concurrency = positiveInteger(options.concurrency, 'concurrency', undefined);
  const searchSpace = options.searchSpace ?? d.searchSpace;
  return {
    suite,
    out: options.out ?? join('results', `${suite.name}-${new Date().toISOString().slice(0, 10)}.csv`),
    folds: positiveInteger(options.folds, 'folds', d.folds ?? 10)!,
    budgets: budgets(options.budget, d),
    search: parseSearchMethods(list(options.search, d.search ?? [DEFAULTS.search])),
    ensembles: parseEnsembleMethods(list(options.ensembles, d.ensembles ?? DEFAULT_BENCH_ENSEMBLES)),
    baselines: parseBaselines(list(options.baselines, d.baselines ?? BASELINES)),
    seed,
    log,
    ...(maxTrials !== undefined ? { maxTrials } : {}),
    ...(innerFolds !== undefined ? { innerFolds } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(searchSpace !== undefined ? { searchSpace } : {}),
    ...(options.keepStores === true ? { keepStores: true } : {}),
  };
}

/**
 * Runs `fn` with the directory for the per-search stores: --work-dir, else a temporary directory removed at the
 * end, also on Ctrl-C / kill (the rows written so far stay; rerunning the command resumes).
 */
async function withWorkDir<T>(options: BenchCliOptions, log: (line: string) => void, fn: (dir: string) => Promise<T>): Promise<T> {
  if (options.workDir !== undefined) return fn(options.workDir);
  const dir = mkdtempSync(join(tmpdir(), 'auto-ensemble-bench-'));
  const cleanUp = (): void => {
    if (options.keepStores !== true) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    log(`interrupted (${signal}); rerun the same command to resume`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanUp();
    if (options.keepStores === true) log(`stores kept in ${dir}`);
  }
}
