/**
 * The bundle manifest (`manifest.json`) in Node.js: its JSON schema, and the checks a loader runs before trusting
 * it (format, version, structure, the manifest's own checksum). Type and schema-free checks: ./manifest-core.ts.
 * Layout and rules: docs/bundle-format.md.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CALIBRATION_ENTRY_SCHEMA } from '../ensemble/calibration-format.js';
import { DataError } from '../util/errors.js';
import { checkManifestIntegrity, manifestBodyText, parseManifestHead, type BundleManifest } from './manifest-core.js';

export {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  manifestBodyText,
  type BundleManifest,
  type ManifestMember,
  type ModelEntry,
} from './manifest-core.js';

const relativePath = { type: 'string', pattern: '^members/[A-Za-z0-9_./-]+$', not: { pattern: '(^|/)\\.\\.(/|$)' } } as const;
const finiteOrNull = { type: ['number', 'null'] } as const;

const MANIFEST_SCHEMA = {
  type: 'object',
  required: [
    'format', 'formatVersion', 'libraryVersion', 'createdAt', 'task', 'target', 'classes', 'features', 'metric',
    'method', 'validationScore', 'combiner', 'members', 'checksums', 'manifestChecksum',
  ],
  properties: {
    task: { enum: ['binary', 'multiclass', 'regression'] },
    target: { type: 'string' },
    classes: { type: 'array', items: { type: 'string' } },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'kind'],
        properties: {
          name: { type: 'string' },
          kind: { enum: ['numeric', 'categorical'] },
          categories: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    metric: { type: 'string' },
    method: { type: 'string' },
    validationScore: finiteOrNull,
    refit: { type: 'boolean' },
    combiner: {
      type: 'object',
      required: ['kind', 'memberIds'],
      properties: {
        kind: { enum: ['weights', 'stacking'] },
        memberIds: { type: 'array', items: { type: 'integer' } },
        weights: { type: 'array', items: { type: 'number' } },
        model: { type: 'object' },
      },
    },
    deployment: {
      type: 'object',
      required: ['form', 'droppedMembers', 'trimmedTrees'],
      properties: {
        form: { type: 'string' },
        droppedMembers: { type: 'array', items: { type: 'integer' } },
        trimmedTrees: { type: 'array', items: { type: 'object', required: ['id', 'trees'], properties: { id: { type: 'integer' }, trees: { type: 'integer' } } } },
      },
    },
    members: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'family', 'config', 'weight', 'models'],
        properties: {
          id: { type: 'integer' },
          family: { type: 'string' },
          config: { type: 'object' },
          weight: { type: 'number' },
          validationScore: finiteOrNull,
          models: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['state', 'formatVersion', 'blobs'],
              properties: {
                state: relativePath,
                formatVersion: { type: 'integer' },
                blobFile: relativePath,
                blobs: {
                  type: 'object',
                  additionalProperties: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 0 } },
                },
              },
            },
          },
        },
      },
    },
    calibration: CALIBRATION_ENTRY_SCHEMA,
    checksums: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
    manifestChecksum: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: false, strict: false }).compile(MANIFEST_SCHEMA);
  return compiled;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of manifestBodyText (see there): the manifest's self-checksum. */
export function manifestChecksum(manifest: Omit<BundleManifest, 'manifestChecksum'> & { manifestChecksum?: string }): string {
  return sha256(manifestBodyText(manifest));
}

/**
 * Parse and check `manifest.json` text: JSON, format name, format version (exactly BUNDLE_FORMAT_VERSION), structure
 * (JSON schema), self-checksum, and agreement between the combiner and the members. Every failure is a DataError
 * naming the file.
 */
export function parseManifest(text: string, file: string): BundleManifest {
  const json = parseManifestHead(text, file);
  const validate = schemaValidator();
  if (!validate(json)) throw new DataError(`manifest is malformed: ${describe(validate.errors ?? [])}`, { file });
  const manifest = json as unknown as BundleManifest;
  return checkManifestIntegrity(manifest, manifestChecksum(manifest), file);
}

function describe(errors: readonly ErrorObject[]): string {
  const e = errors[0];
  if (e === undefined) return 'unknown structure error';
  return `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? 'is invalid'}`;
}
