/**
 * Calibration data as the bundle keeps it: a small JSON entry (the manifest's optional `calibration` section) and
 * one binary file of float64 little-endian scores, groups one after the other in the order the entry lists their
 * lengths. Layout: docs/bundle-format.md, "Calibration". A round trip is exact.
 */
import { float64Blob, readFloat64Blob } from '../models/serialization.js';
import { DataError } from '../util/errors.js';
import { CALIBRATION_FORMAT_VERSION, type Calibration } from './calibration.js';
import type { FoldScores } from './conformal.js';
import type { VarianceCalibration } from './variance-calibration.js';

export interface CalibrationEntry {
  readonly formatVersion: number;
  readonly nFolds: number;
  /** Path of the scores file, relative to the bundle directory. */
  readonly scores: string;
  readonly regression?: {
    readonly variance: readonly { readonly id: number; readonly scale: number; readonly offset: number }[];
    readonly spreadFloor: number;
    /** Scores per fold (lengths, in file order). */
    readonly absolute: readonly number[];
    readonly normalized?: readonly number[];
  };
  readonly classification?: {
    readonly temperature: number;
    readonly lac: readonly number[];
    readonly aps: readonly number[];
  };
}

/** JSON schema of the entry, for the manifest validator. */
export const CALIBRATION_ENTRY_SCHEMA = {
  type: 'object',
  required: ['formatVersion', 'nFolds', 'scores'],
  properties: {
    formatVersion: { type: 'integer' },
    nFolds: { type: 'integer', minimum: 1 },
    scores: { type: 'string', pattern: '^calibration/[A-Za-z0-9_.-]+$' },
    regression: {
      type: 'object',
      required: ['variance', 'spreadFloor', 'absolute'],
      properties: {
        variance: {
          type: 'array',
          items: { type: 'object', required: ['id', 'scale', 'offset'], properties: { id: { type: 'integer' }, scale: { type: 'number', minimum: 0 }, offset: { type: 'number', minimum: 0 } } },
        },
        spreadFloor: { type: 'number', exclusiveMinimum: 0 },
        absolute: { type: 'array', items: { type: 'integer', minimum: 0 } },
        normalized: { type: 'array', items: { type: 'integer', minimum: 0 } },
      },
    },
    classification: {
      type: 'object',
      required: ['temperature', 'lac', 'aps'],
      properties: {
        temperature: { type: 'number', exclusiveMinimum: 0 },
        lac: { type: 'array', items: { type: 'integer', minimum: 0 } },
        aps: { type: 'array', items: { type: 'integer', minimum: 0 } },
      },
    },
  },
} as const;

export function calibrationToEntry(calibration: Calibration, path: string): { entry: CalibrationEntry; scores: Uint8Array } {
  const groups: FoldScores[] = [];
  const lengths = (s: FoldScores): number[] => {
    groups.push(s);
    return s.folds.map((f) => f.length);
  };
  const r = calibration.regression;
  const c = calibration.classification;
  const entry: CalibrationEntry = {
    formatVersion: CALIBRATION_FORMAT_VERSION,
    nFolds: calibration.nFolds,
    scores: path,
    ...(r === undefined
      ? {}
      : {
          regression: {
            variance: [...r.variance].map(([id, v]) => ({ id, scale: v.scale, offset: v.offset })),
            spreadFloor: r.spreadFloor,
            absolute: lengths(r.absolute),
            ...(r.normalized === undefined ? {} : { normalized: lengths(r.normalized) }),
          },
        }),
    ...(c === undefined ? {} : { classification: { temperature: c.temperature, lac: lengths(c.lac), aps: lengths(c.aps) } }),
  };
  const all = groups.flatMap((g) => g.folds.flatMap((f) => Array.from(f)));
  return { entry, scores: float64Blob(all) };
}

/** Rebuild calibration data; a DataError names what does not fit (lengths, order, version, fold counts). */
export function calibrationFromEntry(entry: CalibrationEntry, scores: Uint8Array): Calibration {
  if (entry.formatVersion !== CALIBRATION_FORMAT_VERSION) {
    throw new DataError(`calibration format version ${entry.formatVersion} is not supported (this auto-ensemble reads ${CALIBRATION_FORMAT_VERSION})`);
  }
  const values = readFloat64Blob(scores, entry.scores);
  let offset = 0;
  const take = (lengths: readonly number[], what: string): FoldScores => {
    if (lengths.length !== entry.nFolds) throw new DataError(`calibration ${what}: ${lengths.length} folds, expected ${entry.nFolds}`);
    const folds = lengths.map((length) => {
      if (offset + length > values.length) throw new DataError(`calibration ${what}: the scores file is too short`);
      const fold = values.slice(offset, offset + length);
      offset += length;
      for (let i = 0; i < fold.length; i++) {
        if (Number.isNaN(fold[i]!) || (i > 0 && fold[i]! < fold[i - 1]!)) throw new DataError(`calibration ${what}: scores are not sorted numbers`);
      }
      return fold;
    });
    return { folds, n: lengths.reduce((a, b) => a + b, 0) };
  };
  const r = entry.regression;
  const c = entry.classification;
  const calibration: Calibration = {
    nFolds: entry.nFolds,
    ...(r === undefined
      ? {}
      : {
          regression: {
            variance: new Map<number, VarianceCalibration>(r.variance.map((v) => [v.id, { scale: v.scale, offset: v.offset }])),
            spreadFloor: r.spreadFloor,
            absolute: take(r.absolute, 'absolute scores'),
            ...(r.normalized === undefined ? {} : { normalized: take(r.normalized, 'normalized scores') }),
          },
        }),
    ...(c === undefined ? {} : { classification: { temperature: c.temperature, lac: take(c.lac, 'LAC scores'), aps: take(c.aps, 'APS scores') } }),
  };
  if (offset !== values.length) throw new DataError(`calibration: the scores file holds ${values.length - offset} values more than listed`);
  return calibration;
}
