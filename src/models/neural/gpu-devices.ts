/** GPU device nodes, checked without loading TensorFlow.js or Dawn (the lane sizing and the backend chain ask). */
import { existsSync, readdirSync } from 'node:fs';

/** True when a GPU device node exists (NVIDIA, AMD KFD, or a DRM render node): a WebGPU adapter is possible. */
export function gpuDeviceNodesPresent(): boolean {
  if (existsSync('/dev/nvidia0') || existsSync('/dev/kfd')) return true;
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}
