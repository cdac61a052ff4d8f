/**
 * Numeric encoding of proposals for the surrogate models.
 *
 * Layout (fixed per space): a one-hot of the family (omitted for a single-family space), then for each family and
 * each of its parameters: one slot in [0, 1] for float / int (log space when `log`) and ordinal (index / (m - 1)),
 * one 0/1 slot per choice for categorical, nothing for constant. Slots of inactive parameters, and of the other
 * families' parameters, hold INACTIVE (-1), which tree surrogates split off cleanly.
 */
import type { TreeMatrix } from '../preprocess/types.js';
import type { TrialProposal } from './types.js';
import { toUnit } from './config.js';
import type { ParamSpec, SearchSpace } from './space.js';

export const INACTIVE = -1;

interface Slot {
  readonly offset: number;
  readonly spec: ParamSpec;
}

export interface SpaceEncoder {
  readonly width: number;
  readonly names: readonly string[];
  /** Encode one proposal into `out` at `offset` (width slots). */
  encodeInto(p: TrialProposal, out: Float64Array, offset: number): void;
  encode(p: TrialProposal): Float64Array;
  /** Column-major TreeMatrix of many proposals (all columns numeric). */
  matrix(ps: readonly TrialProposal[]): TreeMatrix;
}

export function createEncoder(space: SearchSpace): SpaceEncoder {
  const names: string[] = [];
  const familyIndex = new Map<string, number>();
  const oneHotFamilies = space.families.length > 1;
  space.families.forEach((f, i) => {
    familyIndex.set(f.name, i);
    if (oneHotFamilies) names.push(`family=${f.name}`);
  });
  const slots = new Map<string, Slot[]>();
  for (const f of space.families) {
    const list: Slot[] = [];
    for (const spec of f.params) {
      if (spec.type === 'constant') continue;
      list.push({ offset: names.length, spec });
      if (spec.type === 'categorical') for (const c of spec.choices) names.push(`${f.name}.${spec.name}=${String(c)}`);
      else names.push(`${f.name}.${spec.name}`);
    }
    slots.set(f.name, list);
  }
  const width = names.length;

  const encodeInto = (p: TrialProposal, out: Float64Array, offset: number): void => {
    out.fill(INACTIVE, offset, offset + width);
    const fi = familyIndex.get(p.family);
    if (fi === undefined) throw new Error(`cannot encode unknown family '${p.family}'`);
    if (oneHotFamilies) for (let i = 0; i < space.families.length; i++) out[offset + i] = i === fi ? 1 : 0;
    for (const { offset: o, spec } of slots.get(p.family)!) {
      const v = p.config[spec.name];
      if (v === undefined) continue;
      const at = offset + o;
      if (spec.type === 'float' || spec.type === 'int') out[at] = toUnit(spec, v as number);
      else if (spec.type === 'ordinal') {
        const m = spec.values.length;
        out[at] = m > 1 ? spec.values.findIndex((x) => x === v) / (m - 1) : 0;
      } else if (spec.type === 'categorical') {
        for (let c = 0; c < spec.choices.length; c++) out[at + c] = spec.choices[c] === v ? 1 : 0;
      }
    }
  };

  return {
    width,
    names,
    encodeInto,
    encode(p) {
      const out = new Float64Array(width);
      encodeInto(p, out, 0);
      return out;
    },
    matrix(ps) {
      const rows = new Float64Array(width);
      const columns = names.map(() => new Float64Array(ps.length));
      ps.forEach((p, r) => {
        encodeInto(p, rows, 0);
        for (let c = 0; c < width; c++) columns[c]![r] = rows[c]!;
      });
      return toTreeMatrix(columns, names);
    },
  };
}

/** Wrap numeric columns as a TreeMatrix. */
export function toTreeMatrix(columns: Float64Array[], names: readonly string[]): TreeMatrix {
  return {
    nRows: columns[0]?.length ?? 0,
    columns,
    isCategorical: columns.map(() => false),
    cardinalities: columns.map(() => 0),
    names,
  };
}
