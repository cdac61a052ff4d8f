import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_VERSION, SqliteStore } from '../../src/store/index.js';

const storeModule = fileURLToPath(new URL('../../src/store/index.js', import.meta.url));

function openInChild(path: string): Promise<{ code: number | null; stderr: string }> {
  const script = `import(${JSON.stringify(storeModule)}).then(({ SqliteStore }) => { new SqliteStore(${JSON.stringify(path)}).close(); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('processes opening a new database at the same moment each apply every migration once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ae-store-open-'));
  try {
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `runs-${round}.db`);
      const results = await Promise.all(Array.from({ length: 4 }, () => openInChild(path)));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const store = new SqliteStore(path);
      try {
        assert.deepEqual(store.listRuns(), []);
      } finally {
        store.close();
      }
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      } finally {
        db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
