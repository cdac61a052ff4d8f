import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { AdapterInfo } from '../models/neural/backends/webgpu.js';
import { gpuDeviceNodesPresent } from '../models/neural/gpu-devices.js';
import type { Lane } from './types.js';

/**
 * The GPU lane: which trials run there, and how many worker threads it gets.
 *
 * Neural families train on the GPU lane when there is one; every other family stays on the CPU lane, so a GPU
 * trial runs while CPU trials run. The lane has one thread per GPU adapter the neural backend chain
 * (src/models/neural/backend.ts) would pick: one per visible CUDA GPU with @tensorflow/tfjs-node-gpu
 * installed, else one when Dawn (the `webgpu` package) finds a hardware WebGPU adapter (WebGPU offers a
 * process its one preferred adapter). Without a GPU the lane has no thread and nothing changes: neural trials
 * use the CPU lane. Each GPU-lane worker chooses its backend itself and the trial stores the one that ran.
 */

/** Families that train on the GPU lane when there is one. */
export const NEURAL_FAMILIES: ReadonlySet<string> = new Set(['mlp', 'tabm']);

export function laneOf(family: string, gpuThreads: number): Lane {
  return gpuThreads > 0 && NEURAL_FAMILIES.has(family) ? 'gpu' : 'cpu';
}

/** What the machine offers a GPU lane; injectable so tests can simulate GPUs. */
export interface GpuProbe {
  /** CUDA GPUs visible to this process. */
  cudaDevices(): number;
  /** Whether an (optional) package resolves from here. */
  installed(specifier: string): boolean;
  /** Whether any GPU device node exists (a cheap gate before loading Dawn at all). */
  gpuDeviceNodes(): boolean;
  /** Adapters Dawn finds (probed in a throwaway worker thread). */
  webgpuAdapters(): Promise<AdapterInfo[]>;
}

/** GPUs the NVIDIA driver exposes, as limited by CUDA_VISIBLE_DEVICES (cheap: no CUDA, no TensorFlow). */
export function visibleGpuCount(env: NodeJS.ProcessEnv = process.env): number {
  let count = 0;
  try {
    count = readdirSync('/proc/driver/nvidia/gpus').length;
  } catch {
    count = existsSync('/dev/nvidia0') ? 1 : 0;
  }
  const visible = env['CUDA_VISIBLE_DEVICES'];
  if (visible === undefined) return count;
  const listed = visible.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '-1');
  return Math.min(count, listed.length);
}

const PROBE_TIMEOUT_MS = 20_000;

export const systemGpuProbe: GpuProbe = {
  cudaDevices: () => visibleGpuCount(),
  installed: (specifier) => {
    try {
      createRequire(import.meta.url).resolve(specifier);
      return true;
    } catch {
      return false;
    }
  },
  gpuDeviceNodes: () => gpuDeviceNodesPresent(),
  webgpuAdapters: () => probeInWorker(),
};

/**
 * GPU lane threads for a run whose neural backend request is `backend` (option, else AUTO_ENSEMBLE_BACKEND,
 * else auto): CUDA GPUs when the request allows tensorflow-gpu and its package is installed, else 1 when it
 * allows webgpu and Dawn finds a hardware adapter, else 0. The backend module (and with it TensorFlow.js) is
 * imported only when a GPU device node exists at all.
 */
export async function detectGpuThreads(backend?: string, probe: GpuProbe = systemGpuProbe): Promise<number> {
  if (!probe.gpuDeviceNodes() && probe.cudaDevices() === 0) return 0;
  const { resolveBackendRequest } = await import('../models/neural/backend.js');
  const request = resolveBackendRequest(backend);
  if (request === 'auto' || request === 'tensorflow-gpu') {
    const cuda = probe.cudaDevices();
    if (cuda > 0 && probe.installed('@tensorflow/tfjs-node-gpu')) return cuda;
  }
  if (request === 'auto' || request === 'webgpu') {
    if (!probe.installed('webgpu') || !probe.installed('@tensorflow/tfjs-backend-webgpu') || !probe.gpuDeviceNodes()) return 0;
    const adapters = await probe.webgpuAdapters();
    return adapters.some((a) => !a.fallback) ? 1 : 0;
  }
  return 0;
}

/**
 * Ask Dawn for an adapter in a short-lived worker thread, so the run's own thread never loads Dawn and keeps
 * no GPU instance alive; no answer within 20 s counts as no adapter.
 */
async function probeInWorker(): Promise<AdapterInfo[]> {
  const worker = new Worker(new URL('./gpu-probe-worker.js', import.meta.url));
  try {
    return await new Promise<AdapterInfo[]>((resolve) => {
      const timer = setTimeout(() => resolve([]), PROBE_TIMEOUT_MS);
      const done = (adapters: AdapterInfo[]) => {
        clearTimeout(timer);
        resolve(adapters);
      };
      worker.once('message', (info: AdapterInfo | null) => done(info === null ? [] : [info]));
      worker.once('error', () => done([]));
      worker.once('exit', () => done([]));
    });
  } finally {
    await worker.terminate();
  }
}
