/**
 * Bundles: a fitted EnsembleModel as a self-contained directory (no SQLite, no search state) that loads back into
 * a model predicting bit-identical numbers. Layout, manifest fields and rules: docs/bundle-format.md.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync, rmSync, renameSync } from 'node:fs';
import { join, dirname, basename, resolve } from 'node:path';
import { calibrationToEntry } from '../ensemble/calibration-format.js';
import { getFamily } from '../models/registry.js';
import type { SerializedMember } from '../models/types.js';
import type { EnsembleModel } from '../serving/ensemble-model.js';
import { checkedReader, modelFromManifest } from './bundle-read.js';
import { DataError } from '../util/errors.js';
import { libraryVersion } from '../util/version.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  manifestChecksum,
  parseManifest,
  sha256,
  type BundleManifest,
  type ManifestMember,
  type ModelEntry,
} from './manifest.js';

export { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleManifest, type ManifestMember, type ModelEntry } from './manifest.js';

const MANIFEST = 'manifest.json';
const CALIBRATION_SCORES = 'calibration/scores.bin';
/** Blobs start on 8-byte boundaries so a loader may view them as Float64Array without copying. */
const BLOB_ALIGN = 8;

/**
 * Write `model` as a bundle in `dir` and return the bundle's size in bytes.
 * The bundle is written to a sibling temporary directory first and moved into place at the end, so `dir` never
 * holds a half-written bundle. `dir` may be absent, empty, or an existing bundle (replaced whole); any other
 * directory, or a file, is refused so that no user file is overwritten.
 */
export function saveBundle(model: EnsembleModel, dir: string): number {
  const target = resolve(dir);
  checkWritableTarget(target);
  const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    writeBundleFiles(model, staging);
    replaceDirectory(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return directorySize(target);
}

function writeBundleFiles(model: EnsembleModel, dir: string): void {
  const checksums: Record<string, string> = {};
  const write = (path: string, data: string | Uint8Array): string => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
    checksums[path] = sha256(data);
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
  const calibration = model.calibration === undefined ? undefined : calibrationToEntry(model.calibration, CALIBRATION_SCORES);
  if (calibration !== undefined) write(CALIBRATION_SCORES, calibration.scores);
  const body: Omit<BundleManifest, 'manifestChecksum'> = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    libraryVersion: libraryVersion(),
    createdAt: new Date().toISOString(),
    ...model.describe(),
    refit: model.members.every((m) => m.models.length === 1),
    combiner: model.combiner,
    members,
    ...(model.deployment === undefined ? {} : { deployment: model.deployment }),
    ...(calibration === undefined ? {} : { calibration: calibration.entry }),
    checksums,
  };
  const manifest: BundleManifest = { ...body, manifestChecksum: manifestChecksum(body) };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
}

function writeModel(serialized: SerializedMember, stem: string, write: (path: string, data: string | Uint8Array) => string): ModelEntry {
  const entries = Object.entries(serialized.blobs);
  const state = write(`${stem}.json`, JSON.stringify(serialized.state));
  if (entries.length === 0) return { state, formatVersion: serialized.formatVersion, blobs: {} };
  const blobs: Record<string, readonly [number, number]> = {};
  let size = 0;
  for (const [name, bytes] of entries) {
    blobs[name] = [size, bytes.byteLength];
    size += Math.ceil(bytes.byteLength / BLOB_ALIGN) * BLOB_ALIGN;
  }
  const packed = new Uint8Array(size);
  for (const [name, bytes] of entries) packed.set(bytes, blobs[name]![0]);
  return { state, formatVersion: serialized.formatVersion, blobFile: write(`${stem}.bin`, packed), blobs };
}

/**
 * Load a bundle written by saveBundle. Before building any member it checks the manifest (JSON, format name,
 * format version, structure, its own checksum) and the sha256 of every file it reads; each failure is a DataError
 * saying what is wrong (missing, modified, unsupported version).
 */
export async function loadBundle(dir: string): Promise<EnsembleModel> {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(dir)) throw new DataError(`no bundle at ${dir}: the directory does not exist`);
  if (!existsSync(manifestPath)) throw new DataError(`no bundle at ${dir}: ${MANIFEST} is missing`);
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const fetchFile = async (path: string): Promise<Uint8Array | undefined> => {
    const full = join(dir, path);
    return existsSync(full) ? readFileSync(full) : undefined;
  };
  const read = checkedReader(manifest, fetchFile, sha256, dir);
  return modelFromManifest(manifest, read, (serialized) => getFamily(serialized.family).load(serialized), dir);
}

/** Refuse anything but an absent path, an empty directory, or an existing bundle. */
function checkWritableTarget(target: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new DataError(`refusing to write a bundle to ${target}: it is a file`);
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  if (!entries.includes(MANIFEST) || !isBundleManifest(join(target, MANIFEST))) {
    throw new DataError(`refusing to write a bundle into ${target}: the directory is not empty and holds no auto-ensemble bundle`);
  }
  const unexpected = entries.filter((e) => e !== MANIFEST && e !== 'members' && e !== 'calibration');
  if (unexpected.length > 0) {
    throw new DataError(`refusing to replace the bundle in ${target}: it also holds other files (${unexpected.slice(0, 3).join(', ')})`);
  }
}

function isBundleManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format === BUNDLE_FORMAT;
  } catch {
    return false;
  }
}

/** Move the staged bundle into place; an old bundle is moved aside first and deleted only after the swap. */
function replaceDirectory(staging: string, target: string): void {
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
    return;
  }
  const old = `${staging}.old`;
  renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (error) {
    renameSync(old, target);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
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
