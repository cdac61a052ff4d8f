/**
 * Golden-section search for the minimum of a function of one variable on [lo, hi]: exact for unimodal functions up
 * to `tolerance` (absolute, in x), `iterations` evaluations at most. Used for one-parameter calibrations
 * (temperature scaling, variance recalibration) where a library optimizer would be a dependency for ten lines.
 */
export function goldenSectionMinimize(f: (x: number) => number, lo: number, hi: number, tolerance = 1e-6, iterations = 200): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations && b - a > tolerance; i++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  // The ends are candidates too: a monotone function has its minimum there.
  let best = (a + b) / 2;
  let bestValue = f(best);
  for (const x of [lo, hi]) {
    const v = f(x);
    if (v < bestValue) {
      best = x;
      bestValue = v;
    }
  }
  return best;
}
