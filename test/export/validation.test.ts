import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, saveBundle, BUNDLE_FORMAT_VERSION, type BundleManifest } from '../../src/export/bundle.js';
import { manifestChecksum } from '../../src/export/manifest.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { DataError } from '../../src/util/errors.js';
import { assertBitIdentical, directEnsemble, loadShared, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let model: EnsembleModel;
let original: string;

before(async () => {
  tmp = tempDir();
  const data = loadShared('credit-g');
  model = await directEnsemble(data, [{ family: 'gbdt', config: { n_estimators: 10 } }, { family: 'linear' }]);
  original = join(tmp.path, 'original');
  saveBundle(model, original);
});

after(() => tmp.done());

/** A fresh copy of the saved bundle to damage. */
function copy(name: string): string {
  const dir = join(tmp.path, name);
  cpSync(original, dir, { recursive: true });
  return dir;
}

function readManifest(dir: string): BundleManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
}

/** Rewrite the manifest with a valid self-checksum, as a tool (or a newer library) would. */
function writeManifest(dir: string, manifest: Record<string, unknown>): void {
  const body = { ...manifest };
  delete body.manifestChecksum;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...body, manifestChecksum: manifestChecksum(body as never) }));
}

function rejectsWith(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

test('a saved bundle has the documented layout and loads to the same predictions', async () => {
  const manifest = readManifest(original);
  assert.equal(manifest.formatVersion, BUNDLE_FORMAT_VERSION);
  assert.equal(manifest.refit, false);
  assert.deepEqual(readdirSync(original).sort(), ['manifest.json', 'members']);
  for (const member of manifest.members) {
    for (const entry of member.models) {
      assert.ok(existsSync(join(original, entry.state)));
      assert.match(manifest.checksums[entry.state]!, /^[0-9a-f]{64}$/);
      if (entry.blobFile !== undefined) {
        for (const [offset] of Object.values(entry.blobs)) assert.equal(offset % 8, 0, 'blobs are 8-byte aligned');
      }
    }
  }
  const data = loadShared('credit-g');
  assertBitIdentical((await loadBundle(original)).predictMatrix(data), model.predictMatrix(data), 'credit-g');
});

test('a modified binary file, state file or manifest is a checksum error', async () => {
  const bin = copy('tampered-bin');
  const entry = readManifest(bin).members[0]!.models[0]!;
  assert.ok(entry.blobFile !== undefined, 'the tree member has a binary file');
  const bytes = readFileSync(join(bin, entry.blobFile));
  bytes[bytes.length >> 1] ^= 0x40;
  writeFileSync(join(bin, entry.blobFile), bytes);
  await assert.rejects(loadBundle(bin), rejectsWith(new RegExp(`checksum mismatch: ${entry.blobFile}`)));

  const state = copy('tampered-state');
  const path = join(state, readManifest(state).members[1]!.models[1]!.state);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10)));
  await assert.rejects(loadBundle(state), rejectsWith(/checksum mismatch: members\/.*\.json/));

  const weights = copy('tampered-manifest');
  const text = readFileSync(join(weights, 'manifest.json'), 'utf8');
  writeFileSync(join(weights, 'manifest.json'), text.replace('"weight": 0.5', '"weight": 0.75'));
  await assert.rejects(loadBundle(weights), rejectsWith(/checksum mismatch: manifest\.json/));
});

test('an unsupported format version or another format is a clear error', async () => {
  const newer = copy('newer');
  writeManifest(newer, { ...readManifest(newer), formatVersion: BUNDLE_FORMAT_VERSION + 1 });
  await assert.rejects(loadBundle(newer), rejectsWith(new RegExp(`format version ${BUNDLE_FORMAT_VERSION + 1}.*reads version ${BUNDLE_FORMAT_VERSION}.*upgrade`)));

  const other = copy('other-format');
  writeManifest(other, { ...readManifest(other), format: 'something-else' });
  await assert.rejects(loadBundle(other), rejectsWith(/not an auto-ensemble bundle/));

  const broken = copy('broken-json');
  writeFileSync(join(broken, 'manifest.json'), '{ "format": ');
  await assert.rejects(loadBundle(broken), rejectsWith(/not valid JSON/));

  const malformed = copy('malformed');
  writeManifest(malformed, { ...readManifest(malformed), members: 'none' });
  await assert.rejects(loadBundle(malformed), rejectsWith(/malformed: \/members/));

  const escape = copy('escaping-path');
  const m = readManifest(escape);
  const entry = m.members[0]!.models[0]!;
  const hacked = { ...m, members: [{ ...m.members[0]!, models: [{ ...entry, state: 'members/../../original/manifest.json' }] }, m.members[1]!] };
  writeManifest(escape, hacked);
  await assert.rejects(loadBundle(escape), rejectsWith(/malformed/));
});

test('a missing file, manifest or directory is a clear error', async () => {
  const dir = copy('missing-file');
  const entry = readManifest(dir).members[0]!.models[2 - 1]!;
  rmSync(join(dir, entry.blobFile!));
  await assert.rejects(loadBundle(dir), rejectsWith(new RegExp(`bundle file missing: ${entry.blobFile}`)));
  rmSync(join(dir, 'manifest.json'));
  await assert.rejects(loadBundle(dir), rejectsWith(/manifest\.json is missing/));
  await assert.rejects(loadBundle(join(tmp.path, 'nowhere')), rejectsWith(/does not exist/));
});

test('saving refuses a non-bundle directory or a file, and replaces an existing bundle whole', async () => {
  const userDir = join(tmp.path, 'user-files');
  mkdirSync(userDir);
  writeFileSync(join(userDir, 'notes.txt'), 'keep me');
  assert.throws(() => saveBundle(model, userDir), rejectsWith(/refusing to write a bundle into .*not empty/));
  assert.equal(readFileSync(join(userDir, 'notes.txt'), 'utf8'), 'keep me');

  const foreign = join(tmp.path, 'foreign-manifest');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'manifest.json'), '{"name":"some web app"}');
  assert.throws(() => saveBundle(model, foreign), rejectsWith(/holds no auto-ensemble bundle/));

  const file = join(tmp.path, 'a-file');
  writeFileSync(file, 'x');
  assert.throws(() => saveBundle(model, file), rejectsWith(/it is a file/));

  const again = copy('overwrite');
  writeFileSync(join(again, 'members', 'stale.bin'), 'old');
  const bytes = saveBundle(model, again);
  assert.ok(bytes > 0);
  assert.ok(!existsSync(join(again, 'members', 'stale.bin')), 'the old bundle was replaced, not merged');
  assert.ok(readdirSync(tmp.path).every((name) => !name.includes('.partial-')), 'no staging directory left behind');
  const data = loadShared('credit-g');
  assertBitIdentical((await loadBundle(again)).predictMatrix(data), model.predictMatrix(data), 'overwritten bundle');

  const empty = join(tmp.path, 'empty');
  mkdirSync(empty);
  saveBundle(model, empty);
  assert.ok(existsSync(join(empty, 'manifest.json')));
});
