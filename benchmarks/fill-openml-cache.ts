/**
 * Fill the OpenML cache from local ARFF files so suites run offline (see docs/openml.md).
 *
 *   node dist/benchmarks/fill-openml-cache.js [--cache DIR] [--source DIR] [--folds 10] [--repeats 1]
 *                                             [--seed 0] [--names iris,cpu] [--suite ALIAS]
 *
 * Defaults: cache = $AUTO_ENSEMBLE_OPENML_CACHE or ~/.cache/auto-ensemble/openml; source = ../shared/datasets
 * (relative to the working directory, i.e. run from the project root).
 */
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../src/openml/client.js';
import { DEFAULT_LOCAL_SOURCE_DIR, fillCacheFromLocal } from '../src/openml/fill-cache.js';

function integer(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got '${text}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cache: { type: 'string' },
      source: { type: 'string' },
      folds: { type: 'string' },
      repeats: { type: 'string' },
      seed: { type: 'string' },
      names: { type: 'string' },
      suite: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(
      'usage: node dist/benchmarks/fill-openml-cache.js [--cache DIR] [--source DIR] [--folds K] [--repeats R] ' +
        '[--seed S] [--names a,b] [--suite ALIAS]',
    );
    return;
  }
  const started = performance.now();
  const result = await fillCacheFromLocal({
    cacheDir: values.cache ?? defaultCacheDir(),
    sourceDir: values.source ?? DEFAULT_LOCAL_SOURCE_DIR,
    folds: integer(values.folds, 10, 'folds'),
    repeats: integer(values.repeats, 1, 'repeats'),
    seed: integer(values.seed, 0, 'seed'),
    ...(values.names !== undefined ? { names: values.names.split(',').map((s) => s.trim()) } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
  });
  const rows = result.tasks.map((t) => [t.taskId, String(t.dataId), t.task, String(t.nRows), String(t.nFeatures)]);
  const header = ['task', 'dataset', 'kind', 'rows', 'features'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const written = `${result.tasks.length} tasks and suite '${result.suite}'`;
  console.log(`\n${written} written to ${result.cacheDir} in ${seconds} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
