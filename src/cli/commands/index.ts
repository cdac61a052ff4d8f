/**
 * The registry of CLI subcommands: add a new command by creating `commands/<name>.ts` exporting a CliCommand and
 * listing it here (order = order in `--help`).
 */
import type { CliCommand } from '../context.js';
import { inspectCommand } from './inspect.js';

export const COMMANDS: readonly CliCommand[] = [inspectCommand];
