/**
 * The calibration data of a stored run's ensemble, from the stored out-of-fold predictions (and predicted
 * variances) of its members and the run's labels and folds: no data, no refitting (src/ensemble/calibration.ts).
 */
import { labelFolds } from '../data/split.js';
import { buildCalibration, type Calibration } from '../ensemble/calibration.js';
import type { Combiner } from '../ensemble/types.js';
import type { RunContext, Store } from '../store/types.js';
import type { StoredRunOptions } from '../training/types.js';

export function runCalibration(store: Store, context: RunContext, runId: number, combiner: Combiner): Calibration {
  const options = store.getRun(runId)!.options as StoredRunOptions;
  const ids = combiner.memberIds;
  const oof = store.readPredictions(ids, 'oof', 'float64');
  const members = ids.map((id, i) => {
    const variance = store.getPredictions(id, 'oof-variance');
    return { id, predictions: oof.member(i), ...(variance === undefined ? {} : { variance: Float64Array.from(variance.values) }) };
  });
  return buildCalibration({
    task: context.task,
    k: context.nOutputs,
    labels: context.labels,
    folds: labelFolds(context.labels, options.folds, options.seed),
    combiner,
    members,
  });
}
