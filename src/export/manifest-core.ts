/**
 * The bundle manifest's type and the checks that need no Node.js: format name and version, the text its
 * self-checksum covers, and the combiner's agreement with the members. Shared by the Node loader (./manifest.ts,
 * which adds the JSON-schema check) and the browser loader (src/web/). Layout and rules: docs/bundle-format.md.
 */
import type { FeatureSchema } from '../data/feature-schema.js';
import type { Task } from '../data/dataset.js';
import type { CalibrationEntry } from '../ensemble/calibration-format.js';
import type { Combiner } from '../ensemble/types.js';
import type { MetricName } from '../metrics/types.js';
import type { Config } from '../models/types.js';
import type { DeploymentInfo } from '../serving/ensemble-model.js';
import { DataError } from '../util/errors.js';

export const BUNDLE_FORMAT = 'auto-ensemble-bundle';
/** Bumped on any change a previous loader could misread; loaders read exactly their own version. */
export const BUNDLE_FORMAT_VERSION = 1;

/** One fitted model (a fold model, or the refit model): its JSON state file and its packed binary blobs. */
export interface ModelEntry {
  /** Path of the JSON state file, relative to the bundle directory. */
  readonly state: string;
  /** The family's own serialization version (checked by the family's loader). */
  readonly formatVersion: number;
  /** The binary file holding every blob, 8-byte aligned; absent when the model has no blobs. */
  readonly blobFile?: string;
  /** Each blob's [byteOffset, byteLength] in `blobFile`. */
  readonly blobs: Readonly<Record<string, readonly [number, number]>>;
}

export interface ManifestMember {
  /** Trial id in the run that produced it (the combiner refers to members by this id). */
  readonly id: number;
  readonly family: string;
  readonly config: Config;
  readonly weight: number;
  /** null when the score was not finite (JSON has no NaN). */
  readonly validationScore: number | null;
  /** k fold models whose predictions are averaged, or one model when the member was refit on all rows. */
  readonly models: readonly ModelEntry[];
}

/** `manifest.json` of a bundle: everything needed to rebuild the ensemble, and a checksum of every file. */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: number;
  readonly libraryVersion: string;
  readonly createdAt: string;
  readonly task: Task;
  readonly target: string;
  /** Class names in probability-column order (empty for regression). */
  readonly classes: readonly string[];
  /** The training feature schema: what input rows must provide. */
  readonly features: FeatureSchema;
  readonly metric: MetricName;
  readonly method: string;
  /** null when the score was not finite (JSON has no NaN). */
  readonly validationScore: number | null;
  /** True when every member holds one model refit on all training rows instead of its fold models. */
  readonly refit: boolean;
  readonly combiner: Combiner;
  readonly members: readonly ManifestMember[];
  /**
   * Optional: the deployment form (src/export/deploy.ts) that made the members: dropped members, trimmed trees,
   * out-of-fold scores before and after. Absent for the exact fold models. Optional sections like this one are
   * additions old loaders ignore.
   */
  readonly deployment?: DeploymentInfo;
  /**
   * Optional: calibration data for intervals, prediction sets and the uncertainty split (src/ensemble/calibration.ts),
   * its scores in a binary file listed in `checksums`. Bundles without it predict, but refuse those requests.
   */
  readonly calibration?: CalibrationEntry;
  /** sha256 (hex) of every member file, by path relative to the bundle directory. */
  readonly checksums: Readonly<Record<string, string>>;
  /** sha256 (hex) of this manifest's JSON text without this field (see manifestChecksum). */
  readonly manifestChecksum: string;
}

/**
 * The text the manifest's self-checksum (`manifestChecksum`) is the sha256 of: `JSON.stringify` of the manifest
 * without that field, keys in the written order. JSON numbers and strings round-trip exactly in JavaScript, so a
 * parsed manifest re-serializes to the same text; any edit (a weight, a category, a path) changes it.
 */
export function manifestBodyText(manifest: Omit<BundleManifest, 'manifestChecksum'> & { manifestChecksum?: string }): string {
  const body: Record<string, unknown> = { ...manifest };
  delete body.manifestChecksum;
  return JSON.stringify(body);
}

/** Parse manifest text to a JSON object and check its format name and version (DataErrors name the file). */
export function parseManifestHead(text: string, file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(`manifest is not valid JSON: ${(error as Error).message}`, { file });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new DataError('manifest is not a JSON object', { file });
  const head = json as { format?: unknown; formatVersion?: unknown; libraryVersion?: unknown };
  if (head.format !== BUNDLE_FORMAT) {
    throw new DataError(`not an auto-ensemble bundle: format is ${JSON.stringify(head.format)}, expected '${BUNDLE_FORMAT}'`, { file });
  }
  if (head.formatVersion !== BUNDLE_FORMAT_VERSION) {
    const writer = typeof head.libraryVersion === 'string' ? ` (written by auto-ensemble ${head.libraryVersion})` : '';
    const advice = typeof head.formatVersion === 'number' && head.formatVersion > BUNDLE_FORMAT_VERSION
      ? 'upgrade auto-ensemble to load it'
      : 're-export it with this version';
    throw new DataError(
      `bundle format version ${JSON.stringify(head.formatVersion)}${writer} is not supported: this auto-ensemble reads version ${BUNDLE_FORMAT_VERSION}; ${advice}`,
      { file },
    );
  }
  return json as Record<string, unknown>;
}

/** The manifest's self-checksum against `computed` (the sha256 hex of manifestBodyText), then the combiner. */
export function checkManifestIntegrity(manifest: BundleManifest, computed: string, file: string): BundleManifest {
  if (computed !== manifest.manifestChecksum) throw new DataError('checksum mismatch: manifest.json was modified or corrupted', { file });
  checkCombiner(manifest, file);
  return manifest;
}

function checkCombiner(manifest: BundleManifest, file: string): void {
  const ids = new Set(manifest.members.map((m) => m.id));
  for (const id of manifest.combiner.memberIds) {
    if (!ids.has(id)) throw new DataError(`manifest is malformed: the combiner uses member ${id}, which the bundle lacks`, { file });
  }
  const k = manifest.task === 'regression' ? 0 : manifest.classes.length;
  if (manifest.task !== 'regression' && k < 2) throw new DataError(`manifest is malformed: a ${manifest.task} bundle needs at least 2 classes`, { file });
}
