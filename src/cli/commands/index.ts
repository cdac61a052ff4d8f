/**
 * The registry of CLI subcommands: add a new command by creating `commands/<name>.ts` exporting a CliCommand and
 * listing it here (order = order in `--help`).
 */
import type { CliCommand } from '../context.js';
import { benchCommand } from './bench.js';
import { exportCommand } from './export.js';
import { fitCommand } from './fit.js';
import { inspectCommand } from './inspect.js';
import { leaderboardCommand } from './leaderboard.js';
import { predictCommand } from './predict.js';
import { reensembleCommand } from './reensemble.js';
import { reportCommand } from './report.js';
import { runsCommand } from './runs.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

export const COMMANDS: readonly CliCommand[] = [
  inspectCommand,
  fitCommand,
  predictCommand,
  runsCommand,
  leaderboardCommand,
  reensembleCommand,
  exportCommand,
  serveCommand,
  workerCommand,
  benchCommand,
  reportCommand,
];
