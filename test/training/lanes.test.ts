import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKEND_NAMES } from '../../src/models/neural/backend.js';
import { SqliteStore } from '../../src/store/index.js';
import { detectGpuThreads, laneOf, systemGpuProbe, type GpuProbe } from '../../src/training/lanes.js';
import { startRun } from '../../src/training/run.js';
import type { ProgressEvent } from '../../src/training/types.js';
import { FixedListProposer, loadShared } from './helpers.js';

/** A machine as the GPU lane sees it; records whether Dawn was asked. */
function machine(parts: { cuda?: number; nodes?: boolean; packages?: string[]; adapter?: 'gpu' | 'fallback' | 'none' }): GpuProbe & { probed: number } {
  const probe = {
    probed: 0,
    cudaDevices: () => parts.cuda ?? 0,
    installed: (specifier: string) => (parts.packages ?? ['webgpu', '@tensorflow/tfjs-backend-webgpu']).includes(specifier),
    gpuDeviceNodes: () => parts.nodes ?? (parts.cuda ?? 0) > 0,
    webgpuAdapters: async () => {
      probe.probed++;
      switch (parts.adapter ?? 'none') {
        case 'gpu':
          return [{ description: 'nvidia / hopper / NVIDIA H200', fallback: false }];
        case 'fallback':
          return [{ description: 'mesa / llvmpipe', fallback: true }];
        case 'none':
          return [];
      }
    },
  };
  return probe;
}

describe('GPU lane size', () => {
  it('is 0 without any GPU device node, and Dawn is not even asked', async () => {
    const probe = machine({ nodes: false, adapter: 'gpu' });
    assert.equal(await detectGpuThreads(undefined, probe), 0);
    assert.equal(probe.probed, 0);
  });

  it('is one thread for a hardware WebGPU adapter, none for a CPU fallback or without the packages', async () => {
    assert.equal(await detectGpuThreads(undefined, machine({ nodes: true, adapter: 'gpu' })), 1);
    assert.equal(await detectGpuThreads('webgpu', machine({ nodes: true, adapter: 'gpu' })), 1);
    assert.equal(await detectGpuThreads(undefined, machine({ nodes: true, adapter: 'fallback' })), 0);
    assert.equal(await detectGpuThreads(undefined, machine({ nodes: true, adapter: 'none' })), 0);
    const withoutPackages = machine({ nodes: true, adapter: 'gpu', packages: ['webgpu'] });
    assert.equal(await detectGpuThreads(undefined, withoutPackages), 0);
    assert.equal(withoutPackages.probed, 0);
  });

  it('is one thread per CUDA GPU with tfjs-node-gpu installed, unless the request rules the GPU backends out', async () => {
    const cuda = { cuda: 2, adapter: 'gpu' as const, packages: ['@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-backend-webgpu'] };
    assert.equal(await detectGpuThreads(undefined, machine(cuda)), 2);
    assert.equal(await detectGpuThreads('tensorflow-gpu', machine(cuda)), 2);
    // Asked for WebGPU: one adapter, whatever CUDA offers.
    assert.equal(await detectGpuThreads('webgpu', machine(cuda)), 1);
    for (const request of ['wasm', 'cpu', 'tensorflow']) {
      const probe = machine(cuda);
      assert.equal(await detectGpuThreads(request, probe), 0, request);
      assert.equal(probe.probed, 0, request);
    }
  });

  it('the real Dawn probe (in a worker thread) answers with adapters it describes; here: none that is a GPU', async () => {
    const adapters = await systemGpuProbe.webgpuAdapters();
    for (const a of adapters) assert.equal(typeof a.description, 'string');
    // This machine has no GPU (and no Vulkan loader): any adapter Dawn offers would be a fallback.
    if (!systemGpuProbe.gpuDeviceNodes()) assert.ok(adapters.every((a) => a.fallback));
  });

  it('routes neural families (mlp, tabm) to the GPU lane only when it has a thread', () => {
    assert.equal(laneOf('tabm', 1), 'gpu');
    assert.equal(laneOf('tabm', 0), 'cpu');
    assert.equal(laneOf('linear', 1), 'cpu');
  });
});

describe('GPU lane in a run', () => {
  it('runs a real MLP on the GPU lane beside a CPU trial and stores the backend that actually ran there', async () => {
    const iris = loadShared('iris');
    const store = new SqliteStore(':memory:');
    const events: ProgressEvent[] = [];
    const mlp = { family: 'mlp', config: { hidden_layers: 1, width: 8, max_epochs: 3 } };
    // A GPU lane of one thread, forced: on a machine without a GPU its worker's backend chain falls back (to wasm).
    const summary = await startRun(iris, {
      store,
      proposer: new FixedListProposer([mlp, { family: 'linear', config: {} }]),
      maxTrials: 2,
      folds: 2,
      concurrency: 1,
      gpuThreads: 1,
      onProgress: (e) => events.push(e),
    });
    const [neural, linear] = store.listTrials(summary.runId);
    assert.equal(neural!.status, 'done');
    assert.equal(linear!.status, 'done');
    assert.match(neural!.worker!, /^gpu\/thread-\d+$/);
    assert.match(linear!.worker!, /^cpu\/thread-\d+$/);
    const ran = (store.getModels(neural!.id)[0]!.state as { training: { backend: string } }).training.backend;
    assert.ok((BACKEND_NAMES as readonly string[]).includes(ran));
    assert.equal(neural!.backend, ran, 'the trial stores the backend its members trained on');
    assert.equal(linear!.backend, null, 'a non-neural trial uses no neural backend');
    // Both started before either finished: the GPU trial ran while the CPU trial ran.
    const order = events.filter((e) => e.type === 'trial-started' || e.type === 'trial-finished').map((e) => e.type);
    assert.deepEqual(order.slice(0, 2), ['trial-started', 'trial-started']);
    store.close();
  });
});
