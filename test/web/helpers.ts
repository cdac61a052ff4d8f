import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, relative } from 'node:path';
import type { FeatureTable } from '../../src/data/dataset.js';
import { rowsOf } from '../export/helpers.js';

/** Every file of a bundle directory as an ArrayBuffer, by path relative to it. */
export function bundleFiles(dir: string): Record<string, ArrayBuffer> {
  const out: Record<string, ArrayBuffer> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        out[relative(dir, full)] = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      }
    }
  };
  walk(dir);
  return out;
}

/** 120 rows as clients send them, with a missing value and an unseen category in some. */
export function testRows(table: FeatureTable): Record<string, unknown>[] {
  const rows = rowsOf(table, 120);
  rows.forEach((row, i) => {
    const keys = Object.keys(row);
    if (i % 4 === 0) row[keys[i % keys.length]!] = null;
    if (i % 5 === 0) for (const c of table.features) if (c.kind === 'categorical') row[c.name] = 'never seen';
  });
  return rows;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.map': 'application/json' };

/** A loopback static file server: each URL prefix maps to a directory; '/' answers an empty page. */
export function serveStatic(routes: Readonly<Record<string, string>>): Server {
  return createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (url === '/' || url === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>auto-ensemble test</title>');
      return;
    }
    for (const [prefix, dir] of Object.entries(routes)) {
      if (!url.startsWith(prefix)) continue;
      const rel = normalize(url.slice(prefix.length));
      if (rel.startsWith('..')) break;
      try {
        const body = readFileSync(join(dir, rel));
        response.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
      } catch {
        break;
      }
      return;
    }
    response.writeHead(404).end('not found');
  });
}
