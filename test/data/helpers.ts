/** Small helpers for data tests: temporary files that are removed when the process exits. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

let dir: string | undefined;

/** Writes `text` to a fresh temporary file named `name` and returns its path. */
export function tempFile(name: string, text: string): string {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'ae-data-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Asserts that `fn` throws an error whose message contains every one of `parts`. */
export function assertThrowsWith(fn: () => unknown, parts: readonly string[], name = 'DataError'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'expected an Error');
    assert.equal(e.name, name, `error type of: ${e.message}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message "${e.message}" should contain "${p}"`);
    return true;
  });
}
