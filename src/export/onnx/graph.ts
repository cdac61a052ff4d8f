/**
 * A small builder of ONNX graphs over the `onnx-proto` message classes (protobufjs): unique value names, constant
 * tensors (float64 as raw little-endian bytes, so every double is written exactly), nodes with typed attributes,
 * and the final ModelProto bytes. Only what the exporter needs; operator semantics are ONNX's.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Attribute = InstanceType<typeof onnx.AttributeProto>;
type Tensor = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

/** An attribute value: numbers are INT unless marked float, arrays INTS / FLOATS / STRINGS, tensors TENSOR. */
export type AttributeValue =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | { readonly floats: readonly number[] }
  | { readonly float: number }
  | { readonly tensor: Tensor };

/** Opset versions the exporter writes (operators are checked against onnxruntime 1.30). */
export const OPSETS = { '': 18, 'ai.onnx.ml': 5 } as const;

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  name(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** A graph input named exactly `name` (a feature name), of the given element type and shape [N, ...rest]. */
  input(name: string, elemType: number, rest: readonly number[]): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: duplicate input name '${name}'`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, rest));
    return name;
  }

  /** Mark `value` as a graph output under `name`. */
  output(value: string, name: string, elemType: number, rest: readonly number[]): void {
    if (this.used.has(name)) throw new Error(`ONNX export: the output name '${name}' is taken (a feature of that name?): rename the feature`);
    this.node('Identity', [value], { outputs: [name] });
    this.used.add(name);
    this.outputs.push(valueInfo(name, elemType, rest));
  }

  /** A float64 constant of the given shape (default: a vector). */
  doubles(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
    return this.constant({ dataType: DataType.DOUBLE, dims: [...dims], rawData: bytes });
  }

  /** An int64 constant of the given shape (default: a vector). */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant({ dataType: DataType.INT64, dims: [...dims], int64Data: [...values] });
  }

  private constant(tensor: Tensor): string {
    const name = this.name('const');
    this.initializers.push({ ...tensor, name });
    return name;
  }

  /**
   * Add a node; returns its (first) output name. `attributes` maps names to values (see AttributeValue);
   * `outputs` names them explicitly (default: one fresh name).
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: { attributes?: Readonly<Record<string, AttributeValue>>; domain?: string; outputs?: readonly string[] } = {},
  ): string {
    const outputs = options.outputs ?? [this.name(opType.toLowerCase())];
    this.nodes.push({
      opType,
      domain: options.domain ?? '',
      input: [...inputs],
      output: [...outputs],
      name: this.name(`node_${opType}`),
      attribute: Object.entries(options.attributes ?? {}).map(([name, value]) => attribute(name, value)),
    });
    return outputs[0]!;
  }

  /** The model as ONNX protobuf bytes. */
  finish(metadata: Readonly<Record<string, string>>, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'auto-ensemble',
      docString,
      opsetImport: Object.entries(OPSETS).map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: 'auto_ensemble', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** A float64 tensor attribute value (TreeEnsemble splits and leaf weights). */
export function doubleTensor(values: ArrayLike<number>): { tensor: Tensor } {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return { tensor: { dataType: DataType.DOUBLE, dims: [values.length], rawData: bytes } };
}

/** A uint8 tensor attribute value (TreeEnsemble node modes). */
export function uint8Tensor(values: ArrayLike<number>): { tensor: Tensor } {
  return { tensor: { dataType: DataType.UINT8, dims: [values.length], rawData: Uint8Array.from(values) } };
}

function attribute(name: string, value: AttributeValue): Attribute {
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return onnx.AttributeProto.create({ name, type: AttributeType.STRINGS, strings: (value as string[]).map((v) => new TextEncoder().encode(v)) });
    }
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...(value as number[])] });
  }
  const v = value as Exclude<AttributeValue, number | string | readonly unknown[]>;
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: [...v.floats] });
  if ('float' in v) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: v.float });
  return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t: v.tensor });
}

function valueInfo(name: string, elemType: number, rest: readonly number[]): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }, ...rest.map((d) => ({ dimValue: d }))] } } },
  };
}
