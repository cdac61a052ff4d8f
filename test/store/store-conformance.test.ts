import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { storeConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'ae-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

storeConformance('SqliteStore (file, WAL)', () => new SqliteStore(join(dir, `store-${files++}.db`)));
storeConformance('SqliteStore (:memory:)', () => new SqliteStore(':memory:'));
