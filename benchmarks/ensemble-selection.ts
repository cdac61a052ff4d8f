/**
 * Benchmark: speed of post hoc ensemble selection.
 * - GES, 50 rounds of log loss on 100 members x 10,000 rows x 5 classes, against a NumPy GES (running sum,
 *   vectorized per candidate; benchmarks/peers/ges_numpy.py) on the same data in the same run;
 * - GES, 50 rounds of ROC AUC on 100 members x 10,000 rows x 2 classes;
 * - QDO-ES (and QO-ES) at the default budget (50 x pool size evaluations) on the 5-class log-loss input.
 *
 * Run: node dist/benchmarks/ensemble-selection.js [--repeats R]. Prints a table; writes
 * results/ensemble-selection.json. The NumPy peer needs /usr/bin/python3 with numpy (skipped with a message
 * otherwise). Our timings: median of R runs after one warm-up run, whole selector calls (input checks, member
 * losses and pool pruning included); the peer's: median of R runs of its greedy loop only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSelector, greedyEnsembleSelection } from '../src/ensemble/index.js';
import type { Candidate } from '../src/ensemble/types.js';
import { getMetric } from '../src/metrics/index.js';
import { Rng } from '../src/util/random.js';

const PYTHON = '/usr/bin/python3';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PEER = join(ROOT, 'benchmarks/peers/ges_numpy.py');
const MEMBERS = 100;
const ROWS = 10_000;
const ROUNDS = 50;

interface Input {
  readonly y: Int32Array;
  readonly k: number;
  readonly candidates: Candidate[];
}

/** Members of varied skill whose errors correlate through a shared per-row difficulty (like real OOF predictions). */
function syntheticInput(k: number, minSkill: number, maxSkill: number, seed: number): Input {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: ROWS }, () => rng.int(k));
  const difficulty = Float64Array.from({ length: ROWS * k }, () => rng.normal());
  const families = ['gbdt', 'random_forest', 'extra_trees', 'linear', 'mlp'];
  const candidates: Candidate[] = [];
  const z = new Float64Array(k);
  for (let j = 0; j < MEMBERS; j++) {
    // Similar skills and mostly individual noise: averaging helps, as with a real pool of tuned members.
    const skill = rng.uniform(minSkill, maxSkill);
    const shared = rng.uniform(0.2, 0.8);
    const own = rng.uniform(0.8, 1.5);
    const pred = new Float64Array(ROWS * k);
    for (let i = 0; i < ROWS; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        z[c] = (c === y[i] ? skill : 0) + shared * difficulty[i * k + c]! + own * rng.normal();
        max = Math.max(max, z[c]!);
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c]! - max));
      for (let c = 0; c < k; c++) pred[i * k + c] = z[c]! / sum;
    }
    const family = families[j % families.length]!;
    candidates.push({ id: j, family, config: { depth: 1 + rng.int(12), rate: rng.uniform(0.01, 0.3), kind: family }, predictions: pred });
  }
  return { y, k, candidates };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timed<T>(fn: () => T, repeats: number): { value: T; seconds: number } {
  let value = fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    value = fn();
    times.push((performance.now() - t) / 1000);
  }
  return { value, seconds: median(times) };
}

interface PeerVariant {
  seconds: number;
  picks: number[];
  final_loss: number;
}
interface PeerResult {
  numpy: string;
  straightforward: PeerVariant;
  true_class: PeerVariant;
}

