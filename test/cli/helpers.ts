/** Running the CLI as users do (a child process of `bin/auto-ensemble.js`) and temp directories, for CLI tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const DATA = '../shared/datasets';
export const BIN = 'bin/auto-ensemble.js';

/** Run the CLI to completion. */
export function cli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run many CLI calls, at most `limit` at a time (the CI machine has 2 cores). */
export async function cliAll(calls: readonly (readonly string[])[], limit = 3): Promise<CliRun[]> {
  const results: CliRun[] = new Array(calls.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const i = next++;
      results[i] = await cli(...calls[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));
  return results;
}

/** A started CLI process whose output is collected as it comes. */
export interface LiveCli {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or -1 when killed by a signal). */
  readonly exited: Promise<number>;
  /** Resolves when stdout matches `pattern` (rejects after `timeoutMs` or when the process exits first). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function startCli(...args: string[]): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const live: LiveCli = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1))),
    waitForStdout(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = live.stdout.match(pattern);
          if (m !== null) {
            cleanup();
            resolve(m);
          }
          return m !== null;
        };
        const onExit = (): void => {
          cleanup();
          reject(new Error(`process exited before printing ${pattern}; stderr: ${live.stderr}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; stderr: ${live.stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout!.on('data', check);
        child.on('exit', onExit);
        check();
      });
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (live.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (live.stderr += s));
  return live;
}

/** A fresh temp directory and a function removing it. */
export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ae-cli-${prefix}-`));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Parse CSV text written by `predict`: header and rows of fields. */
export function readCsv(text: string): { header: string[]; rows: string[][] } {
  const records = parse(text) as string[][];
  return { header: records[0]!, rows: records.slice(1) };
}
