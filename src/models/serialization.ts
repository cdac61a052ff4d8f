import type { SerializedMember } from './types.js';

/**
 * Serialization helpers for member families.
 *
 * Binary blobs of `SerializedMember`: typed arrays as little-endian bytes, written and read through DataView so
 * the bytes are the same on every host and a blob need not be aligned (SQLite Buffers may sit at any offset).
 * A round trip is bit-exact (NaN payloads and -0 included), which JSON numbers are not (-0 becomes 0).
 */

export function float64Blob(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytes;
}

export function float32Blob(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

export function readFloat64Blob(blob: Uint8Array | undefined, name: string): Float64Array {
  const view = blobView(blob, name, 8);
  const out = new Float64Array(view.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

export function readFloat32Blob(blob: Uint8Array | undefined, name: string): Float32Array {
  const view = blobView(blob, name, 4);
  const out = new Float32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function blobView(blob: Uint8Array | undefined, name: string, width: number): DataView {
  if (blob === undefined) throw new Error(`serialized member lacks blob '${name}'`);
  if (blob.byteLength % width !== 0) throw new Error(`blob '${name}' has ${blob.byteLength} bytes, not a multiple of ${width}`);
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
}

/**
 * Check a serialized member's header before loading: right family, a format version this code reads, and a
 * state object. Returns the state as a record for the family to pick apart.
 */
export function checkSerialized(
  serialized: SerializedMember,
  family: string,
  formatVersion: number,
): Record<string, unknown> {
  if (serialized.family !== family) {
    throw new Error(`cannot load a '${serialized.family}' member with the '${family}' family`);
  }
  if (serialized.formatVersion !== formatVersion) {
    throw new Error(`${family}: serialized format version ${serialized.formatVersion} is not supported (expected ${formatVersion})`);
  }
  const state = serialized.state;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new Error(`${family}: serialized state must be an object`);
  }
  return state as Record<string, unknown>;
}
