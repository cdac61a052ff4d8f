export * from './types.js';
export { SqliteStore, DEFAULT_DATABASE_FILE, type SqliteStoreOptions } from './sqlite-store.js';
export { datasetFingerprint, tableFingerprint } from './fingerprint.js';
export { SCHEMA_VERSION } from './schema.js';
