/** Worker thread of `probeInWorker` (./lanes.ts): posts Dawn's adapter info, or null when there is none. */
import { parentPort } from 'node:worker_threads';
import { requestDawnAdapter } from '../models/neural/backends/webgpu.js';

const adapter = await requestDawnAdapter((specifier) => import(specifier)).catch(() => null);
parentPort?.postMessage(adapter === null ? null : adapter.info);
