/**
 * WebGPU in Node through Dawn (the optional `webgpu` npm package, prebuilt `dawn.node` binaries; nothing is
 * downloaded at install). Dawn needs a Vulkan loader (Debian: libvulkan1) and the GPU driver's Vulkan ICD
 * (for NVIDIA, VK_DRIVER_FILES pointing at its nvidia_icd.json); see docs/members.md.
 *
 * `@tensorflow/tfjs-backend-webgpu` registers its backend only if `navigator.gpu` exists when its module is
 * evaluated, so `installNavigatorGpu` must run before that module is first imported (in each worker thread:
 * every thread has its own globals).
 *
 * Only a hardware adapter counts: Dawn can offer a CPU fallback (SwiftShader), and a Vulkan CPU driver
 * (Mesa's lavapipe / llvmpipe) can show up as an adapter too; training on either would be slower than wasm.
 */

/** What the selection needs to know of an adapter. */
export interface AdapterInfo {
  /** One line naming the adapter (vendor, architecture, device, driver description). */
  readonly description: string;
  /** A CPU fallback or software rasterizer rather than a GPU. */
  readonly fallback: boolean;
}

/** A found adapter and how to make it the one tfjs-backend-webgpu will use. */
export interface WebGpuAdapter {
  readonly info: AdapterInfo;
  /** Expose this adapter's GPU object as `navigator.gpu` (before tfjs-backend-webgpu is imported). */
  install(): void;
}

/** The parts of Dawn's GPU object we use (typed here so no global WebGPU types are needed). */
interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}

interface DawnAdapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

/**
 * Ask Dawn for a high-performance adapter. Resolves null when there is none (no Vulkan loader, no driver);
 * rejects when the `webgpu` package cannot be loaded.
 */
export async function requestDawnAdapter(importModule: (specifier: string) => Promise<unknown>): Promise<WebGpuAdapter | null> {
  const dawn = (await importModule('webgpu')) as { create?: (flags: string[]) => DawnGpu };
  if (typeof dawn.create !== 'function') throw new Error("the 'webgpu' package has no create()");
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return null;
  return { info: describeAdapter(adapter), install: () => installNavigatorGpu(gpu) };
}

export function describeAdapter(adapter: DawnAdapter): AdapterInfo {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p): p is string => typeof p === 'string' && p !== '');
  const description = parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unnamed adapter';
  const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(description);
  return { description, fallback };
}

/** `navigator.gpu = gpu`, on Node versions with and without a global `navigator`. */
export function installNavigatorGpu(gpu: unknown): void {
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}
