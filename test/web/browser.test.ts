/**
 * The bundle in a browser: headless Chromium (puppeteer-core driving the system's chromium) imports the web entry
 * from a loopback server, loads a bundle from its URL and from ArrayBuffers, predicts, and the numbers equal Node's
 * bit for bit. Reported as skipped, with the reason, where chromium is not installed (.ci/run installs it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBundle, saveBundle } from '../../src/export/bundle.js';
import type { Config } from '../../src/models/types.js';
import { directEnsemble, loadShared, tempDir } from '../export/helpers.js';
import { serveStatic, testRows } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `chromium not installed at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

const tmp = tempDir('ae-browser-');
let server: Server | undefined;
let base = '';

before(async () => {
  if (missing !== undefined) return;
  server = serveStatic({ '/dist/': resolve('dist'), '/bundles/': tmp.path });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  if (server !== undefined) await new Promise((r) => server!.close(r));
  tmp.done();
});

/** Where two hex encodings of float64 arrays differ (first values), for the failure message. */
function describeDiff(a: string, b: string): string {
  const values = (hex: string): Float64Array => {
    const bytes = Buffer.from(hex, 'hex');
    return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  const va = values(a);
  const vb = values(b);
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(va.length, vb.length) && diffs.length < 3; i++) if (!Object.is(va[i], vb[i])) diffs.push(`[${i}] ${va[i]} vs ${vb[i]}`);
  return `${diffs.length} shown of ${va.length} values: ${diffs.join('; ')}`;
}

/** Float64 values as hex of their bytes: equal strings mean equal bits. */
function bits(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');
}

test('Chromium loads bundles (tree, linear, MLP members; classification and regression) and predicts bit-identically', { skip: missing }, async () => {
  const cases: { name: string; specs: { family: string; config?: Config }[] }[] = [
    { name: 'credit-g', specs: [{ family: 'gbdt', config: { n_estimators: 8 } }, { family: 'random_forest', config: { n_estimators: 4 } }, { family: 'mlp', config: { hidden_layers: 1, width: 8, max_epochs: 2 } }] },
    { name: 'glass', specs: [{ family: 'extra_trees', config: { n_estimators: 4 } }, { family: 'linear' }, { family: 'ml_random_forest', config: { n_estimators: 2, max_rows: 100 } }] },
    { name: 'cpu', specs: [{ family: 'gbdt', config: { n_estimators: 8 } }, { family: 'linear' }] },
  ];
  const expected: Record<string, { bits: string; labels: string[] | null; rows: Record<string, unknown>[] }> = {};
  for (const c of cases) {
    const data = loadShared(c.name);
    saveBundle(await directEnsemble(data, c.specs), join(tmp.path, c.name));
    const model = await loadBundle(join(tmp.path, c.name));
    const rows = testRows(data);
    const p = model.predictMatrix(rows);
    expected[c.name] = { bits: bits(p), labels: model.task === 'regression' ? null : (model.predict(rows) as string[]), rows };
  }
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'ae-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/index.html`);
    for (const c of cases) {
      const got = await page.evaluate(
        async (name: string, rows: Record<string, unknown>[]) => {
          const hexOf = (a: Float64Array): string => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
          const web = await import('/dist/src/web/index.js' as string);
          const fromUrl = await web.loadBundleFromUrl(`/bundles/${name}/`);
          const manifest = (await (await fetch(`/bundles/${name}/manifest.json`)).json()) as { checksums: Record<string, string> };
          const files: Record<string, ArrayBuffer> = { 'manifest.json': await (await fetch(`/bundles/${name}/manifest.json`)).arrayBuffer() };
          for (const path of Object.keys(manifest.checksums)) files[path] = await (await fetch(`/bundles/${name}/${path}`)).arrayBuffer();
          const fromFiles = await web.loadBundleFromFiles(files);
          return {
            url: hexOf(fromUrl.predictMatrix(rows)),
            files: hexOf(fromFiles.predictMatrix(rows)),
            labels: fromUrl.task === 'regression' ? null : fromUrl.predict(rows),
            userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
          };
        },
        c.name,
        expected[c.name]!.rows,
      );
      assert.match(got.userAgent, /HeadlessChrome|Chrome/);
      assert.equal(got.url, expected[c.name]!.bits, `${c.name}: browser (URL) vs Node: ${describeDiff(got.url, expected[c.name]!.bits)}`);
      assert.equal(got.files, expected[c.name]!.bits, `${c.name}: browser (ArrayBuffers) vs Node`);
      assert.deepEqual(got.labels, expected[c.name]!.labels);
    }
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