function runPeer(input: Input, repeats: number): PeerResult | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'numpy not importable by /usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'ae-ges-bench-'));
  try {
    const all = new Float64Array(MEMBERS * ROWS * input.k);
    input.candidates.forEach((c, j) => all.set(c.predictions, j * ROWS * input.k));
    writeFileSync(join(dir, 'pred.f64'), new Uint8Array(all.buffer));
    writeFileSync(join(dir, 'y.i32'), new Uint8Array(input.y.buffer));
    const spec = {
      members: MEMBERS,
      rows: ROWS,
      classes: input.k,
      rounds: ROUNDS,
      repeats,
      predictions: join(dir, 'pred.f64'),
      labels: join(dir, 'y.i32'),
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const run = spawnSync(PYTHON, [PEER, join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) return `peer failed: ${run.stderr.trim().split('\n').pop()}`;
    return JSON.parse(run.stdout) as PeerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const repeatsArg = process.argv.indexOf('--repeats');
  const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 3;
  const multi = syntheticInput(5, 0.8, 1.6, 1);
  // Weaker binary members, so that the AUC of the ensemble does not saturate at 1.
  const binary = syntheticInput(2, 0.2, 0.6, 2);
  const logLoss = getMetric('log_loss');
  const auc = getMetric('roc_auc');
  // Whole pool (no pruning to 50) so both sides search the same 100 members for 50 rounds.
  const gesOptions = { seed: 1, rounds: ROUNDS, maxPool: MEMBERS, useBest: false };

  const gesLog = timed(() => greedyEnsembleSelection(multi.candidates, multi.y, logLoss, gesOptions), repeats);
  const gesGeneric = timed(() => greedyEnsembleSelection(multi.candidates, multi.y, logLoss, { ...gesOptions, fastPath: false }), 1);
  const gesAuc = timed(() => greedyEnsembleSelection(binary.candidates, binary.y, auc, gesOptions), repeats);
  const qdo = timed(() => getSelector('qdo-es').select(multi.candidates, multi.y, logLoss, { seed: 1 }), repeats);
  const qo = timed(() => getSelector('qo-es').select(multi.candidates, multi.y, logLoss, { seed: 1 }), repeats);
  const peer = runPeer(multi, repeats);

  const ourFinal = gesLog.value.trajectory.at(-1)!;
  const rows: [string, string, string, string][] = [
    ['GES log loss, 50 rounds (ours, fast path)', gesLog.seconds.toFixed(3), ourFinal.toFixed(6), ''],
    ['GES log loss, 50 rounds (ours, generic metric path)', gesGeneric.seconds.toFixed(3), gesGeneric.value.trajectory.at(-1)!.toFixed(6), ''],
  ];
  let speedup: number | null = null;
  let speedupTrueClass: number | null = null;
  if (typeof peer === 'string') {
    console.log(`NumPy peer skipped: ${peer}`);
  } else {
    speedup = peer.straightforward.seconds / gesLog.seconds;
    speedupTrueClass = peer.true_class.seconds / gesLog.seconds;
    rows.push([`GES log loss, NumPy ${peer.numpy} straightforward (peer)`, peer.straightforward.seconds.toFixed(3), peer.straightforward.final_loss.toFixed(6), `${speedup.toFixed(1)}x`]);
    rows.push([`GES log loss, NumPy ${peer.numpy} true-class only (peer)`, peer.true_class.seconds.toFixed(3), peer.true_class.final_loss.toFixed(6), `${speedupTrueClass.toFixed(1)}x`]);
  }
  rows.push(['GES ROC AUC, 50 rounds, 2 classes (ours)', gesAuc.seconds.toFixed(3), (-gesAuc.value.trajectory.at(-1)!).toFixed(6) + ' AUC', '']);
  rows.push([`QDO-ES default budget (${qdo.value.details?.evaluations} evaluations)`, qdo.seconds.toFixed(3), qdo.value.validationScore.toFixed(6), '']);
  rows.push([`QO-ES default budget (${qo.value.details?.evaluations} evaluations)`, qo.seconds.toFixed(3), qo.value.validationScore.toFixed(6), '']);

  console.log(`\nEnsemble selection speed: ${MEMBERS} members x ${ROWS} rows (5 classes; 2 for AUC), ${cpus()[0]?.model ?? 'cpu'}\n`);
  const header: [string, string, string, string] = ['run', 'seconds', 'final loss / score', 'ours faster by'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));

  const result = {
    setup: { members: MEMBERS, rows: ROWS, classes: 5, rounds: ROUNDS, repeats, node: process.version, cpu: cpus()[0]?.model ?? null },
    ges_logloss_seconds: gesLog.seconds,
    ges_logloss_generic_path_seconds: gesGeneric.seconds,
    numpy_ges_logloss_seconds: typeof peer === 'string' ? null : peer.straightforward.seconds,
    numpy_true_class_ges_logloss_seconds: typeof peer === 'string' ? null : peer.true_class.seconds,
    ges_logloss_speedup_vs_numpy: speedup,
    ges_logloss_speedup_vs_numpy_true_class: speedupTrueClass,
    same_final_loss_as_numpy: typeof peer === 'string' ? null : Math.abs(peer.straightforward.final_loss - ourFinal) < 1e-9,
    ges_auc_seconds: gesAuc.seconds,
    qdo_es_seconds: qdo.seconds,
    qdo_es_evaluations: qdo.value.details?.evaluations ?? null,
    qo_es_seconds: qo.seconds,
    peer_skipped: typeof peer === 'string' ? peer : null,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/ensemble-selection.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('\nwrote results/ensemble-selection.json');
}

main();
