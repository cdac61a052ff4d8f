import type { Column, FeatureTable } from '../data/dataset.js';
import { DataError } from '../util/errors.js';
import type { TreeEncoder, TreeMatrix } from './types.js';

/**
 * Tree preprocessing: numeric columns pass through (NaN = missing); categorical columns become their training
 * codes as floats, with missing (-1) and categories unseen in training mapped to NaN, so a tree sends them the
 * learned missing-value direction. Columns are matched by name; extra columns are ignored.
 */
interface EncodedColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Training category names (categorical only). */
  readonly categories?: readonly string[];
}

interface TreeEncoderJson {
  readonly type: 'tree-encoder';
  readonly version: 1;
  readonly columns: readonly EncodedColumn[];
}

class FittedTreeEncoder implements TreeEncoder {
  private readonly columns: readonly EncodedColumn[];

  constructor(columns: readonly EncodedColumn[]) {
    this.columns = columns;
  }

  transform(table: FeatureTable): TreeMatrix {
    const byName = new Map<string, Column>();
    for (const c of table.features) byName.set(c.name, c);
    const n = table.nRows;
    const out: Float64Array[] = [];
    for (const spec of this.columns) {
      const col = byName.get(spec.name);
      if (col === undefined) throw new DataError(`missing feature column '${spec.name}'`, { column: spec.name });
      if (col.kind !== spec.kind) {
        throw new DataError(`feature '${spec.name}' is ${col.kind} but was ${spec.kind} in training`, {
          column: spec.name,
        });
      }
      if (col.kind === 'numeric') {
        out.push(col.values.length === n ? col.values.slice() : Float64Array.from(col.values.subarray(0, n)));
      } else {
        out.push(encodeCategorical(col.codes, col.categories, spec.categories!, n));
      }
    }
    return {
      nRows: n,
      columns: out,
      isCategorical: this.columns.map((c) => c.kind === 'categorical'),
      cardinalities: this.columns.map((c) => (c.kind === 'categorical' ? c.categories!.length : 0)),
      names: this.columns.map((c) => c.name),
    };
  }

  toJSON(): TreeEncoderJson {
    return { type: 'tree-encoder', version: 1, columns: this.columns };
  }
}

/** Map a column's codes (into its own category list) to training codes; missing and unseen become NaN. */
function encodeCategorical(
  codes: Int32Array,
  categories: readonly string[],
  trained: readonly string[],
  n: number,
): Float64Array {
  const trainedIndex = new Map<string, number>();
  trained.forEach((c, i) => trainedIndex.set(c, i));
  const remap = new Float64Array(categories.length);
  for (let i = 0; i < categories.length; i++) remap[i] = trainedIndex.get(categories[i]!) ?? NaN;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    out[i] = c >= 0 && c < remap.length ? remap[c]! : NaN;
  }
  return out;
}

/** Learn the schema (names, kinds, category lists) of the training table. */
export function fitTreeEncoder(table: FeatureTable): TreeEncoder {
  const names = new Set<string>();
  const columns: EncodedColumn[] = table.features.map((c) => {
    if (names.has(c.name)) throw new DataError(`duplicate feature column '${c.name}'`, { column: c.name });
    names.add(c.name);
    return c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric' }
      : { name: c.name, kind: 'categorical', categories: [...c.categories] };
  });
  return new FittedTreeEncoder(columns);
}

/** Rebuild an encoder from `toJSON()` output. */
export function loadTreeEncoder(json: unknown): TreeEncoder {
  const j = json as Partial<TreeEncoderJson> | null;
  if (j === null || typeof j !== 'object' || j.type !== 'tree-encoder' || !Array.isArray(j.columns)) {
    throw new DataError('not a serialized tree encoder');
  }
  for (const c of j.columns) {
    if (typeof c?.name !== 'string' || (c.kind !== 'numeric' && c.kind !== 'categorical')) {
      throw new DataError('corrupt tree encoder column');
    }
    if (c.kind === 'categorical' && !Array.isArray(c.categories)) throw new DataError('corrupt tree encoder column');
  }
  return new FittedTreeEncoder(j.columns);
}
