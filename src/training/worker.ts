/**
 * Piscina worker: runs one trial (k-fold bagged fit of a member family) per task.
 * The run's data arrives once per worker through `workerData` (shared memory); tasks are small.
 * Errors of the trial are caught and returned as a failed reply; only a dying worker (terminated, out of memory,
 * process.exit, uncaught exception) surfaces as a rejected task in the pool.
 */
import { threadId, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { outputWidth, targetLabels } from '../data/dataset.js';
import { getMetric } from '../metrics/index.js';
import type { SerializedMember } from '../models/types.js';
import { crossFit, type CrossFitResult } from './cross-fit.js';
import { resolveFamily } from './families.js';
import { NEURAL_FAMILIES } from './lanes.js';
import { MemoryGuard, MemoryLimitError } from './memory-guard.js';
import { constantFoldLoss, foldLoss, pruneReason } from './racing.js';
import type { TrialReply, TrialTask, WorkerRunData } from './types.js';

const data = workerData as WorkerRunData;
const metric = getMetric(data.metric);
const labels = targetLabels(data.train);
const width = outputWidth(data.train);
let constantLosses: number[] | undefined;

/** The constant predictor's loss on every fold (the racing baseline), computed once per worker. */
function constantFoldLosses(): number[] {
  constantLosses ??= data.folds.map((fold) => constantFoldLoss(metric, labels, fold.train, fold.test, width));
  return constantLosses;
}

export default async function runTrial(task: TrialTask): Promise<unknown> {
  let started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let guard: MemoryGuard | undefined;
  try {
    // Resolved before the abort timer is armed: a module import error is a failure, not a timeout.
    const family = await resolveFamily(task.family, data.familyModules);
    started = performance.now(); // fit time excludes the (first-use) module import
    timer = setTimeout(
      () => controller.abort(new Error('trial time limit reached')),
      Math.max(0, Math.min(task.deadline - Date.now(), 2 ** 31 - 1)),
    );
    const memory = (guard = new MemoryGuard(data.memoryLimitMb, controller));
    const rule = task.prune;
    const fitted = await crossFit(family, data.train, data.folds, task.config, {
      seed: task.seed,
      signal: controller.signal,
      deadline: task.deadline,
      ...(task.backend === undefined ? {} : { backend: task.backend }),
      ...(data.test === undefined ? {} : { test: data.test }),
      scoreFold: (f, heldOut) => foldLoss(metric, labels, data.folds[f]!.test, heldOut, width),
      ...(rule === undefined ? {} : { stopAfterFold: (losses: readonly number[]) => pruneReason(rule, losses, constantFoldLosses(), data.folds.length) }),
      checkpoint: () => memory.check(),
    });
    if (fitted.kind === 'pruned') {
      const reply: TrialReply = {
        ok: false,
        status: 'pruned',
        error: fitted.reason,
        foldLosses: fitted.foldLosses,
        fitSeconds: seconds(started),
        threadId,
        ...(fitted.backend === undefined ? {} : { backend: fitted.backend }),
      };
      return reply;
    }
    return success(fitted, started);
  } catch (error) {
    const memoryError = error instanceof MemoryLimitError ? error : controller.signal.reason instanceof MemoryLimitError ? controller.signal.reason : null;
    const backend = await threadBackend(task.family);
    const reply: TrialReply = {
      ok: false,
      status: memoryError === null && controller.signal.aborted && isAbort(error, controller.signal) ? 'timeout' : 'failed',
      error: memoryError?.message ?? describeError(error),
      fitSeconds: seconds(started),
      threadId,
      ...(backend === undefined ? {} : { backend }),
    };
    return reply;
  } finally {
    clearTimeout(timer);
    guard?.stop();
  }
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function success(fitted: CrossFitResult, started: number): unknown {
  const oof = Float32Array.from(fitted.oof);
  const test = fitted.test === undefined ? undefined : Float32Array.from(fitted.test);
  const oofVariance = fitted.oofVariance === undefined ? undefined : Float32Array.from(fitted.oofVariance);
  const testVariance = fitted.testVariance === undefined ? undefined : Float32Array.from(fitted.testVariance);
  // Scored on the float32 values the store keeps, so a resumed run sees the very same losses.
  const models = fitted.models.map(ownBlobs);
  const reply: TrialReply = {
    ok: true,
    oof,
    ...(test === undefined ? {} : { test }),
    ...(oofVariance === undefined ? {} : { oofVariance }),
    ...(testVariance === undefined ? {} : { testVariance }),
    models,
    fitSeconds: seconds(started),
    validationScore: metric.score(labels, oof, width),
    validationLoss: metric.loss(labels, oof, width),
    foldLosses: fitted.foldLosses,
    threadId,
    ...(fitted.backend === undefined ? {} : { backend: fitted.backend }),
  };
  const transfer: ArrayBuffer[] = [oof, test, oofVariance, testVariance].filter((a) => a !== undefined).map((a) => a.buffer);
  for (const m of models) for (const blob of Object.values(m.blobs)) transfer.push(blob.buffer as ArrayBuffer);
  return Piscina.move(movable(reply, transfer));
}

/** The TensorFlow.js backend this thread chose, for a failed neural trial (its members never reported one). */
async function threadBackend(family: string): Promise<string | undefined> {
  if (!NEURAL_FAMILIES.has(family)) return undefined;
  const { currentBackend } = await import('../models/neural/backend.js');
  return (await currentBackend().catch(() => undefined))?.name;
}

/** An error caused by the abort (the family contract: AbortError-named; also the signal's own reason). */
function isAbort(error: unknown, signal: AbortSignal): boolean {
  if (error === signal.reason) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** Blobs copied into buffers of their own, so each can be transferred exactly once. */
function ownBlobs(model: SerializedMember): SerializedMember {
  const blobs: Record<string, Uint8Array> = {};
  for (const [name, blob] of Object.entries(model.blobs)) blobs[name] = blob.slice();
  return { ...model, blobs };
}

/** A piscina Transferable: the value plus the buffers to move with it. */
function movable<T extends object>(value: T, transfer: ArrayBuffer[]): Parameters<typeof Piscina.move>[0] {
  const wrapped = { [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: value };
  return wrapped as unknown as Parameters<typeof Piscina.move>[0];
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
