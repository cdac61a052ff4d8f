/**
 * What every CLI command gets: where to write, and a place to set its exit code.
 *
 * A command is a module in `src/cli/commands/<name>.ts` exporting a `CliCommand`; `commands/index.ts` lists them
 * all in one place, and `main.ts` registers that list. Commands throw DataError / ConfigError for user errors:
 * main prints them as one line `auto-ensemble: <message>` and exits 1.
 */
import type { Command } from 'commander';

export interface CliIO {
  /** Standard output (results: tables, JSON). */
  out(text: string): void;
  /** Standard error (diagnostics, progress). */
  err(text: string): void;
}

export interface CliContext {
  readonly io: CliIO;
  /**
   * ms since epoch when the command started: the process start when run from the command line (a budget given to a
   * command is wall time for the whole command, Node's start-up included).
   */
  readonly startedAt: number;
  /** Exit code main returns when the command finishes without throwing (default 0). */
  exitCode: number;
}

export interface CliCommand {
  /** Subcommand name, as typed by the user. */
  readonly name: string;
  /** Adds the subcommand (options, help text, action) to the program. */
  register(program: Command, context: CliContext): void;
}

/** IO bound to the process streams. */
export const processIO: CliIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
