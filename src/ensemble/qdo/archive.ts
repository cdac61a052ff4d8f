/**
 * Populations for Q(D)O-ES.
 * - QualityArchive (QO-ES): the best `maxElites` solutions by loss.
 * - SlidingBoundariesArchive (QDO-ES; Fontaine et al. 2019, as in Purucker et al. 2023): a grid of bins over the
 *   2-D behaviour space, one elite (lowest loss) per bin. Every solution ever added is kept in a buffer; after
 *   the first `initialRemap` additions and then every `remapFrequency` additions, each dimension's boundaries
 *   move to the percentiles of the behaviour values seen so far (so bins follow where solutions actually lie),
 *   and the old elites plus the buffer are re-inserted.
 */
import type { Rng } from '../../util/random.js';

export interface Elite {
  /** Count vector over the pool. */
  readonly counts: Int32Array;
  readonly loss: number;
  readonly behaviour: readonly [number, number];
}

/** Result of adding a solution: 0 rejected, 1 replaced a worse elite, 2 filled a new place. */
export type AddStatus = 0 | 1 | 2;

export interface Archive {
  add(elite: Elite): AddStatus;
  elites(): Elite[];
  best(): Elite | undefined;
  random(rng: Rng): Elite | undefined;
  readonly size: number;
}

export class QualityArchive implements Archive {
  private readonly members: Elite[] = [];
  constructor(private readonly maxElites: number) {}
  get size(): number {
    return this.members.length;
  }
  add(elite: Elite): AddStatus {
    if (this.members.length < this.maxElites) {
      this.members.push(elite);
      return 2;
    }
    let worst = 0;
    for (let i = 1; i < this.members.length; i++) if (this.members[i]!.loss > this.members[worst]!.loss) worst = i;
    if (elite.loss < this.members[worst]!.loss) {
      this.members[worst] = elite;
      return 1;
    }
    return 0;
  }
  elites(): Elite[] {
    return [...this.members];
  }
  best(): Elite | undefined {
    return bestOf(this.members);
  }
  random(rng: Rng): Elite | undefined {
    return this.members.length === 0 ? undefined : this.members[rng.int(this.members.length)];
  }
}

const EDGE = 1e-6;

export class SlidingBoundariesArchive implements Archive {
  private readonly cells: (Elite | null)[];
  /** Per dimension: bins + 1 boundaries (lower bounds of each bin, then the upper bound). */
  private readonly boundaries: Float64Array[];
  private readonly buffer: Elite[] = [];
  private nextRemap: number;

  constructor(
    private readonly bins: number,
    private readonly remapFrequency: number,
    initialRemap: number,
    initialRange: readonly [number, number] = [0, 1],
  ) {
    this.cells = new Array<Elite | null>(bins * bins).fill(null);
    this.boundaries = [0, 1].map(() =>
      Float64Array.from({ length: bins + 1 }, (_, j) => initialRange[0] + ((initialRange[1] - initialRange[0]) * j) / bins),
    );
    this.nextRemap = initialRemap;
  }

  get size(): number {
    let count = 0;
    for (const c of this.cells) if (c !== null) count++;
    return count;
  }

  add(elite: Elite): AddStatus {
    this.buffer.push(elite);
    if (this.buffer.length === this.nextRemap) {
      this.nextRemap += this.remapFrequency;
      return this.remap(elite);
    }
    return this.insert(elite);
  }

  elites(): Elite[] {
    return this.cells.filter((c): c is Elite => c !== null);
  }

  best(): Elite | undefined {
    return bestOf(this.elites());
  }

  random(rng: Rng): Elite | undefined {
    const all = this.elites();
    return all.length === 0 ? undefined : all[rng.int(all.length)];
  }

  /** Cell index of a behaviour: per dimension, the bin whose lower boundary is below the (clipped) value. */
  cellOf(behaviour: readonly [number, number]): number {
    let index = 0;
    for (let d = 0; d < 2; d++) {
      const b = this.boundaries[d]!;
      const v = Math.min(Math.max(behaviour[d]! + EDGE, b[0]!), b[this.bins]! - EDGE);
      let below = 0;
      for (let j = 0; j < this.bins; j++) if (b[j]! < v) below++;
      index = index * this.bins + Math.max(0, below - 1);
    }
    return index;
  }

  private insert(elite: Elite): AddStatus {
    const cell = this.cellOf(elite.behaviour);
    const current = this.cells[cell];
    if (current === null || current === undefined) {
      this.cells[cell] = elite;
      return 2;
    }
    if (elite.loss < current.loss) {
      this.cells[cell] = elite;
      return 1;
    }
    return 0;
  }

  /** Boundaries to the percentiles of the buffer's behaviour values, then re-insert elites and buffer. */
  private remap(last: Elite): AddStatus {
    const size = this.buffer.length;
    for (let d = 0; d < 2; d++) {
      const sorted = Float64Array.from(this.buffer, (e) => e.behaviour[d]!).sort();
      const b = this.boundaries[d]!;
      for (let j = 0; j < this.bins; j++) b[j] = sorted[Math.floor((j * size) / this.bins)]!;
      b[this.bins] = sorted[size - 1]!;
    }
    const old = this.elites();
    this.cells.fill(null);
    for (const e of old) if (e !== last) this.insert(e);
    let status: AddStatus = 0;
    for (const e of this.buffer) {
      const s = this.insert(e);
      if (e === last) status = s;
    }
    return status;
  }
}

function bestOf(elites: readonly Elite[]): Elite | undefined {
  let best: Elite | undefined;
  for (const e of elites) if (best === undefined || e.loss < best.loss) best = e;
  return best;
}
