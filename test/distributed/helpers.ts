/**
 * Real Redis servers and real worker processes for the distributed tests. A server runs on a free loopback port
 * without persistence (a restart loses everything: the hardest case for the coordinator); workers are
 * `auto-ensemble worker` processes with short lock and stalled-check times so that faults are seen quickly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Why the distributed tests cannot run here, or undefined when redis-server is installed. */
export function redisMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return 'redis-server is not installed (apt-get install -y redis-server): distributed tests skipped';
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Stop (losing every key) and start again on the same port after `downMs`. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.startProcess();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  private async startProcess(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code} before it was ready`)));
      lines.on('line', (line) => {
        if (line.includes('Ready to accept connections')) resolve();
      });
    });
    child.removeAllListeners('exit');
  }
}

const CLI = fileURLToPath(new URL('../../../bin/auto-ensemble.js', import.meta.url));

/** One `auto-ensemble worker` process; its log lines are kept and can be waited for. */
export class WorkerProcess {
  readonly lines: string[] = [];
  private readonly waiters: Array<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }> = [];
  readonly exited: Promise<unknown>;

  constructor(readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        const match = line.match(waiter.pattern);
        if (match !== null) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    });
  }

  static async start(url: string, queue: string, args: readonly string[] = []): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      [CLI, 'worker', '--redis', url, '--queue', queue, '--lock-seconds', '2', '--stalled-check-seconds', '1', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const worker = new WorkerProcess(child);
    await worker.waitFor(/ready on queue/);
    return worker;
  }

  /** The first log line (past or future) matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const match = line.match(pattern);
      if (match !== null) return Promise.resolve(match);
    }
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  /** Log lines matching `pattern`. */
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await this.exited;
  }
}

/** A fresh queue name per test, so tests sharing a server never see each other's jobs. */
let queues = 0;
export function freshQueue(label: string): string {
  return `test-${label}-${process.pid}-${++queues}`;
}
