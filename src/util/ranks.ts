/** Rank statistics shared by the search (DivBO's rank mixing), tests and benchmarks. */

/** Ranks 1..n of scores, highest score first; tied scores share their average rank. */
export function descendingRanks(scores: Float64Array): Float64Array {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ranks = new Float64Array(scores.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) ranks[order[j]!] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's rank correlation (Pearson's on average ranks); 0 when either side is constant. */
export function spearman(a: Float64Array, b: Float64Array): number {
  const ra = descendingRanks(a);
  const rb = descendingRanks(b);
  const n = a.length;
  const mean = (n + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}
