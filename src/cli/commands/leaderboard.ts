/**
 * `auto-ensemble leaderboard RUN [--db FILE] [--limit N] [--json]`: the finished trials of a run, best first by
 * validation score.
 */
import type { Command } from 'commander';
import { DEFAULTS } from '../../api/options.js';
import { SqliteStore } from '../../store/index.js';
import { ConfigError } from '../../util/errors.js';
import { existingDatabase, positiveInteger, runId } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';
import { formatLeaderboard, leaderboardRowOf } from '../run-tables.js';

interface LeaderboardOptions {
  db: string;
  limit?: number;
  json?: boolean;
}

export const leaderboardCommand: CliCommand = {
  name: 'leaderboard',
  register(program: Command, context: CliContext): void {
    program
      .command('leaderboard')
      .description("a run's finished trials, best first")
      .argument('<run>', 'run id (see `runs`)', runId)
      .option('--db <file>', 'run database (SQLite)', DEFAULTS.store)
      .option('--limit <n>', 'show at most this many trials', positiveInteger)
      .option('--json', 'print a JSON array instead of a table')
      .action((run: number, options: LeaderboardOptions) => runLeaderboard(run, options, context));
  },
};

function runLeaderboard(id: number, options: LeaderboardOptions, context: CliContext): void {
  const store = new SqliteStore(existingDatabase(options.db));
  try {
    const run = store.getRun(id);
    if (run === undefined) throw new ConfigError(`no run ${id} in ${options.db}`);
    const trials = store.leaderboard(id, options.limit);
    if (options.json === true) {
      const rows = trials.map((t, i) => ({
        rank: i + 1,
        trialId: t.id,
        trial: t.number,
        family: t.family,
        config: t.config,
        validationScore: t.validationScore,
        fitSeconds: t.fitSeconds,
      }));
      context.io.out(JSON.stringify(rows) + '\n');
      return;
    }
    const all = store.listTrials(id);
    const done = all.filter((t) => t.status === 'done').length;
    const failed = all.filter((t) => t.status === 'failed' || t.status === 'timeout').length;
    context.io.out(
      `run ${id} (${run.datasetName}, ${run.task}): ${done} of ${all.length} trials done, ${failed} failed; ` +
        `validation ${run.metric}\n` +
        (trials.length === 0 ? 'no finished trials\n' : formatLeaderboard(trials.map(leaderboardRowOf), run.metric) + '\n'),
    );
  } finally {
    store.close();
  }
}
