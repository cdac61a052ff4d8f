import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_ENV_VAR,
  defaultBackendLoader,
  ensureBackend,
  nvidiaGpuVisible,
  parseBackendRequest,
  resolveBackendRequest,
  selectBackend,
  type BackendLoader,
} from '../../src/models/neural/backend.js';
import { ConfigError } from '../../src/util/errors.js';

/**
 * The real loader with some packages simulated: absent, throwing on load, or loading but not registering; and
 * Dawn's answer simulated: a GPU adapter, only a CPU fallback, none, or a package that fails to load. A found
 * adapter's backend "activates" without touching tf (there is no GPU here to run it on).
 */
function simulated(overrides: {
  modules?: Record<string, 'absent' | 'throws' | 'loads'>;
  gpu?: boolean;
  webgpu?: 'gpu' | 'fallback' | 'none' | 'throws';
  /** GPU device nodes present (default true: the simulated machine could have a GPU). */
  nodes?: boolean;
}): BackendLoader & { imported: string[] } {
  const imported: string[] = [];
  return {
    imported,
    webgpuAdapter: async () => {
      imported.push('webgpu');
      switch (overrides.webgpu ?? 'none') {
        case 'gpu':
          return { info: { description: 'nvidia / hopper / NVIDIA H200', fallback: false }, install: () => imported.push('navigator.gpu') };
        case 'fallback':
          return { info: { description: 'google / swiftshader / SwiftShader Device', fallback: true }, install: () => imported.push('navigator.gpu') };
        case 'none':
          return null;
        case 'throws':
          throw new Error('dawn.node: libvulkan.so.1: cannot open shared object file');
      }
    },
    importModule: async (specifier) => {
      imported.push(specifier);
      const mode = overrides.modules?.[specifier];
      if (mode === 'absent') throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      if (mode === 'throws') throw new Error('libtensorflow.so.2: cannot open shared object file');
      if (mode === 'loads') return {};
      return defaultBackendLoader.importModule(specifier);
    },
    gpuVisible: () => overrides.gpu ?? false,
    gpuDeviceNodes: () => overrides.nodes ?? true,
    activate: async (tfName) => (tfName === 'webgpu' ? overrides.webgpu === 'gpu' : defaultBackendLoader.activate(tfName)),
  };
}

test('auto picks wasm here: tfjs-node-gpu skipped without a GPU, no WebGPU adapter, tfjs-node absent, each reported', async () => {
  const loader = simulated({ modules: { '@tensorflow/tfjs-node': 'absent' }, gpu: false });
  const report = await selectBackend('auto', loader);
  assert.equal(report.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(
    report.tried.map((t) => t.candidate),
    ['tensorflow-gpu', 'webgpu', 'tensorflow'],
  );
  assert.match(report.tried[0]!.error, /no CUDA GPU visible/);
  assert.match(report.tried[1]!.error, /Dawn found no WebGPU adapter.*libvulkan1/);
  assert.match(report.tried[2]!.error, /cannot load @tensorflow\/tfjs-node: Cannot find package/);
  assert.equal(report.device, undefined);
  assert.ok(!loader.imported.includes('@tensorflow/tfjs-node-gpu'), 'the GPU package is not even loaded without a GPU');
  assert.match(report.reason, /wasm/);
});

test('WebGPU: a hardware adapter is chosen, made navigator.gpu before tfjs-backend-webgpu loads, and named', async () => {
  const loader = simulated({ webgpu: 'gpu', modules: { '@tensorflow/tfjs-backend-webgpu': 'loads' } });
  const report = await selectBackend('auto', loader);
  assert.equal(report.name, 'webgpu');
  assert.equal(report.device, 'nvidia / hopper / NVIDIA H200');
  assert.match(report.reason, /tfjs-backend-webgpu on Dawn \(nvidia \/ hopper \/ NVIDIA H200\)/);
  assert.deepEqual(loader.imported, ['webgpu', 'navigator.gpu', '@tensorflow/tfjs-backend-webgpu']);
  // Asked for by name, it is the same choice with nothing tried before it.
  const named = await selectBackend('webgpu', simulated({ webgpu: 'gpu', modules: { '@tensorflow/tfjs-backend-webgpu': 'loads' } }));
  assert.equal(named.name, 'webgpu');
  assert.deepEqual(named.tried, []);
});

test('WebGPU: a CPU fallback adapter does not count, nor does a Dawn that fails to load; both fall through', async () => {
  for (const [mode, why] of [
    ['fallback', /only a CPU fallback WebGPU adapter was found \(google \/ swiftshader/],
    ['throws', /cannot load webgpu \(Dawn\): dawn.node: libvulkan.so.1/],
  ] as const) {
    const loader = simulated({ webgpu: mode, modules: { '@tensorflow/tfjs-node': 'absent' } });
    const report = await selectBackend('webgpu', loader);
    assert.equal(report.name, 'wasm', mode);
    assert.match(report.reason, /fallback for requested 'webgpu'/);
    assert.match(report.tried[0]!.error, why);
    assert.ok(!loader.imported.includes('navigator.gpu'), `${mode}: navigator.gpu must stay unset`);
    assert.ok(!loader.imported.includes('@tensorflow/tfjs-backend-webgpu'), `${mode}: tfjs-backend-webgpu is not loaded`);
  }
});

test('the real loader on this machine also lands on an installed backend and reports what it skipped', async () => {
  const report = await selectBackend('auto');
  const chain = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm'];
  assert.ok(chain.includes(report.name));
  assert.equal(report.tried.length, chain.indexOf(report.name));
  assert.equal(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]), 5);
});

