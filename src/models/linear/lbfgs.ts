/**
 * Limited-memory BFGS for smooth convex objectives, with optional lower bounds (x >= lower) handled the
 * projected way: variables held at a bound whose gradient pushes outward are frozen for the step, the
 * quasi-Newton direction is computed on the free ones, and the line search follows the projected path
 * (Armijo condition on the actual move). When the quasi-Newton step fails to descend, the memory is
 * dropped and a projected gradient step is taken, so progress never stalls.
 */

/** Objective: writes the gradient at `x` into `grad` and returns the value. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Iteration cap. Default 500. */
  readonly maxIter?: number;
  /** Stop when the projected gradient's max-abs entry falls below this. Default 1e-6. */
  readonly tol?: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
  /** Lower bound per variable (-Infinity for none). Default: unbounded. */
  readonly lower?: Float64Array;
  /** ms since epoch (as Date.now()) after which no new iteration starts (the first always runs). Default none. */
  readonly deadline?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const ARMIJO = 1e-4;

export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 500;
  const tol = options.tol ?? 1e-6;
  const memory = options.memory ?? 10;
  const lower = options.lower;
  const deadline = options.deadline ?? Infinity;
  const p = x0.length;
  const x = Float64Array.from(x0);
  if (lower !== undefined) project(x, lower);
  const grad = new Float64Array(p);
  let value = objective(x, grad);
  const history = new CorrectionHistory(p, memory);
  const direction = new Float64Array(p);
  const xNew = new Float64Array(p);
  const gradNew = new Float64Array(p);
  const free = new Uint8Array(p);
  for (let iter = 0; iter < maxIter; iter++) {
    if (projectedGradientNorm(x, grad, lower) <= tol) return { x, value, iterations: iter, converged: true };
    if (iter > 0 && Date.now() > deadline) return { x, value, iterations: iter, converged: false };
    markFree(x, grad, lower, free);
    history.direction(grad, free, direction);
    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      history.clear();
      steepest(grad, free, direction);
      slope = dot(grad, direction);
    }
    const first = history.size === 0 ? Math.min(1, 1 / maxAbs(grad)) : 1;
    let step = lineSearch(objective, x, value, grad, direction, first, lower, xNew, gradNew);
    if (step === null && history.size > 0) {
      history.clear();
      steepest(grad, free, direction);
      step = lineSearch(objective, x, value, grad, direction, Math.min(1, 1 / maxAbs(grad)), lower, xNew, gradNew);
    }
    if (step === null) return { x, value, iterations: iter, converged: false };
    const previous = value;
    value = step;
    history.push(x, xNew, grad, gradNew);
    x.set(xNew);
    grad.set(gradNew);
    if (Math.abs(previous - value) <= 1e-15 * Math.max(1, Math.abs(value))) {
      return { x, value, iterations: iter + 1, converged: true };
    }
  }
  return { x, value, iterations: maxIter, converged: projectedGradientNorm(x, grad, lower) <= tol };
}

/** Backtracking along the projected path; fills xNew/gradNew and returns the new value, or null on failure. */
function lineSearch(
  objective: Objective,
  x: Float64Array,
  value: number,
  grad: Float64Array,
  direction: Float64Array,
  initialStep: number,
  lower: Float64Array | undefined,
  xNew: Float64Array,
  gradNew: Float64Array,
): number | null {
  let t = initialStep;
  for (let trial = 0; trial < 40; trial++) {
    let decrease = 0;
    for (let i = 0; i < x.length; i++) {
      let v = x[i]! + t * direction[i]!;
      if (lower !== undefined && v < lower[i]!) v = lower[i]!;
      xNew[i] = v;
      decrease += grad[i]! * (v - x[i]!);
    }
    // Projection can cancel the descent of a quasi-Newton direction: give up, the caller falls back to -grad.
    if (!(decrease < 0)) return null;
    const candidate = objective(xNew, gradNew);
    if (Number.isFinite(candidate) && candidate <= value + ARMIJO * decrease) return candidate;
    t *= 0.5;
  }
  return null;
}

