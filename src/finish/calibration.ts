/**
 * What the finish phase reads for uncertainty: the stored out-of-fold predicted variances of regression members
 * (for the `deuq` selector), and the calibration data of the selected ensemble from the stored out-of-fold
 * predictions of its members and the run's labels and folds: no data, no refitting (src/ensemble/calibration.ts).
 */
import { labelFolds } from '../data/split.js';
import { buildCalibration, type Calibration } from '../ensemble/calibration.js';
import type { Combiner } from '../ensemble/types.js';
import type { RunContext, Store } from '../store/types.js';
import type { StoredRunOptions } from '../training/types.js';

/** `{ variance }` of a trial whose member predicts one (regression), else `{}`: spread into a Candidate. */
export function oofVariance(store: Store, context: RunContext, trialId: number): { variance?: Float64Array } {
  if (context.task !== 'regression') return {};
  const stored = store.getPredictions(trialId, 'oof-variance');
  return stored === undefined ? {} : { variance: Float64Array.from(stored.values) };
}

export function runCalibration(store: Store, context: RunContext, runId: number, combiner: Combiner): Calibration {
  const options = store.getRun(runId)!.options as StoredRunOptions;
  const ids = combiner.memberIds;
  const oof = store.readPredictions(ids, 'oof', 'float64');
  const members = ids.map((id, i) => ({ id, predictions: oof.member(i), ...oofVariance(store, context, id) }));
  return buildCalibration({
    task: context.task,
    k: context.nOutputs,
    labels: context.labels,
    folds: labelFolds(context.labels, options.folds, options.seed),
    combiner,
    members,
  });
}
