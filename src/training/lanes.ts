import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Lane } from './types.js';

/** Families that train on the GPU lane when there is one. */
export const NEURAL_FAMILIES: ReadonlySet<string> = new Set(['mlp']);

export function laneOf(family: string, gpuThreads: number): Lane {
  return gpuThreads > 0 && NEURAL_FAMILIES.has(family) ? 'gpu' : 'cpu';
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

/**
 * GPU lane threads: one per visible GPU when the neural backend request allows the GPU backend and its package
 * (@tensorflow/tfjs-node-gpu) is installed; 0 otherwise (neural trials then use the CPU lane).
 * The backend module (and with it TensorFlow.js) is only imported when a GPU is visible at all.
 */
export async function detectGpuThreads(backend?: string): Promise<number> {
  const gpus = visibleGpuCount();
  if (gpus === 0) return 0;
  const neural = await import('../models/neural/backend.js');
  const request = neural.resolveBackendRequest(backend);
  if (request !== 'auto' && request !== 'tensorflow-gpu') return 0;
  if (!neural.nvidiaGpuVisible()) return 0;
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    return 0;
  }
  return gpus;
}