/** A variable is frozen when it sits on its bound and the gradient pushes it further out. */
function markFree(x: Float64Array, grad: Float64Array, lower: Float64Array | undefined, free: Uint8Array): void {
  for (let i = 0; i < x.length; i++) free[i] = lower !== undefined && x[i]! <= lower[i]! && grad[i]! > 0 ? 0 : 1;
}

function projectedGradientNorm(x: Float64Array, grad: Float64Array, lower: Float64Array | undefined): number {
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    let g = grad[i]!;
    if (lower !== undefined && x[i]! <= lower[i]! && g > 0) g = 0;
    norm = Math.max(norm, Math.abs(g));
  }
  return norm;
}

function steepest(grad: Float64Array, free: Uint8Array, out: Float64Array): void {
  for (let i = 0; i < grad.length; i++) out[i] = free[i] === 1 ? -grad[i]! : 0;
}

function project(x: Float64Array, lower: Float64Array): void {
  for (let i = 0; i < x.length; i++) if (x[i]! < lower[i]!) x[i] = lower[i]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m > 0 ? m : 1;
}

/** Ring buffer of (s, y) pairs and the two-loop recursion restricted to free variables. */
class CorrectionHistory {
  private readonly s: Float64Array[];
  private readonly y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private start = 0;
  size = 0;

  constructor(
    private readonly p: number,
    private readonly capacity: number,
  ) {
    this.s = Array.from({ length: capacity }, () => new Float64Array(p));
    this.y = Array.from({ length: capacity }, () => new Float64Array(p));
    this.rho = new Float64Array(capacity);
    this.alpha = new Float64Array(capacity);
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  push(x: Float64Array, xNew: Float64Array, grad: Float64Array, gradNew: Float64Array): void {
    const slot = (this.start + this.size) % this.capacity;
    const s = this.s[slot]!;
    const y = this.y[slot]!;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < this.p; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gradNew[i]! - grad[i]!;
      sy += s[i]! * y[i]!;
      yy += y[i]! * y[i]!;
    }
    // Skip pairs without positive curvature: they would break the positive-definite inverse Hessian model.
    if (!(sy > 1e-12 * yy)) return;
    this.rho[slot] = 1 / sy;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  direction(grad: Float64Array, free: Uint8Array, out: Float64Array): void {
    const p = this.p;
    for (let i = 0; i < p; i++) out[i] = free[i] === 1 ? -grad[i]! : 0;
    for (let k = this.size - 1; k >= 0; k--) {
      const slot = (this.start + k) % this.capacity;
      const a = this.rho[slot]! * maskedDot(this.s[slot]!, out, free);
      this.alpha[k] = a;
      const y = this.y[slot]!;
      for (let i = 0; i < p; i++) if (free[i] === 1) out[i] -= a * y[i]!;
    }
    if (this.size > 0) {
      const last = (this.start + this.size - 1) % this.capacity;
      const yy = maskedDot(this.y[last]!, this.y[last]!, free);
      const gamma = yy > 0 ? maskedDot(this.s[last]!, this.y[last]!, free) / yy : 1;
      const scale = gamma > 0 ? gamma : 1;
      for (let i = 0; i < p; i++) out[i] *= scale;
    }
    for (let k = 0; k < this.size; k++) {
      const slot = (this.start + k) % this.capacity;
      const b = this.rho[slot]! * maskedDot(this.y[slot]!, out, free);
      const s = this.s[slot]!;
      const coefficient = this.alpha[k]! - b;
      for (let i = 0; i < p; i++) if (free[i] === 1) out[i] += coefficient * s[i]!;
    }
  }
}

function maskedDot(a: Float64Array, b: Float64Array, mask: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (mask[i] === 1) s += a[i]! * b[i]!;
  return s;
}
