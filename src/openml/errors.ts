/**
 * Errors of the OpenML client. Each says what failed and where (URL or cache file), so the CLI can print one
 * clear line and callers can catch by type.
 */

/** The server answered with OpenML's error document (HTTP 412 and `{"error": {"code", "message"}}`). */
export class OpenmlApiError extends Error {
  override readonly name = 'OpenmlApiError';
  constructor(
    readonly url: string,
    readonly status: number,
    /** OpenML's numeric error code (e.g. 151 = unknown task), or undefined when the body had none. */
    readonly code: number | undefined,
    readonly apiMessage: string,
    readonly additionalInformation?: string,
  ) {
    const extra = additionalInformation !== undefined ? ` (${additionalInformation})` : '';
    super(`OpenML error${code !== undefined ? ` ${code}` : ''} from ${url}: ${apiMessage}${extra}`);
  }
}

/** Transport failure: network error, timeout, or an HTTP status other than OpenML's 412, after all attempts. */
export class OpenmlHttpError extends Error {
  override readonly name = 'OpenmlHttpError';
  constructor(
    readonly url: string,
    /** The last HTTP status seen, or undefined when no response came (network error or timeout). */
    readonly status: number | undefined,
    readonly attempts: number,
    detail: string,
  ) {
    super(`request to ${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail}`);
  }
}

/** A response or cache file that does not have the documented shape. */
export class OpenmlFormatError extends Error {
  override readonly name = 'OpenmlFormatError';
  constructor(message: string, readonly source?: string) {
    super(source !== undefined ? `${source}: ${message}` : message);
  }

  /** The same error with the URL or file it came from. */
  withSource(source: string): OpenmlFormatError {
    return this.source !== undefined ? this : new OpenmlFormatError(this.message, source);
  }
}

/** One file the offline cache lacks. */
export interface MissingCacheFile {
  /** What the file holds, e.g. "task 59 description", "splits of task 59". */
  readonly what: string;
  readonly path: string;
}

/**
 * A cache miss that cannot be fetched: offline mode, or a local id (`local-...`), which only a cache can hold.
 * Lists every missing file known at that point and how to fill the cache.
 */
export class OpenmlOfflineError extends Error {
  override readonly name = 'OpenmlOfflineError';
  constructor(
    readonly cacheDir: string,
    readonly missing: readonly MissingCacheFile[],
    readonly reason: 'offline' | 'local-id' = 'offline',
  ) {
    const lines = missing.map((m) => `  - ${m.what}: ${m.path}`);
    const files = missing.length === 1 ? '1 file is' : `${missing.length} files are`;
    const fillLocal = `\`node dist/benchmarks/fill-openml-cache.js --cache ${cacheDir}\` (see docs/openml.md)`;
    const head =
      reason === 'offline'
        ? `OpenML offline mode: ${files} not in the cache ${cacheDir}:`
        : `Local OpenML ids (local-...) exist only in a cache, and ${files} not in the cache ${cacheDir}:`;
    const advice =
      reason === 'offline'
        ? 'Fill the cache by running the same call once online with the same cacheDir, or, for the shared ' +
          `datasets, with ${fillLocal}.`
        : `Fill the cache from the local datasets with ${fillLocal}.`;
    super([head, ...lines, advice].join('\n'));
  }
}
