/**
 * Benchmark: what each selector costs per unit of its inner loop (src/ensemble/cost.ts), the figures the budget
 * owner sizes the finish reserve with. GES, QDO-ES and stacking run with their default options on synthetic
 * out-of-fold predictions of 50 members (members of graded quality around real-looking noise) for binary
 * (roc_auc), 10-class (log loss) and regression (rmse) problems of 2,000 and 20,000 rows.
 *
 * Prints, per selector and shape, the seconds, the units and the seconds per unit, then the median per unit
 * kind next to the constant cost.ts uses (the ratio should be near 1 on this machine when quiet).
 * Run: node dist/benchmarks/selector-cost.js [--rows 2000,20000]
 * Writes results/selector-cost.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECONDS_PER_UNIT, selectionUnits, type CostUnit } from '../src/ensemble/cost.js';
import { getSelector } from '../src/ensemble/index.js';
import type { Candidate } from '../src/ensemble/types.js';
import { getMetric } from '../src/metrics/index.js';
import type { MetricName } from '../src/metrics/types.js';
import { Rng } from '../src/util/random.js';
import { formatTable } from '../src/util/text-table.js';
import { argument } from './args.js';
import { median } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MEMBERS = 50;
const SELECTORS = ['ges', 'qdo-es', 'stacking'] as const;
const PROBLEMS: readonly { name: string; k: number; metric: MetricName }[] = [
  { name: 'binary', k: 2, metric: 'roc_auc' },
  { name: '10 classes', k: 10, metric: 'log_loss' },
  { name: 'regression', k: 1, metric: 'rmse' },
];

/** Labels and member predictions: member j sees the truth with signal decreasing in j, plus seeded noise. */
function synthetic(n: number, k: number, seed: number): { y: Int32Array | Float64Array; candidates: Candidate[] } {
  const rng = new Rng(seed);
  const y = k === 1 ? Float64Array.from({ length: n }, () => rng.normal() * 3) : Int32Array.from({ length: n }, () => rng.int(k));
  const candidates: Candidate[] = [];
  for (let j = 0; j < MEMBERS; j++) {
    const signal = 2.5 - (2 * j) / MEMBERS;
    const p = new Float64Array(n * Math.max(k, 1));
    for (let i = 0; i < n; i++) {
      if (k === 1) {
        p[i] = y[i]! + rng.normal() * (1 + j / 10);
        continue;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const logit = (c === y[i] ? signal : 0) + rng.normal();
        p[i * k + c] = Math.exp(logit);
        sum += p[i * k + c]!;
      }
      for (let c = 0; c < k; c++) p[i * k + c]! /= sum;
    }
    candidates.push({ id: j + 1, family: j % 2 === 0 ? 'gbdt' : 'linear', config: { j }, predictions: p });
  }
  return { y, candidates };
}

interface Row {
  readonly selector: string;
  readonly problem: string;
  readonly rows: number;
  readonly seconds: number;
  readonly unit: CostUnit;
  readonly units: number;
  readonly secondsPerUnit: number;
}

function main(): void {
  const sizes = argument('rows', '2000,20000').split(',').map(Number);
  const rows: Row[] = [];
  for (const n of sizes) {
    for (const problem of PROBLEMS) {
      const { y, candidates } = synthetic(n, problem.k, n + problem.k);
      const metric = getMetric(problem.metric);
      for (const selector of SELECTORS) {
        const times: number[] = [];
        for (let r = 0; r < 2; r++) {
          const started = performance.now();
          getSelector(selector).select(candidates, y, metric, { seed: 1 });
          times.push((performance.now() - started) / 1000);
        }
        const seconds = median(times);
        const { unit, units } = selectionUnits(selector, { rows: n, outputs: problem.k, candidates: MEMBERS, metric: problem.metric });
        rows.push({ selector, problem: problem.name, rows: n, seconds, unit, units, secondsPerUnit: seconds / units });
        console.error(`${selector} ${problem.name} ${n}: ${seconds.toFixed(2)} s`);
      }
    }
  }
  console.log(formatTable(['selector', 'problem', 'rows', 'seconds', 'unit', 's / unit'], rows.map((r) => [r.selector, r.problem, String(r.rows), r.seconds.toFixed(3), r.unit, r.secondsPerUnit.toExponential(2)])));
  const perUnit = Object.fromEntries(
    (Object.keys(SECONDS_PER_UNIT) as CostUnit[]).map((unit) => {
      const measured = median(rows.filter((r) => r.unit === unit).map((r) => r.secondsPerUnit));
      return [unit, { measured, used: SECONDS_PER_UNIT[unit], ratio: measured / SECONDS_PER_UNIT[unit] }];
    }),
  );
  console.log('\n' + formatTable(['unit', 'measured s / unit (median)', 'cost.ts constant', 'ratio'], Object.entries(perUnit).map(([u, v]) => [u, v.measured.toExponential(2), v.used.toExponential(2), v.ratio.toFixed(2)])));
  const out = join(ROOT, 'results/selector-cost.json');
  writeFileSync(out, JSON.stringify({ benchmark: 'selector-cost', members: MEMBERS, cpus: cpus().length, load_average: loadavg()[0], per_unit: perUnit, rows }, null, 2) + '\n');
  console.error(`wrote ${out}`);
}

main();
