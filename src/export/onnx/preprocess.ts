/**
 * The members' preprocessing as ONNX nodes, from their encoders' saved state (src/preprocess/): the tree encoder
 * (numbers as they are, categories as training codes, missing and unseen as NaN) and the dense encoder (imputation,
 * missing indicators, one-hot with pooled and unknown categories, standardization). Each distinct encoder state is
 * built once per graph. Graph inputs: one per feature, double [N, 1] (NaN = missing) or string [N, 1] ("" = missing).
 */
import type { FeatureSchema } from '../../data/feature-schema.js';
import type { DenseEncoderState, FeatureState } from '../../preprocess/dense-state.js';
import { DataType, type GraphBuilder } from './graph.js';

/** Tree encoder JSON (src/preprocess/tree-encoder.ts). */
export interface TreeEncoderJson {
  readonly columns: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical'; readonly categories?: readonly string[] }[];
}

export class OnnxInputs {
  private readonly byName = new Map<string, { kind: 'numeric' | 'categorical'; value: string }>();
  private readonly cache = new Map<string, string>();
  private isNan = new Map<string, string>();

  constructor(
    private readonly g: GraphBuilder,
    schema: FeatureSchema,
  ) {
    for (const f of schema) {
      const value = g.input(f.name, f.kind === 'numeric' ? DataType.DOUBLE : DataType.STRING, [1]);
      this.byName.set(f.name, { kind: f.kind, value });
    }
  }

  /** The tree matrix [N, columns] (double) of a tree encoder state. */
  treeMatrix(encoder: TreeEncoderJson): string {
    return this.cached(`tree:${JSON.stringify(encoder.columns)}`, () =>
      this.g.node('Concat', encoder.columns.map((c) => (c.kind === 'numeric' ? this.feature(c.name, 'numeric') : this.codes(c.name, c.categories ?? []))), { attributes: { axis: 1 } }),
    );
  }

  /** The dense matrix [N, width] (double) of a dense encoder state. */
  denseMatrix(state: DenseEncoderState): string {
    return this.cached(`dense:${JSON.stringify(state.features)}`, () =>
      this.g.node('Concat', state.features.flatMap((f) => this.denseColumns(f)), { attributes: { axis: 1 } }),
    );
  }

  /** Training codes of a categorical feature as doubles; missing ("") and unseen categories are NaN. */
  private codes(name: string, categories: readonly string[]): string {
    return this.cached(`codes:${name}:${JSON.stringify(categories)}`, () => {
      const input = this.feature(name, 'categorical');
      if (categories.length === 0) return this.g.node('Expand', [this.g.doubles([NaN]), this.g.node('Shape', [input])]);
      const codes = this.g.node('LabelEncoder', [input], {
        domain: 'ai.onnx.ml',
        attributes: { keys_strings: [...categories], values_floats: { floats: categories.map((_, i) => i) }, default_float: { float: NaN } },
      });
      return this.g.node('Cast', [codes], { attributes: { to: DataType.DOUBLE } });
    });
  }

  private denseColumns(f: FeatureState): string[] {
    if (f.kind === 'numeric') {
      const x = this.feature(f.name, 'numeric');
      const missing = this.missing(f.name);
      const filled = this.g.node('Where', [missing, this.g.doubles([f.fill]), x]);
      const scaled = this.g.node('Div', [this.g.node('Sub', [filled, this.g.doubles([f.center])]), this.g.doubles([f.scale])]);
      return f.indicator ? [scaled, this.g.node('Cast', [missing], { attributes: { to: DataType.DOUBLE } })] : [scaled];
    }
    // Slot of each category: levels, then one `other` slot for pooled categories; missing ("") goes to the
    // indicator slot, else to the training mode's slot, else nowhere; unseen categories go nowhere (all zeros).
    const slots = new Map<string, number>();
    f.levels.forEach((level, j) => slots.set(level, j));
    for (const category of f.pooled) slots.set(category, f.levels.length);
    const width = f.levels.length + (f.pooled.length > 0 ? 1 : 0) + (f.indicator ? 1 : 0);
    const missingSlot = f.indicator ? width - 1 : f.fill === null ? -1 : slots.get(f.fill) ?? -1;
    const keys = [...slots.keys()];
    const values = keys.map((k) => slots.get(k)!);
    if (!slots.has('')) {
      keys.push('');
      values.push(missingSlot);
    }
    const slot = this.g.node('LabelEncoder', [this.feature(f.name, 'categorical')], {
      domain: 'ai.onnx.ml',
      attributes: { keys_strings: keys, values_int64s: values, default_int64: -1 },
    });
    const oneHot = this.g.node('Equal', [slot, this.g.int64s(Array.from({ length: width }, (_, j) => j), [1, width])]);
    return [this.g.node('Cast', [oneHot], { attributes: { to: DataType.DOUBLE } })];
  }

  private missing(name: string): string {
    let v = this.isNan.get(name);
    if (v === undefined) {
      v = this.g.node('IsNaN', [this.feature(name, 'numeric')]);
      this.isNan.set(name, v);
    }
    return v;
  }

  private feature(name: string, kind: 'numeric' | 'categorical'): string {
    const f = this.byName.get(name);
    if (f === undefined) throw new Error(`ONNX export: a member reads feature '${name}', which the ensemble's schema lacks`);
    if (f.kind !== kind) throw new Error(`ONNX export: feature '${name}' is ${f.kind} in the schema but ${kind} in a member`);
    return f.value;
  }

  private cached(key: string, build: () => string): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = build();
      this.cache.set(key, v);
    }
    return v;
  }
}
