/**
 * `auto-ensemble runs [--db FILE] [--json]`: the runs of a database, newest first, with trial counts, best member
 * score and latest ensemble.
 */
import type { Command } from 'commander';
import { DEFAULTS } from '../../api/options.js';
import { SqliteStore } from '../../store/index.js';
import { existingDatabase } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';
import { formatRuns, runListingOf, type RunListing } from '../run-tables.js';

interface RunsOptions {
  db: string;
  json?: boolean;
}

export const runsCommand: CliCommand = {
  name: 'runs',
  register(program: Command, context: CliContext): void {
    program
      .command('runs')
      .description('list the runs stored in a database')
      .option('--db <file>', 'run database (SQLite)', DEFAULTS.store)
      .option('--json', 'print a JSON array instead of a table')
      .action((options: RunsOptions) => runRuns(options, context));
  },
};

function runRuns(options: RunsOptions, context: CliContext): void {
  const store = new SqliteStore(existingDatabase(options.db));
  let runs: RunListing[];
  try {
    runs = store.listRuns().map((run) => runListingOf(run, store.listTrials(run.id), store.leaderboard(run.id, 1)[0], store.listEnsembles(run.id)));
  } finally {
    store.close();
  }
  if (options.json === true) {
    context.io.out(JSON.stringify(runs) + '\n');
    return;
  }
  context.io.out(runs.length === 0 ? `no runs in ${options.db}\n` : formatRuns(runs) + '\n');
}
