/**
 * A local stand-in for the OpenML server, for tests: serves the recorded documents of test/fixtures/openml/
 * on 127.0.0.1 with an ephemeral port, so the client's real HTTP code runs. Unknown tasks get OpenML's 412
 * error document. `{{SERVER}}` in fixtures becomes this server's origin. Counts hits per path.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FIXTURES = new URL('../../../test/fixtures/openml/', import.meta.url);

export function fixturePath(name: string): string {
  return new URL(name, FIXTURES).pathname;
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface FixtureServer {
  readonly origin: string;
  /** API root to give the client: `<origin>/api/v1/json`. */
  readonly baseUrl: string;
  /** Requests seen per path (query string removed). */
  readonly hits: Map<string, number>;
  /** All requests seen. */
  totalHits(): number;
  /** Replace the answer for one path (hit = 1 for the first request to it). */
  override(path: string, handler: Handler): void;
  close(): Promise<void>;
}

const JSON_ROUTES: Record<string, string> = {
  '/api/v1/json/task/59': 'task-59.json',
  '/api/v1/json/task/990002': 'task-990002.json',
  '/api/v1/json/data/61': 'data-61.json',
  '/api/v1/json/data/990001': 'data-990001.json',
  '/api/v1/json/data/990003': 'data-990003-bad-checksum.json',
  '/api/v1/json/data/features/61': 'data-features-61.json',
  '/api/v1/json/data/qualities/61': 'data-qualities-61.json',
  '/api/v1/json/study/99': 'study-99.json',
  '/api/v1/json/study/OpenML-CC18': 'study-99.json',
  '/api/v1/json/study/271': 'study-271.json',
  '/api/v1/json/study/amlb-classification-all': 'study-271.json',
};

const FILE_ROUTES: Record<string, string> = {
  '/data/v1/download/61/iris.arff': 'iris-30.arff',
  '/data/v1/download/990001/cpu-fixture.arff': 'cpu-24.arff',
  '/api_splits/get/59/Task_59_splits.arff': 'task-59-splits.arff',
  '/api_splits/get/990002/Task_990002_splits.arff': 'task-990002-splits.arff',
};

export async function startFixtureServer(): Promise<FixtureServer> {
  const hits = new Map<string, number>();
  const overrides = new Map<string, Handler>();
  let origin = '';
  const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8').replaceAll('{{SERVER}}', origin);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const override = overrides.get(path);
    if (override !== undefined) return override(req, res, hit);
    const json = JSON_ROUTES[path];
    if (json !== undefined) return send(res, 200, 'application/json', fixture(json));
    const file = FILE_ROUTES[path];
    if (file !== undefined) return send(res, 200, 'text/plain', fixture(file));
    if (path.startsWith('/api/v1/json/task/')) {
      return send(res, 412, 'application/json', fixture('error-task-unknown.json'));
    }
    send(res, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    baseUrl: `${origin}/api/v1/json`,
    hits,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    override: (path, handler) => overrides.set(path, handler),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
