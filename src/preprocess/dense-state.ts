/**
 * The learned state of a DenseEncoder as plain JSON data, its validation, and the transform over it.
 * Fitting lives in dense-encoder.ts; this file is all a loaded encoder needs.
 */
import type { FeatureTable } from '../data/dataset.js';
import { DataError } from '../util/errors.js';
import type { DenseEncoder } from './types.js';

export const DENSE_ENCODER_FORMAT = 'auto-ensemble/dense-encoder';
export const DENSE_ENCODER_VERSION = 1;

/** A numeric feature: missing -> `fill` (training median), then (x - center) / scale. */
export interface NumericFeatureState {
  readonly name: string;
  readonly kind: 'numeric';
  readonly fill: number;
  /** Emit a `name__missing` 0/1 column after the value column. */
  readonly indicator: boolean;
  readonly center: number;
  readonly scale: number;
}

/**
 * A categorical feature, one-hot: one column per `levels` entry, then one `other` column when `pooled` is not
 * empty, then a `name__missing` column when `indicator`. Missing -> the indicator column when there is one, else
 * `fill` (training mode, or null when training had no values: all zeros). A category in neither list (unseen in
 * training) is 'unknown': all zeros.
 */
export interface CategoricalFeatureState {
  readonly name: string;
  readonly kind: 'categorical';
  readonly levels: readonly string[];
  readonly pooled: readonly string[];
  readonly fill: string | null;
  readonly indicator: boolean;
}

export type FeatureState = NumericFeatureState | CategoricalFeatureState;

export interface DenseEncoderState {
  readonly format: typeof DENSE_ENCODER_FORMAT;
  readonly version: number;
  readonly features: readonly FeatureState[];
}

export const OTHER_LEVEL = '__other__';

function stateWidth(feature: FeatureState): number {
  if (feature.kind === 'numeric') return feature.indicator ? 2 : 1;
  return feature.levels.length + (feature.pooled.length > 0 ? 1 : 0) + (feature.indicator ? 1 : 0);
}

function stateNames(feature: FeatureState): string[] {
  if (feature.kind === 'numeric') return feature.indicator ? [feature.name, `${feature.name}__missing`] : [feature.name];
  const names = feature.levels.map((level) => `${feature.name}=${level}`);
  if (feature.pooled.length > 0) names.push(`${feature.name}=${OTHER_LEVEL}`);
  if (feature.indicator) names.push(`${feature.name}__missing`);
  return names;
}

/** Category name -> output slot within the feature (levels, then the `other` slot for pooled ones). */
function slotLookup(feature: CategoricalFeatureState): Map<string, number> {
  const slots = new Map<string, number>();
  feature.levels.forEach((level, j) => slots.set(level, j));
  for (const category of feature.pooled) slots.set(category, feature.levels.length);
  return slots;
}

class FittedDenseEncoder implements DenseEncoder {
  readonly width: number;
  readonly outputNames: readonly string[];
  private readonly offsets: Int32Array;
  private readonly slots: (Map<string, number> | null)[];

  constructor(private readonly state: DenseEncoderState) {
    this.offsets = new Int32Array(state.features.length);
    let width = 0;
    state.features.forEach((feature, f) => {
      this.offsets[f] = width;
      width += stateWidth(feature);
    });
    this.width = width;
    this.outputNames = Object.freeze(state.features.flatMap(stateNames));
    this.slots = state.features.map((feature) => (feature.kind === 'categorical' ? slotLookup(feature) : null));
  }

  transform(table: FeatureTable): Float64Array {
    const byName = new Map<string, FeatureTable['features'][number]>();
    for (const column of table.features) if (!byName.has(column.name)) byName.set(column.name, column);
    const n = table.nRows;
    const out = new Float64Array(n * this.width);
    this.state.features.forEach((feature, f) => {
      const column = byName.get(feature.name);
      if (column === undefined) {
        throw new DataError(`feature '${feature.name}' seen in training is missing from the table to transform`, {
          column: feature.name,
        });
      }
      if (column.kind !== feature.kind) {
        throw new DataError(
          `feature '${feature.name}' was ${feature.kind} in training but is ${column.kind} in the table to transform`,
          { column: feature.name },
        );
      }
      const length = column.kind === 'numeric' ? column.values.length : column.codes.length;
      if (length !== n) {
        throw new DataError(`feature '${feature.name}' has ${length} values for a table of ${n} rows`, { column: feature.name });
      }
      if (feature.kind === 'numeric' && column.kind === 'numeric') {
        writeNumeric(feature, column.values, out, this.width, this.offsets[f]!);
      } else if (feature.kind === 'categorical' && column.kind === 'categorical') {
        const codeSlots = codeToSlot(column.categories, this.slots[f]!);
        const fillSlot = feature.indicator
          ? stateWidth(feature) - 1
          : feature.fill === null
            ? -1
            : this.slots[f]!.get(feature.fill) ?? -1;
        writeOneHot(feature.name, column.codes, codeSlots, fillSlot, out, this.width, this.offsets[f]!);
      }
    });
    return out;
  }

