/**
 * The wire format of trials between processes and machines: a task going to a worker, a reply coming back, and
 * the run data a worker trains on. MessagePack (msgpackr) keeps typed arrays as typed arrays (predictions, model
 * blobs, dataset columns travel as raw bytes) and numbers as they are (an Infinity deadline stays Infinity).
 *
 * Every message is an envelope `{ wire, kind, body, meta? }`:
 * - `wire` is the format version. Adding an OPTIONAL field to TrialTask, TrialReply or WorkerRunData needs no
 *   change here and no new version: bodies are passed through whole, readers ignore fields they do not know and
 *   must accept the absence of fields they do. A change an older reader would misread (a field renamed,
 *   re-typed or made required) increments WIRE_VERSION; readers refuse envelopes newer than they understand
 *   with an error that says which side to upgrade.
 * - `kind` names the body's type, so a message given to the wrong decoder fails loudly.
 * - `meta` carries what the transport adds (which worker ran the trial, which attempt it was).
 */
import { Packr } from 'msgpackr';
import type { TrialReply, TrialTask, WorkerRunData } from './types.js';

export const WIRE_VERSION = 1;

type Kind = 'trial-task' | 'trial-reply' | 'run-data';

interface Envelope {
  readonly wire: number;
  readonly kind: Kind;
  readonly body: unknown;
  readonly meta?: Readonly<Record<string, unknown>>;
}

// moreTypes: typed arrays keep their type; no records: plain maps, readable by any MessagePack reader.
const packr = new Packr({ moreTypes: true, useRecords: false });

/** Thrown for a message that is not a trial envelope of a version this build reads. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

function encode(kind: Kind, body: unknown, meta?: Readonly<Record<string, unknown>>): Uint8Array {
  const envelope: Envelope = meta === undefined ? { wire: WIRE_VERSION, kind, body } : { wire: WIRE_VERSION, kind, body, meta };
  return packr.pack(envelope);
}

function decode(bytes: Uint8Array, kind: Kind): Envelope {
  let envelope: Partial<Envelope>;
  try {
    envelope = packr.unpack(bytes) as Partial<Envelope>;
  } catch (error) {
    throw new WireError(`not a ${kind} message: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.wire !== 'number') {
    throw new WireError(`not a ${kind} message (no wire version)`);
  }
  if (envelope.wire > WIRE_VERSION) {
    throw new WireError(
      `${kind} message in wire format ${envelope.wire}, this auto-ensemble reads up to ${WIRE_VERSION}: upgrade auto-ensemble on this side`,
    );
  }
  if (envelope.kind !== kind) throw new WireError(`expected a ${kind} message, got ${String(envelope.kind)}`);
  return envelope as Envelope;
}

export function encodeTrialTask(task: TrialTask): Uint8Array {
  return encode('trial-task', task);
}

export function decodeTrialTask(bytes: Uint8Array): TrialTask {
  const task = decode(bytes, 'trial-task').body as Partial<TrialTask>;
  if (typeof task?.family !== 'string' || typeof task.seed !== 'number' || typeof task.deadline !== 'number' || typeof task.number !== 'number') {
    throw new WireError('trial-task message lacks number, family, seed or deadline');
  }
  return task as TrialTask;
}

export function encodeTrialReply(reply: TrialReply, meta?: Readonly<Record<string, unknown>>): Uint8Array {
  return encode('trial-reply', reply, meta);
}

export function decodeTrialReply(bytes: Uint8Array): { reply: TrialReply; meta: Readonly<Record<string, unknown>> } {
  const envelope = decode(bytes, 'trial-reply');
  const reply = envelope.body as Partial<TrialReply> | null;
  if (reply?.ok === true) {
    if (!(reply.oof instanceof Float32Array) || !Array.isArray(reply.models)) throw new WireError('trial-reply without its predictions or models');
  } else if (reply?.ok !== false || typeof reply.error !== 'string') {
    throw new WireError('trial-reply is neither a success nor a failure with an error');
  }
  return { reply: reply as TrialReply, meta: envelope.meta ?? {} };
}

export function encodeRunData(data: WorkerRunData): Uint8Array {
  return encode('run-data', data);
}

export function decodeRunData(bytes: Uint8Array): WorkerRunData {
  const data = decode(bytes, 'run-data').body as Partial<WorkerRunData> | null;
  if (typeof data?.train?.nRows !== 'number' || !Array.isArray(data.folds) || typeof data.metric !== 'string') {
    throw new WireError('run-data message lacks its training rows, folds or metric');
  }
  return data as WorkerRunData;
}