test('a GPU package that is installed but throws on load, or loads without registering, falls through', async () => {
  const report = await selectBackend(
    'auto',
    simulated({ modules: { '@tensorflow/tfjs-node-gpu': 'throws', '@tensorflow/tfjs-node': 'loads' }, gpu: true }),
  );
  assert.equal(report.name, 'wasm');
  assert.match(report.tried[0]!.error, /cannot load @tensorflow\/tfjs-node-gpu: libtensorflow/);
  // tfjs-node "loaded" but registered no 'tensorflow' backend: activation fails and is reported.
  assert.match(report.tried[2]!.error, /setBackend\('tensorflow'\) failed/);
});

test('when wasm is absent too, cpu is the last resort; an explicit cpu request tries nothing else', async () => {
  const report = await selectBackend(
    'auto',
    simulated({ modules: { '@tensorflow/tfjs-node': 'absent', '@tensorflow/tfjs-backend-wasm': 'absent' } }),
  );
  assert.equal(report.name, 'cpu');
  assert.deepEqual(
    report.tried.map((t) => t.candidate),
    ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm'],
  );
  const explicit = await selectBackend('cpu');
  assert.deepEqual(explicit, { name: 'cpu', reason: 'requested (plain JavaScript cpu backend)', tried: [] });
  assert.equal(tf.getBackend(), 'cpu');
});

test('an explicit request that cannot be met falls back below it and says so', async () => {
  const report = await selectBackend('tensorflow', simulated({ modules: { '@tensorflow/tfjs-node': 'throws' } }));
  assert.equal(report.name, 'wasm');
  assert.match(report.reason, /fallback for requested 'tensorflow'/);
  assert.deepEqual(
    report.tried.map((t) => t.candidate),
    ['tensorflow'],
  );
});

test('requests: option beats the environment variable, which beats auto; bad names are ConfigErrors', () => {
  assert.equal(resolveBackendRequest(undefined, {}), 'auto');
  assert.equal(resolveBackendRequest(undefined, { [BACKEND_ENV_VAR]: 'CPU' }), 'cpu');
  assert.equal(resolveBackendRequest('wasm', { [BACKEND_ENV_VAR]: 'cpu' }), 'wasm');
  assert.equal(resolveBackendRequest('auto', { [BACKEND_ENV_VAR]: 'tensorflow-gpu' }), 'tensorflow-gpu');
  assert.equal(parseBackendRequest(' '), 'auto');
  assert.equal(parseBackendRequest('WebGPU'), 'webgpu');
  assert.throws(() => parseBackendRequest('metal'), (e: unknown) => e instanceof ConfigError && /unknown neural backend 'metal'/.test(e.message));
});

test('CUDA_VISIBLE_DEVICES set to -1 or empty hides any GPU', () => {
  assert.equal(nvidiaGpuVisible({ CUDA_VISIBLE_DEVICES: '-1' }), false);
  assert.equal(nvidiaGpuVisible({ CUDA_VISIBLE_DEVICES: '' }), false);
});

test('ensureBackend chooses once per process and refuses to switch to another explicit backend', async () => {
  const saved = process.env[BACKEND_ENV_VAR];
  delete process.env[BACKEND_ENV_VAR];
  try {
    const first = await ensureBackend('wasm');
    assert.equal(first.name, 'wasm');
    assert.equal(await ensureBackend(), first);
    assert.equal(await ensureBackend('auto'), first);
    assert.equal(await ensureBackend('wasm'), first);
    await assert.rejects(ensureBackend('cpu'), (e: unknown) => e instanceof ConfigError && /already chosen as 'wasm'/.test(e.message));
  } finally {
    if (saved !== undefined) process.env[BACKEND_ENV_VAR] = saved;
  }
});

test('auto does not even load Dawn without a GPU device node; an explicit webgpu request still tries it', async () => {
  const loader = simulated({ modules: { '@tensorflow/tfjs-node': 'absent' }, webgpu: 'throws', nodes: false });
  const report = await selectBackend('auto', loader);
  assert.equal(report.name, 'wasm');
  assert.ok(!loader.imported.includes('webgpu'), 'Dawn was not loaded');
  assert.match(report.tried.find((t) => t.candidate === 'webgpu')!.error, /no GPU device node/);
  const forced = simulated({ modules: { '@tensorflow/tfjs-node': 'absent' }, webgpu: 'throws', nodes: false });
  const fallback = await selectBackend('webgpu', forced);
  assert.ok(forced.imported.includes('webgpu'), 'an explicit request tries Dawn');
  assert.match(fallback.tried[0]!.error, /cannot load webgpu \(Dawn\)/);
});

