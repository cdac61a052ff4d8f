/**
 * auto-ensemble: AutoML ensemble selection for tabular data.
 *
 * Main entry points: `autoEnsemble(data, options)` to search, train and ensemble; `reEnsemble(runId, options)` to
 * build another ensemble from a stored run; `loadEnsemble(dir)` to load an exported bundle.
 */
export { autoEnsemble, reEnsemble, loadRunEnsemble } from './api/auto-ensemble.js';
export { DEFAULTS, ENSEMBLE_METHODS, SEARCH_METHODS } from './api/options.js';
export type * from './api/types.js';
export { loadBundle as loadEnsemble, saveBundle } from './export/bundle.js';
export { exportOnnx } from './export/onnx/index.js';
export { deployEnsemble, DEPLOY_FORMS, type DeployForm } from './export/deploy.js';
export {
  EnsembleModel,
  type EnsembleMember,
  type PredictInput,
  type PredictOptions,
  type PredictionRow,
  type DetailedPredictions,
} from './serving/ensemble-model.js';
export { classificationUncertainty, regressionUncertainty, type UncertaintySplit } from './ensemble/uncertainty.js';
export { expectedCalibrationError } from './metrics/calibration-error.js';
export { createServer, type ServerOptions } from './serving/server.js';
export type { Dataset, FeatureTable, Column, Task } from './data/dataset.js';
export { loadDatasetFile, datasetFromRows, datasetFromColumns } from './data/load.js';
export { getMetric, defaultMetric } from './metrics/index.js';
export type { Metric, MetricName } from './metrics/types.js';
export { getFamily, listFamilies } from './models/registry.js';
export type { MemberFamily, FittedMember, Config } from './models/types.js';
export { getSelector } from './ensemble/index.js';
export { createProposer, loadSearchSpace } from './search/index.js';
export { SqliteStore } from './store/index.js';
export type { ProgressEvent, RunSummary } from './training/types.js';
export type { TrialExecutor, ExecutorFactory, TrialResult } from './training/executor.js';
export { ConfigError, DataError } from './util/errors.js';
