/**
 * `auto-ensemble/web`: load a bundle and predict in a browser (or any JavaScript runtime with `fetch` and Web
 * Crypto), bit-identical to Node.js. An ES module whose imports are this package's own modules only: no Node.js
 * module, no dependency, so a page can import it as is (`<script type="module">`) or through any bundler.
 *
 *   import { loadBundleFromUrl } from './node_modules/auto-ensemble/dist/src/web/index.js';
 *   const model = await loadBundleFromUrl('/models/churn/');     // the bundle directory, served as static files
 *   model.predictProba([{ age: 41, plan: 'pro' }]);              // [{ no: 0.83, yes: 0.17 }]
 *
 * Checks as in Node: format name and version, the manifest's self-checksum and the sha256 of every file (Web
 * Crypto), the combiner against the members; each failure is a DataError. The manifest's JSON-schema check runs in
 * Node only (it needs a schema validator), so a bundle should be checked once by `loadEnsemble` where it is made.
 */
import { checkedReader, hex, modelFromManifest } from '../export/bundle-read.js';
import { checkManifestIntegrity, manifestBodyText, parseManifestHead, type BundleManifest } from '../export/manifest-core.js';
import { loadMember } from '../models/loaders.js';
import type { EnsembleModel } from '../serving/ensemble-model.js';
import { DataError } from '../util/errors.js';

export { EnsembleModel, type PredictInput } from '../serving/ensemble-model.js';
export { DataError, ConfigError } from '../util/errors.js';

const MANIFEST = 'manifest.json';

export interface UrlLoadOptions {
  /** The fetch to use (default globalThis.fetch), e.g. one that adds credentials. */
  readonly fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

/**
 * Load the bundle whose directory is served at `url` (`manifest.json` and `members/...` under it; a missing
 * trailing slash is added).
 */
export async function loadBundleFromUrl(url: string | URL, options: UrlLoadOptions = {}): Promise<EnsembleModel> {
  const base = String(url).endsWith('/') ? String(url) : `${String(url)}/`;
  const get = options.fetch ?? ((u: string) => globalThis.fetch(u));
  const fetchFile = async (path: string): Promise<Uint8Array | undefined> => {
    const response = await get(new URL(path, new URL(base, pageUrl())).href);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new DataError(`cannot fetch ${base}${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  return loadFrom(fetchFile, base);
}

/**
 * Load a bundle from its files in memory: `files` maps each path relative to the bundle directory
 * (`manifest.json`, `members/17/model-0.json`, ...) to its bytes (an ArrayBuffer, or a view of one).
 */
export async function loadBundleFromFiles(files: Readonly<Record<string, ArrayBuffer | ArrayBufferView>>): Promise<EnsembleModel> {
  const fetchFile = async (path: string): Promise<Uint8Array | undefined> => {
    const data = files[path];
    if (data === undefined) return undefined;
    return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  return loadFrom(fetchFile, 'the bundle files given');
}

async function loadFrom(fetchFile: (path: string) => Promise<Uint8Array | undefined>, where: string): Promise<EnsembleModel> {
  const bytes = await fetchFile(MANIFEST);
  if (bytes === undefined) throw new DataError(`no bundle at ${where}: ${MANIFEST} is missing`);
  const manifest = parseManifestHead(new TextDecoder().decode(bytes), `${where}${MANIFEST}`) as unknown as BundleManifest;
  if (!Array.isArray(manifest.members) || typeof manifest.checksums !== 'object' || manifest.checksums === null) {
    throw new DataError('manifest is malformed: no members or checksums', { file: where });
  }
  checkManifestIntegrity(manifest, await sha256(new TextEncoder().encode(manifestBodyText(manifest))), `${where}${MANIFEST}`);
  return modelFromManifest(manifest, checkedReader(manifest, fetchFile, sha256, where), loadMember, where);
}

/** The page's address in a browser (relative bundle URLs resolve against it); undefined elsewhere. */
function pageUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

async function sha256(data: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new DataError('Web Crypto (crypto.subtle) is unavailable: load bundles from a secure context (https or localhost)');
  return hex(new Uint8Array(await subtle.digest('SHA-256', data)));
}
