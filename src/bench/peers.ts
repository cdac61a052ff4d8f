/**
 * Peers on the same splits: benchmarks/peers/amlb_peers.py (scikit-learn RandomForest and HistGradientBoosting,
 * XGBoost, all at their defaults) run by /usr/bin/python3 on the suite's cached data and split files, appending
 * rows to the same result CSV. A missing interpreter or library skips the peers with a message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { libraryVersion } from '../util/version.js';
import { RESULT_COLUMNS } from './results-csv.js';
import { packageRoot, type Suite } from './suite.js';

export const PEER_PYTHON = '/usr/bin/python3';

export interface PeerOptions {
  readonly suite: Suite;
  readonly out: string;
  readonly folds: number;
  readonly seed?: number;
  /** Subset of sklearn-RF, sklearn-HGB, XGBoost (default all). */
  readonly frameworks?: readonly string[];
  readonly python?: string;
  readonly log?: (line: string) => void;
}

export interface PeerRun {
  readonly ran: boolean;
  /** Why the peers were skipped, when they were. */
  readonly skipped?: string;
}

/** The manifest the Python script reads: per task, the cached data and split files and what to run. */
export async function peerManifest(options: PeerOptions): Promise<Record<string, unknown>> {
  const tasks = [];
  for (const task of options.suite.tasks) {
    const data = await task.load();
    tasks.push({
      id: task.id,
      name: task.name,
      type: data.dataset.task,
      data: data.files.data,
      splits: data.files.splits,
      target: data.dataset.target.name,
      classes: data.dataset.target.kind === 'classes' ? data.dataset.target.classes : [],
      // The same columns as our loader keeps: ignore / row-id attributes and ID-like or empty columns are dropped.
      features: data.dataset.features.map((f) => f.name),
    });
  }
  return {
    out: options.out,
    columns: RESULT_COLUMNS,
    folds: options.folds,
    seed: options.seed ?? 0,
    splits: options.suite.splits,
    frameworks: options.frameworks ?? ['sklearn-RF', 'sklearn-HGB', 'XGBoost'],
    app_version: `auto-ensemble ${libraryVersion()}`,
    tasks,
  };
}

/** Why the peers cannot run here, or undefined when they can. */
export function peersUnavailable(python = PEER_PYTHON): string | undefined {
  if (!existsSync(python)) return `${python} not found`;
  const probe = spawnSync(python, ['-c', 'import numpy, sklearn, xgboost'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${python} lacks numpy / scikit-learn / xgboost (${(probe.stderr || '').trim().split('\n').at(-1)})`;
  return undefined;
}

export async function runPeers(options: PeerOptions): Promise<PeerRun> {
  const log = options.log ?? (() => undefined);
  const python = options.python ?? PEER_PYTHON;
  const why = peersUnavailable(python);
  if (why !== undefined) {
    log(`peers skipped: ${why}`);
    return { ran: false, skipped: why };
  }
  const dir = mkdtempSync(join(tmpdir(), 'auto-ensemble-peers-'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify(await peerManifest(options), null, 1));
  const script = join(packageRoot(), 'benchmarks', 'peers', 'amlb_peers.py');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      // One thread per peer (OpenMP would otherwise oversubscribe a shared machine), as our members run.
      const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
      const child = spawn(python, [script, manifest], { stdio: ['ignore', 'pipe', 'pipe'], env });
      const forward = (chunk: Buffer): void => {
        for (const lineText of chunk.toString('utf8').split('\n')) if (lineText.trim() !== '') log(lineText);
      };
      child.stdout.on('data', forward);
      child.stderr.on('data', forward);
      child.on('error', reject);
      child.on('close', (status) => resolve(status ?? 1));
    });
    if (code !== 0) throw new Error(`peer script exited with code ${code}`);
    return { ran: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
