/**
 * The browser entry (src/web/index.ts) in Node: it imports no Node.js module and no package, and it loads a bundle
 * from in-memory files and from URLs into a model that predicts bit-identically to `loadBundle`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { loadBundle, saveBundle } from '../../src/export/bundle.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { loadBundleFromFiles, loadBundleFromUrl } from '../../src/web/index.js';
import { assertBitIdentical, directEnsemble, loadShared, tempDir } from '../export/helpers.js';
import { bundleFiles, serveStatic, testRows } from './helpers.js';

const tmp = tempDir('ae-web-');
const bundleDir = join(tmp.path, 'bundle');
let reference: EnsembleModel;
let server: Server;
let base: string;

before(async () => {
  const data = loadShared('credit-g');
  const model = await directEnsemble(data, [{ family: 'gbdt', config: { n_estimators: 8 } }, { family: 'extra_trees', config: { n_estimators: 4 } }, { family: 'linear' }]);
  saveBundle(model, bundleDir);
  reference = await loadBundle(bundleDir);
  server = serveStatic({ '/bundle/': bundleDir });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((r) => server.close(r));
  tmp.done();
});

/** Every module the entry reaches through static and dynamic imports, and the specifiers that are not relative. */
function importGraph(entry: string): { modules: number; external: string[] } {
  const seen = new Set<string>();
  const external: string[] = [];
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else external.push(`${file}: ${spec}`);
    }
  };
  walk(resolve(entry));
  return { modules: seen.size, external };
}

test('the web entry imports only the package\'s own modules (no node:*, no dependency)', () => {
  const graph = importGraph('dist/src/web/index.js');
  assert.deepEqual(graph.external, []);
  assert.ok(graph.modules > 10, `${graph.modules} modules`);
});

test('loadBundleFromFiles: the files as ArrayBuffers give a model predicting bit-identically', async () => {
  const model = await loadBundleFromFiles(bundleFiles(bundleDir));
  const rows = testRows(loadShared('credit-g'));
  assertBitIdentical(model.predictMatrix(rows), reference.predictMatrix(rows), 'from files');
  assert.deepEqual(model.predict(rows), reference.predict(rows));
});

test('loadBundleFromUrl: fetched over HTTP, checked, bit-identical; a modified file is refused', async () => {
  const model = await loadBundleFromUrl(`${base}/bundle`);
  const rows = testRows(loadShared('credit-g'));
  assertBitIdentical(model.predictMatrix(rows), reference.predictMatrix(rows), 'from URL');
  const files = bundleFiles(bundleDir);
  const path = Object.keys(files).find((p) => p.endsWith('.bin'))!;
  const tampered = new Uint8Array(files[path]!.slice(0));
  tampered[0] = tampered[0]! ^ 1;
  await assert.rejects(loadBundleFromFiles({ ...files, [path]: tampered.buffer }), new RegExp(`checksum mismatch: ${path} was modified`));
  const { [path]: _dropped, ...missing } = files;
  await assert.rejects(loadBundleFromFiles(missing), new RegExp(`bundle file missing: ${path}`));
  await assert.rejects(loadBundleFromUrl(`${base}/nothing/`), /no bundle at .*manifest\.json is missing/);
});
