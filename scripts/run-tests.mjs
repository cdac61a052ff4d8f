#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains a substring)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
let files;
try {
  files = collect(root);
} catch {
  console.error(`no compiled tests under ${root}: run "npm run build" first`);
  process.exit(1);
}
// A compiled test whose source was renamed or deleted stays in dist/ (tsc never deletes); running it would test stale code.
const stale = files.filter((f) => !existsSync(f.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
for (const f of stale) console.error(`skipping ${f}: its source ${f.replace(/^dist\//, '').replace(/\.js$/, '.ts')} no longer exists`);
files = files.filter((f) => !stale.includes(f));
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
