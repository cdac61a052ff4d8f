import { existsSync, readdirSync } from 'node:fs';
import { gpuDeviceNodesPresent } from './gpu-devices.js';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../util/errors.js';
import { requestDawnAdapter, type WebGpuAdapter } from './backends/webgpu.js';

/**
 * TensorFlow.js backend selection, once per process (per worker thread: each has its own tf engine).
 *
 * Order for 'auto': `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, CUDA; only when a GPU is visible), then
 * `webgpu` (@tensorflow/tfjs-backend-webgpu on Dawn, the `webgpu` package; only when Dawn finds an adapter
 * that is not a CPU fallback, see ./backends/webgpu.ts), then `tensorflow` (@tensorflow/tfjs-node, native
 * CPU), then `wasm` (@tensorflow/tfjs-backend-wasm, SIMD, single-threaded in Node), then `cpu` (plain JS,
 * always there). The tfjs-node, webgpu and tfjs-backend-webgpu packages are optional dependencies that may
 * be absent or fail to load, so they are loaded with a dynamic import inside try/catch and every failed
 * candidate is reported with its error.
 *
 * The request comes from an option (`FitContext.backend`, CLI flag) or else the environment variable
 * `AUTO_ENSEMBLE_BACKEND`, else 'auto'. A named backend that cannot be loaded falls back along the same
 * chain below it, and the report says so. The wasm backend needs no `setWasmPaths` in Node: its Node build
 * locates the .wasm files next to itself in node_modules.
 */

export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';

export const BACKEND_ENV_VAR = 'AUTO_ENSEMBLE_BACKEND';

export interface BackendAttempt {
  readonly candidate: BackendName;
  readonly error: string;
}

export interface BackendReport {
  /** The backend in use. */
  readonly name: BackendName;
  /** Why it was chosen, in one sentence. */
  readonly reason: string;
  /** Candidates tried before it, with why each failed. */
  readonly tried: readonly BackendAttempt[];
  /** The GPU adapter in use (webgpu): vendor, architecture, device, driver. */
  readonly device?: string;
}

/** What selection touches in the outside world; injectable so tests can simulate absent or broken packages. */
export interface BackendLoader {
  /** Dynamic import of an optional backend package (throws when absent or broken). */
  importModule(specifier: string): Promise<unknown>;
  /** Whether a CUDA GPU is visible to this process. */
  gpuVisible(): boolean;
  /** Whether a GPU device node exists that a WebGPU (Vulkan) driver could use (see `gpuDeviceNodesPresent`). */
  gpuDeviceNodes(): boolean;
  /** Dawn's high-performance WebGPU adapter, null when there is none; rejects when `webgpu` cannot load. */
  webgpuAdapter(): Promise<WebGpuAdapter | null>;
  /** Make `name` the active tf backend (tf registry name); resolves false or throws when it cannot. */
  activate(tfName: string): Promise<boolean>;
}

const PACKAGES: Readonly<Record<BackendName, string | null>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};

/** tf's registry name for each of ours (both tfjs-node flavours register as 'tensorflow'). */
const TF_NAMES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': 'tensorflow',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export const defaultBackendLoader: BackendLoader = {
  importModule: (specifier) => import(specifier),
  gpuVisible: nvidiaGpuVisible,
  gpuDeviceNodes: () => gpuDeviceNodesPresent(),
  webgpuAdapter: () => requestDawnAdapter((specifier) => import(specifier)),
  activate: async (tfName) => {
    const ok = await tf.setBackend(tfName);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === tfName;
  },
};

/** Parse a request from an option value or the environment ('' and undefined mean 'auto'). */
export function parseBackendRequest(value: string | undefined): BackendRequest {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new ConfigError(`unknown neural backend '${value}' (choose auto, ${BACKEND_NAMES.join(', ')})`);
}

/** The request in force: the explicit option if given and not 'auto', else the environment variable. */
export function resolveBackendRequest(option?: string, env: NodeJS.ProcessEnv = process.env): BackendRequest {
  const fromOption = parseBackendRequest(option);
  return fromOption !== 'auto' ? fromOption : parseBackendRequest(env[BACKEND_ENV_VAR]);
}

/**
 * Try candidates in order from the requested one (or the top for 'auto') and activate the first that works.
 * Pure selection logic: no memoization (see `ensureBackend` for the once-per-process entry point).
 */
