/**
 * Per-row weights that make every class present in `codes` weigh the same in total (scikit-learn's
 * class_weight='balanced': w = n / (presentClasses * count[class])). Classes absent from `codes` are ignored.
 */
export function balancedSampleWeights(codes: Int32Array, k: number): Float64Array {
  const counts = new Float64Array(k);
  for (let i = 0; i < codes.length; i++) counts[codes[i]!] += 1;
  let present = 0;
  for (let c = 0; c < k; c++) if (counts[c]! > 0) present++;
  const weights = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) weights[i] = codes.length / (present * counts[codes[i]!]!);
  return weights;
}
