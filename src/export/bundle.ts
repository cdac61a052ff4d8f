import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { getFamily } from '../models/registry.js';
import type { FittedMember, SerializedMember } from '../models/types.js';
import { EnsembleModel, type EnsembleMember } from '../serving/ensemble-model.js';
import { DataError } from '../util/errors.js';
import { libraryVersion } from '../util/version.js';

export const BUNDLE_FORMAT = 'auto-ensemble-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** One fold model: its JSON state file and one binary file holding all its blobs, 8-byte aligned. */
interface ModelEntry {
  readonly state: string;
  readonly formatVersion: number;
  /** The binary file and each blob's [byteOffset, byteLength] in it; absent when the model has no blobs. */
  readonly blobFile?: string;
  readonly blobs: Readonly<Record<string, readonly [number, number]>>;
}

interface ManifestMember extends Omit<EnsembleMember, 'models'> {
  readonly models: readonly ModelEntry[];
}

/** `manifest.json` of a bundle: everything needed to rebuild the ensemble, and a checksum of every file. */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: number;
  readonly libraryVersion: string;
  readonly createdAt: string;
  readonly task: EnsembleModel['task'];
  readonly target: string;
  readonly classes: readonly string[];
  readonly features: EnsembleModel['schema'];
  readonly metric: EnsembleModel['metric'];
  readonly method: string;
  readonly validationScore: number;
  readonly combiner: EnsembleModel['combiner'];
  readonly members: readonly ManifestMember[];
  /** sha256 (hex) of every member file, by path relative to the bundle directory. */
  readonly checksums: Readonly<Record<string, string>>;
}

/**
 * Write `model` as a self-contained bundle in `dir` (created; an existing bundle there is replaced, any other
 * non-empty directory is refused so that no user file is overwritten). Returns the bundle size in bytes.
 */
export function saveBundle(model: EnsembleModel, dir: string): number {
  prepareDirectory(dir);
  const checksums: Record<string, string> = {};
  const write = (path: string, data: string | Uint8Array): string => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
    checksums[path] = sha256(typeof data === 'string' ? Buffer.from(data) : data);
    return path;
  };
  const members = model.members.map((member): ManifestMember => ({
    id: member.id,
    family: member.family,
    config: member.config,
    weight: member.weight,
    validationScore: member.validationScore,
    models: member.models.map((fitted, j) => writeModel(fitted.serialize(), `members/${member.id}/model-${j}`, write)),
  }));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    libraryVersion: libraryVersion(),
    createdAt: new Date().toISOString(),
    task: model.task,
    target: model.targetName,
    classes: model.classes,
    features: model.schema,
    metric: model.metric,
    method: model.method,
    validationScore: model.validationScore,
    combiner: model.combiner,
    members,
    checksums,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return directorySize(dir);
}

function writeModel(
  serialized: SerializedMember,
  stem: string,
  write: (path: string, data: string | Uint8Array) => string,
): ModelEntry {
  const entries = Object.entries(serialized.blobs);
  const state = write(`${stem}.json`, JSON.stringify(serialized.state));
  if (entries.length === 0) return { state, formatVersion: serialized.formatVersion, blobs: {} };
  const blobs: Record<string, readonly [number, number]> = {};
  let size = 0;
  for (const [name, bytes] of entries) {
    blobs[name] = [size, bytes.byteLength];
    size += Math.ceil(bytes.byteLength / 8) * 8;
  }
  const packed = new Uint8Array(size);
  for (const [name, bytes] of entries) packed.set(bytes, blobs[name]![0]);
  return { state, formatVersion: serialized.formatVersion, blobFile: write(`${stem}.bin`, packed), blobs };
}

/** Load a bundle written by saveBundle: validates format, version and every checksum before building members. */
export async function loadBundle(dir: string): Promise<EnsembleModel> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new DataError(`no bundle here: ${manifestPath} does not exist`);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new DataError(`manifest is not valid JSON: ${(error as Error).message}`, { file: manifestPath });
  }
  if (manifest.format !== BUNDLE_FORMAT) throw new DataError(`not an auto-ensemble bundle (format '${String(manifest.format)}')`, { file: manifestPath });
  if (manifest.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new DataError(
      `bundle format version ${manifest.formatVersion} is not supported by this version (reads ${BUNDLE_FORMAT_VERSION})`,
      { file: manifestPath },
    );
  }
  const read = (path: string): Buffer => {
    const full = join(dir, path);
    if (!existsSync(full)) throw new DataError(`bundle file missing: ${path}`, { file: dir });
    const data = readFileSync(full);
    if (manifest.checksums[path] !== sha256(data)) throw new DataError(`checksum mismatch: ${path} was modified or corrupted`, { file: dir });
    return data;
  };
  const members: EnsembleMember[] = [];
  for (const member of manifest.members) {
    const family = getFamily(member.family);
    const models: FittedMember[] = [];
    for (const entry of member.models) {
      const blobs: Record<string, Uint8Array> = {};
      const packed = entry.blobFile === undefined ? undefined : read(entry.blobFile);
      for (const [name, [offset, length]] of Object.entries(entry.blobs)) {
        if (packed === undefined || offset + length > packed.byteLength) throw new DataError(`blob '${name}' lies outside its file`, { file: dir });
        blobs[name] = new Uint8Array(packed.subarray(offset, offset + length)); // a copy: aligned, not pooled
      }
      const state = JSON.parse(read(entry.state).toString('utf8')) as unknown;
      models.push(await family.load({ family: member.family, formatVersion: entry.formatVersion, state, blobs }));
    }
    members.push({ ...member, models });
  }
  return new EnsembleModel({
    task: manifest.task,
    targetName: manifest.target,
    classes: manifest.classes,
    schema: manifest.features,
    metric: manifest.metric,
    method: manifest.method,
    validationScore: manifest.validationScore,
    combiner: manifest.combiner,
    members,
  });
}

function prepareDirectory(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes('manifest.json')) {
      throw new DataError(`refusing to write a bundle into ${dir}: it is not empty and holds no bundle`);
    }
    if (entries.includes('members')) rmSync(join(dir, 'members'), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

function directorySize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    total += st.isDirectory() ? directorySize(path) : st.size;
  }
  return total;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
