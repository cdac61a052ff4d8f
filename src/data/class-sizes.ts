/**
 * Classes too small for cross-validation, found before any training: what the validation scores will mean for
 * them, said up front instead of discovered as a meaningless score (or an AUC error) at the end.
 */
import type { Dataset } from './dataset.js';

/** One warning per class that has rows but fewer than `folds` of them (stratified folds cannot all hold it). */
export function rareClassWarnings(data: Dataset, folds: number): string[] {
  if (data.target.kind !== 'classes') return [];
  const counts = new Int32Array(data.target.classes.length);
  for (const code of data.target.codes) if (code >= 0) counts[code]!++;
  const warnings: string[] = [];
  data.target.classes.forEach((name, c) => {
    const count = counts[c]!;
    if (count === 0 || count >= folds) return;
    const effect =
      count === 1
        ? 'its only row is validated by fold models that never saw the class, so every member is scored as unable to predict it'
        : `${folds - count} of the ${folds} folds train without it, so its rows are scored partly by models that never saw the class`;
    warnings.push(`class '${name}' has ${count} row${count === 1 ? '' : 's'}, fewer than the ${folds} cross-validation folds: ${effect}; merge or drop rare classes for meaningful validation scores`);
  });
  return warnings;
}
