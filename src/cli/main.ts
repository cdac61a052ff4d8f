/**
 * The `auto-ensemble` command line. `main(argv)` takes process.argv-style arguments (node, script, ...args) and
 * resolves to the exit code: 0 on success, 1 on a runtime error (bad data, bad config), 2 on a usage error
 * (unknown command or option). Errors print one line `auto-ensemble: <message>` on stderr; `--verbose` adds the
 * stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { processIO, type CliContext, type CliIO } from './context.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Commander's messages may add a suggestion on a second line: keep errors to one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/** The program with every registered command; exported for tests and docs generation. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('auto-ensemble');
  program
    .description('AutoML ensemble selection for tabular data: search, train, ensemble, export, serve')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => context.io.out(s),
      writeErr: (s) => context.io.err(s),
      outputError: (s, write) => write(`auto-ensemble: ${oneLine(s.replace(/^error: /, ''))}\n`),
    })
    .showSuggestionAfterError(true);
  for (const command of COMMANDS) command.register(program, context);
  return program;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  // From the command line the command began when the process did; called in-process (tests), it begins now.
  const startedAt = io === processIO ? performance.timeOrigin : Date.now();
  const context: CliContext = { io, exitCode: 0, startedAt };
  const program = buildProgram(context);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv);
    return context.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const verbose = argv.includes('--verbose');
    const message = e instanceof Error ? e.message : String(e);
    io.err(`auto-ensemble: ${message}\n`);
    if (verbose && e instanceof Error && e.stack !== undefined) io.err(e.stack + '\n');
    return 1;
  }
}
