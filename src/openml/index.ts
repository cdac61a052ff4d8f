/** OpenML client, cache, task loading and cache filling from local files (see docs/openml.md). */
export { OpenmlClient, DEFAULT_OPENML_BASE_URL, defaultCacheDir, type OpenmlClientOptions } from './client.js';
export { OpenmlCache } from './cache.js';
export {
  OpenmlApiError,
  OpenmlFormatError,
  OpenmlHttpError,
  OpenmlOfflineError,
  type MissingCacheFile,
} from './errors.js';
export { loadOpenmlTask, type LoadOpenmlTaskOptions, type OpenmlTaskData } from './load-task.js';
export {
  fillCacheFromLocal,
  DEFAULT_LOCAL_SOURCE_DIR,
  type FillCacheOptions,
  type FillCacheResult,
  type FilledTask,
  type LocalDatasetEntry,
} from './fill-cache.js';
export { parseDatasetDescription, parseFeatures, parseQualities, parseStudy, parseTask } from './parse.js';
export {
  isLocalId,
  parseOpenmlId,
  type LocalId,
  type LocalSource,
  type OpenmlDatasetDescription,
  type OpenmlEstimationProcedure,
  type OpenmlFeature,
  type OpenmlId,
  type OpenmlQualities,
  type OpenmlStudy,
  type OpenmlTask,
  type OpenmlTaskKind,
} from './types.js';
