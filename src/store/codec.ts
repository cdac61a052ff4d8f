import { endianness } from 'node:os';
import type { Predictions } from '../metrics/types.js';

// Blobs are the raw bytes of little-endian float32 arrays: refuse to write wrong bytes on a big-endian host.
const LITTLE_ENDIAN = endianness() === 'LE';

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('auto-ensemble stores predictions as little-endian float32: big-endian hosts are not supported');
}

/** Bytes of predictions as float32 (converting float64 values, a view when already float32). */
export function encodeFloat32(values: Predictions): Buffer {
  assertLittleEndian();
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
}

/** Copy float32 blob bytes into `out` at element offset `at` (the blob need not be 4-byte aligned). */
export function decodeFloat32Into(blob: Uint8Array, out: Float32Array, at: number): void {
  assertLittleEndian();
  new Uint8Array(out.buffer, out.byteOffset + at * 4, blob.byteLength).set(blob);
}

export function decodeFloat32(blob: Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength / 4);
  decodeFloat32Into(blob, out, 0);
  return out;
}

/** A Buffer view of a byte array, for binding as a BLOB without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A standalone Uint8Array copy of a blob (Buffers from SQLite may share a pool). */
export function copyBytes(blob: Uint8Array): Uint8Array {
  return new Uint8Array(blob);
}