export async function selectBackend(request: BackendRequest, loader: BackendLoader = defaultBackendLoader): Promise<BackendReport> {
  const start = request === 'auto' ? 0 : BACKEND_NAMES.indexOf(request);
  const tried: BackendAttempt[] = [];
  for (const candidate of BACKEND_NAMES.slice(start)) {
    try {
      const device = await loadCandidate(candidate, loader, request);
      if (candidate === 'cpu' && tf.getBackend() === 'cpu') silenceCpuBanner();
      const what = describe(candidate) + (device === undefined ? '' : ` (${device})`);
      const reason =
        tried.length === 0
          ? request === 'auto'
            ? `best available backend (${what})`
            : `requested (${what})`
          : `${request === 'auto' ? 'best available' : `fallback for requested '${request}'`}: ${what}; ` +
            tried.map((t) => `${t.candidate} unavailable`).join(', ');
      return { name: candidate, reason, tried, ...(device === undefined ? {} : { device }) };
    } catch (error) {
      tried.push({ candidate, error: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be activated: ${tried.map((t) => `${t.candidate}: ${t.error}`).join('; ')}`);
}

/** Load and activate one candidate; resolves to the GPU adapter's description for webgpu. */
async function loadCandidate(candidate: BackendName, loader: BackendLoader, request: BackendRequest): Promise<string | undefined> {
  if (candidate === 'tensorflow-gpu' && !loader.gpuVisible()) {
    throw new Error('no CUDA GPU visible (no /dev/nvidia0 or /proc/driver/nvidia/gpus, or CUDA_VISIBLE_DEVICES hides it)');
  }
  // Without a GPU device node Dawn cannot find a GPU, and loading it only prints Vulkan warnings: 'auto' skips it.
  if (candidate === 'webgpu' && request === 'auto' && !loader.gpuDeviceNodes()) {
    throw new Error('no GPU device node (/dev/nvidia0, /dev/kfd, /dev/dri/renderD*): WebGPU not tried');
  }
  const device = candidate === 'webgpu' ? await webgpuDevice(loader) : undefined;
  const specifier = PACKAGES[candidate];
  if (specifier !== null) {
    try {
      await loader.importModule(specifier);
    } catch (error) {
      throw new Error(`cannot load ${specifier}: ${firstLine(error)}`);
    }
  }
  let problem = 'it returned false';
  try {
    if (await loader.activate(TF_NAMES[candidate])) return device;
  } catch (error) {
    problem = firstLine(error);
  }
  throw new Error(`tf.setBackend('${TF_NAMES[candidate]}') failed after loading ${specifier ?? 'the built-in backend'}: ${problem}`);
}

/** A hardware WebGPU adapter made `navigator.gpu`, or an Error saying why there is none. */
async function webgpuDevice(loader: BackendLoader): Promise<string> {
  let adapter: WebGpuAdapter | null;
  try {
    adapter = await loader.webgpuAdapter();
  } catch (error) {
    throw new Error(`cannot load webgpu (Dawn): ${firstLine(error)}`);
  }
  if (adapter === null) {
    throw new Error('Dawn found no WebGPU adapter (a GPU needs the Vulkan loader libvulkan1 and its driver\'s ICD, see VK_DRIVER_FILES)');
  }
  if (adapter.info.fallback) throw new Error(`only a CPU fallback WebGPU adapter was found (${adapter.info.description})`);
  adapter.install();
  return adapter.info.description;
}

let chosen: { request: BackendRequest; report: Promise<BackendReport> } | undefined;

/**
 * Choose the backend once for this process (thread) and return the report; later calls return the same
 * report. A later explicit request for another backend is a ConfigError: the process has already committed.
 */
export async function ensureBackend(option?: string): Promise<BackendReport> {
  const request = resolveBackendRequest(option);
  if (chosen === undefined) {
    chosen = { request, report: selectBackend(request) };
    chosen.report.catch(() => (chosen = undefined));
    return chosen.report;
  }
  const report = await chosen.report;
  if (request !== 'auto' && request !== chosen.request && request !== report.name) {
    throw new ConfigError(`neural backend already chosen as '${report.name}' in this process; cannot switch to '${request}'`);
  }
  return report;
}

/** The report of the backend chosen in this process, or undefined before the first neural fit. */
export async function currentBackend(): Promise<BackendReport | undefined> {
  return chosen === undefined ? undefined : chosen.report;
}

/** True when a CUDA device is visible: the driver exposes it and CUDA_VISIBLE_DEVICES does not hide it. */
export function nvidiaGpuVisible(env: NodeJS.ProcessEnv = process.env): boolean {
  const visible = env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return false;
  }
}

/**
 * The cpu backend prints a banner urging to install tfjs-node on its first tensor in Node. Our report already
 * says which backends were tried, so the banner is swallowed once, right after selection.
 */
function silenceCpuBanner(): void {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    tf.tidy(() => tf.scalar(0));
  } finally {
    console.warn = warn;
  }
}

function describe(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return '@tensorflow/tfjs-node-gpu on a CUDA GPU';
    case 'webgpu':
      return '@tensorflow/tfjs-backend-webgpu on Dawn';
    case 'tensorflow':
      return '@tensorflow/tfjs-node native CPU';
    case 'wasm':
      return '@tensorflow/tfjs-backend-wasm, single-threaded SIMD';
    case 'cpu':
      return 'plain JavaScript cpu backend';
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!;
}
