/**
 * The trainable parameters of a network as one flat float32 vector, cut into named blocks (row-major tensors).
 *
 * Training keeps the whole vector as one tensor so the optimizer runs a dozen kernels per step whatever the
 * number of blocks, and the best weights are one read-back; networks see their blocks as shaped views. Pure
 * data, no TensorFlow.js: the JavaScript predictors read their weights through the same layout.
 */
export interface ParameterBlock {
  readonly name: string;
  readonly shape: readonly number[];
  /** Whether L2 weight decay applies (kernels: yes; biases, adapters, batch-norm parameters: no). */
  readonly decay: boolean;
}

export class ParameterLayout {
  readonly blocks: readonly ParameterBlock[];
  /** Start of each block in the flat vector. */
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
  readonly size: number;
  private readonly index: ReadonlyMap<string, number>;

  constructor(blocks: readonly ParameterBlock[]) {
    this.blocks = blocks;
    const offsets: number[] = [];
    const sizes: number[] = [];
    const index = new Map<string, number>();
    let at = 0;
    blocks.forEach((block, i) => {
      if (index.has(block.name)) throw new Error(`parameter layout: block '${block.name}' twice`);
      index.set(block.name, i);
      const size = block.shape.reduce((a, b) => a * b, 1);
      offsets.push(at);
      sizes.push(size);
      at += size;
    });
    this.offsets = offsets;
    this.sizes = sizes;
    this.size = at;
    this.index = index;
  }

  /** Position of a block (throws for an unknown name: a layout and its network must agree). */
  indexOf(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`parameter layout has no block '${name}'`);
    return i;
  }

  /** The block's values inside `flat` (a view, not a copy). */
  view(flat: Float32Array, name: string): Float32Array {
    if (flat.length !== this.size) throw new Error(`parameters: ${flat.length} values, layout needs ${this.size}`);
    const i = this.indexOf(name);
    return flat.subarray(this.offsets[i]!, this.offsets[i]! + this.sizes[i]!);
  }

  /** 1 where weight decay applies, 0 elsewhere. */
  decayMask(): Float32Array {
    const mask = new Float32Array(this.size);
    this.blocks.forEach((block, i) => {
      if (block.decay) mask.fill(1, this.offsets[i]!, this.offsets[i]! + this.sizes[i]!);
    });
    return mask;
  }
}