  toJSON(): DenseEncoderState {
    return this.state;
  }
}

function writeNumeric(
  feature: NumericFeatureState,
  values: Float64Array,
  out: Float64Array,
  width: number,
  offset: number,
): void {
  const { fill, center, scale, indicator } = feature;
  for (let i = 0, o = offset; i < values.length; i++, o += width) {
    let v = values[i]!;
    if (v !== v) {
      v = fill;
      if (indicator) out[o + 1] = 1;
    } else if (v === Infinity || v === -Infinity) {
      throw new DataError(`feature '${feature.name}' has a non-finite value ${v} at row ${i}`, { column: feature.name });
    }
    out[o] = (v - center) / scale;
  }
}

/** For each code of the incoming column's category list: its output slot, or -1 (unknown). */
function codeToSlot(categories: readonly string[], slots: Map<string, number>): Int32Array {
  const lookup = new Int32Array(categories.length);
  for (let c = 0; c < categories.length; c++) lookup[c] = slots.get(categories[c]!) ?? -1;
  return lookup;
}

function writeOneHot(
  name: string,
  codes: Int32Array,
  codeSlots: Int32Array,
  fillSlot: number,
  out: Float64Array,
  width: number,
  offset: number,
): void {
  const nCategories = codeSlots.length;
  for (let i = 0, o = offset; i < codes.length; i++, o += width) {
    const code = codes[i]!;
    let slot: number;
    if (code < 0) slot = fillSlot;
    else if (code < nCategories) slot = codeSlots[code]!;
    else throw new DataError(`feature '${name}' has code ${code} at row ${i} beyond its ${nCategories} categories`, { column: name });
    if (slot >= 0) out[o + slot] = 1;
  }
}

export function encoderFromState(state: DenseEncoderState): DenseEncoder {
  return new FittedDenseEncoder(state);
}

function invalid(reason: string): DataError {
  return new DataError(`invalid dense encoder JSON: ${reason}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function parseFeature(raw: unknown, index: number): FeatureState {
  if (typeof raw !== 'object' || raw === null) throw invalid(`feature ${index} is not an object`);
  const f = raw as Record<string, unknown>;
  if (typeof f.name !== 'string') throw invalid(`feature ${index} has no name`);
  if (f.kind === 'numeric') {
    for (const key of ['fill', 'center', 'scale'] as const) {
      if (typeof f[key] !== 'number' || !Number.isFinite(f[key])) throw invalid(`feature '${f.name}' has a bad ${key}`);
    }
    if (f.scale === 0) throw invalid(`feature '${f.name}' has scale 0`);
    if (typeof f.indicator !== 'boolean') throw invalid(`feature '${f.name}' has a bad indicator flag`);
    return {
      name: f.name,
      kind: 'numeric',
      fill: f.fill as number,
      indicator: f.indicator,
      center: f.center as number,
      scale: f.scale as number,
    };
  }
  if (f.kind === 'categorical') {
    if (!isStringArray(f.levels) || !isStringArray(f.pooled)) throw invalid(`feature '${f.name}' has bad levels`);
    if (f.fill !== null && typeof f.fill !== 'string') throw invalid(`feature '${f.name}' has a bad fill`);
    if (typeof f.indicator !== 'boolean') throw invalid(`feature '${f.name}' has a bad indicator flag`);
    return {
      name: f.name,
      kind: 'categorical',
      levels: [...f.levels],
      pooled: [...f.pooled],
      fill: f.fill,
      indicator: f.indicator,
    };
  }
  throw invalid(`feature '${f.name}' has unknown kind ${JSON.stringify(f.kind)}`);
}

/** Validates plain data (or its JSON text) as a DenseEncoderState. */
export function parseDenseEncoderState(json: unknown): DenseEncoderState {
  const raw = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (typeof raw !== 'object' || raw === null) throw invalid('not an object');
  const s = raw as Record<string, unknown>;
  if (s.format !== DENSE_ENCODER_FORMAT) throw invalid(`format is ${JSON.stringify(s.format)}, expected '${DENSE_ENCODER_FORMAT}'`);
  if (s.version !== DENSE_ENCODER_VERSION) throw invalid(`unsupported version ${JSON.stringify(s.version)}`);
  if (!Array.isArray(s.features)) throw invalid('features is not an array');
  return { format: DENSE_ENCODER_FORMAT, version: DENSE_ENCODER_VERSION, features: s.features.map(parseFeature) };
}
