/**
 * Benchmark: the `tabm` member (defaults: k = 32, 2 x 64, all adapters) against the plain `mlp` member
 * (defaults: 2 x 128), both on wasm with the same training loop, on the shared datasets: fit cost (wall and CPU
 * seconds of one fit) and test quality (log loss and accuracy, or RMSE) on a seeded, stratified 75/25 split.
 * This is a member-against-member comparison at default settings, not a tuned one.
 *
 * Run: npm run bench:tabm [-- --datasets a,b,c --tabm '{"members": 8}' --out results/tabm-k8.json]. Default: the
 * 15 shared datasets of up to 4,601 rows (letter, satimage and diamonds are left out to bound the time: about
 * 5-10 minutes on a quiet 2-core machine); `--tabm` overrides tabm's defaults. Writes results/tabm.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { takeRows, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { holdout } from '../src/data/split.js';
import { ensureBackend } from '../src/models/neural/backend.js';
import { getFamily } from '../src/models/registry.js';
import { argument } from './args.js';
import { median } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_DATASETS = 'iris,glass,cpu,sonar,ionosphere,vote,boston,wdbc,soybean,diabetes,vehicle,credit-g,concrete,segment,spambase';
const FAMILIES = ['mlp', 'tabm'] as const;

interface Score {
  readonly fitSeconds: number;
  readonly cpuSeconds: number;
  /** Classification: test log loss and accuracy; regression: test RMSE. */
  readonly logLoss?: number;
  readonly accuracy?: number;
  readonly rmse?: number;
}

function score(ds: Dataset, p: Float64Array): Pick<Score, 'logLoss' | 'accuracy' | 'rmse'> {
  if (ds.target.kind === 'values') {
    const y = ds.target.values;
    return { rmse: Math.sqrt(y.reduce((s, v, i) => s + (p[i]! - v) ** 2, 0) / y.length) };
  }
  const k = ds.target.classes.length;
  let logLoss = 0;
  let correct = 0;
  ds.target.codes.forEach((c, i) => {
    logLoss -= Math.log(Math.max(p[i * k + c]!, 1e-15));
    let best = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + best]!) best = j;
    if (best === c) correct++;
  });
  return { logLoss: logLoss / ds.nRows, accuracy: correct / ds.nRows };
}

async function main(): Promise<void> {
  const names = argument('datasets', DEFAULT_DATASETS).split(',');
  const tabmConfig = JSON.parse(argument('tabm', '{}')) as Record<string, number | string | boolean>;
  const out = argument('out', 'results/tabm.json');
  const loadStart = loadavg();
  const backend = await ensureBackend('wasm');
  console.log(`mlp vs tabm (defaults${Object.keys(tabmConfig).length > 0 ? `, tabm ${JSON.stringify(tabmConfig)}` : ''}, ${backend.name}), seeded 75/25 split, load ${loadStart[0]!.toFixed(2)}`);
  console.log('| dataset | rows | mlp s | tabm s | cost ratio | mlp test | tabm test | tabm better |');
  console.log('|---|---|---|---|---|---|---|---|');
  const rows: Record<string, unknown>[] = [];
  const ratios: number[] = [];
  let better = 0;
  for (const name of names) {
    const ds = loadDatasetFile(join(ROOT, '..', 'shared', 'datasets', `${name}.arff`));
    const split = holdout(ds.nRows, 0.25, 7, ds.target.kind === 'classes' ? ds.target.codes : undefined);
    const train = takeRows(ds, split.train);
    const test = takeRows(ds, split.test);
    const scores: Partial<Record<(typeof FAMILIES)[number], Score>> = {};
    for (const familyName of FAMILIES) {
      const family = getFamily(familyName);
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const config = { ...family.defaults, ...(familyName === 'tabm' ? tabmConfig : {}) };
      const member = await family.fit(train, config, { seed: 1, signal: new AbortController().signal, deadline: Infinity, backend: 'wasm' });
      const fitSeconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpu0);
      scores[familyName] = { fitSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...score(test, member.predict(test)) };
    }
    const mlp = scores.mlp!;
    const tabm = scores.tabm!;
    const quality = (s: Score) => s.logLoss ?? s.rmse!;
    const ratio = tabm.cpuSeconds / mlp.cpuSeconds;
    ratios.push(ratio);
    const tabmBetter = quality(tabm) < quality(mlp);
    if (tabmBetter) better++;
    const show = (s: Score) => (s.logLoss !== undefined ? `${s.logLoss.toFixed(3)} / ${(100 * s.accuracy!).toFixed(1)}%` : `RMSE ${s.rmse!.toPrecision(4)}`);
    console.log(
      `| ${name} | ${ds.nRows} | ${mlp.fitSeconds.toFixed(1)} | ${tabm.fitSeconds.toFixed(1)} | ${ratio.toFixed(2)}x | ${show(mlp)} | ${show(tabm)} | ${tabmBetter ? 'yes' : 'no'} |`,
    );
    rows.push({ dataset: name, rows: ds.nRows, task: ds.task, mlp, tabm, cpu_cost_ratio: ratio, tabm_better: tabmBetter });
  }
  const geometricMean = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`\ntabm better (log loss, or RMSE) on ${better} of ${names.length}; CPU cost ratio tabm / mlp: geometric mean ${geometricMean.toFixed(2)}x, median ${median(ratios).toFixed(2)}x`);
  const summary = {
    benchmark: 'tabm',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    load_average: { start: loadStart, end: loadavg() },
    backend: backend.name,
    tabm_config: { ...getFamily('tabm').defaults, ...tabmConfig },
    protocol: 'family defaults, seed 1, seeded stratified 75/25 holdout (seed 7), one fit per family and dataset',
    tabm_better_count: better,
    datasets: names.length,
    cpu_cost_ratio_geometric_mean: geometricMean,
    cpu_cost_ratio_median: median(ratios),
    results: rows,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, out), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
