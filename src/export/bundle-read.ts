/**
 * Rebuilding an EnsembleModel from a checked manifest and its member files, with no Node.js import: the Node loader
 * (./bundle.ts: files from disk) and the browser loader (src/web/: URLs or ArrayBuffers) both use it, each passing
 * how to read a file (checksum verified) and how to load a member.
 */
import { calibrationFromEntry } from '../ensemble/calibration-format.js';
import type { FittedMember, SerializedMember } from '../models/types.js';
import { EnsembleModel, type EnsembleMember } from '../serving/ensemble-model.js';
import { DataError } from '../util/errors.js';
import type { BundleManifest, ModelEntry } from './manifest-core.js';

/** Bytes of a bundle file (path relative to the bundle), after its checksum was verified. */
export type ReadBundleFile = (path: string) => Promise<Uint8Array>;
export type LoadMember = (serialized: SerializedMember) => Promise<FittedMember>;

/** Lowercase hex of the bytes of a digest. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * A reader that verifies each file against the manifest's checksum: `fetchFile` gets the bytes (undefined when the
 * file is absent), `sha256` hashes them (hex). `where` names the bundle in errors.
 */
export function checkedReader(
  manifest: BundleManifest,
  fetchFile: (path: string) => Promise<Uint8Array | undefined>,
  sha256: (bytes: Uint8Array) => Promise<string> | string,
  where: string,
): ReadBundleFile {
  return async (path) => {
    const expected = manifest.checksums[path];
    if (expected === undefined) throw new DataError(`manifest lists ${path} without a checksum`, { file: where });
    const data = await fetchFile(path);
    if (data === undefined) throw new DataError(`bundle file missing: ${path}`, { file: where });
    if ((await sha256(data)) !== expected) throw new DataError(`checksum mismatch: ${path} was modified or corrupted`, { file: where });
    return data;
  };
}

/** Every member's models loaded from their files, and the ensemble around them. */
export async function modelFromManifest(manifest: BundleManifest, read: ReadBundleFile, load: LoadMember, where: string): Promise<EnsembleModel> {
  const members: EnsembleMember[] = [];
  for (const member of manifest.members) {
    const models: FittedMember[] = [];
    for (const entry of member.models) models.push(await load(await readModel(member.family, entry, read, where)));
    members.push({ ...member, validationScore: member.validationScore ?? NaN, models });
  }
  return new EnsembleModel({
    task: manifest.task,
    targetName: manifest.target,
    classes: manifest.classes,
    schema: manifest.features,
    metric: manifest.metric,
    method: manifest.method,
    validationScore: manifest.validationScore ?? NaN,
    combiner: manifest.combiner,
    members,
    ...(manifest.deployment === undefined ? {} : { deployment: manifest.deployment }),
    ...(manifest.calibration === undefined ? {} : { calibration: calibrationFromEntry(manifest.calibration, await read(manifest.calibration.scores)) }),
  });
}

async function readModel(family: string, entry: ModelEntry, read: ReadBundleFile, where: string): Promise<SerializedMember> {
  const blobs: Record<string, Uint8Array> = {};
  const packed = entry.blobFile === undefined ? undefined : await read(entry.blobFile);
  for (const [name, [offset, length]] of Object.entries(entry.blobs)) {
    if (packed === undefined || offset + length > packed.byteLength) {
      throw new DataError(`blob '${name}' of ${entry.state} lies outside its binary file`, { file: where });
    }
    blobs[name] = packed.slice(offset, offset + length); // a copy: its own aligned buffer
  }
  let state: unknown;
  try {
    state = JSON.parse(new TextDecoder().decode(await read(entry.state)));
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${entry.state} is not valid JSON: ${(error as Error).message}`, { file: where });
  }
  return { family, formatVersion: entry.formatVersion, state, blobs };
}
