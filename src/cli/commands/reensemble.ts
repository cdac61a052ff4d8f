/**
 * `auto-ensemble reensemble RUN --ensemble METHOD [--db FILE] [--seed N] [--out DIR]`: build another ensemble from
 * a stored run's trials with another selector, without retraining; the run's ensembles are listed to compare.
 */
import { Option, type Command } from 'commander';
import { DEFAULTS, ENSEMBLE_METHODS } from '../../api/options.js';
import type { EnsembleMethod } from '../../api/types.js';
import { SqliteStore } from '../../store/index.js';
import { existingDatabase, nonNegativeInteger, runId } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';
import { formatBytes } from '../format.js';
import { formatEnsembleResult, formatEnsembles } from '../run-tables.js';

interface ReEnsembleCliOptions {
  ensemble: EnsembleMethod;
  db: string;
  seed?: number;
  out?: string;
}

export const reensembleCommand: CliCommand = {
  name: 'reensemble',
  register(program: Command, context: CliContext): void {
    program
      .command('reensemble')
      .description("build another ensemble from a stored run's trials (no retraining)")
      .argument('<run>', 'run id (see `runs`)', runId)
      .addOption(new Option('--ensemble <method>', 'ensemble method').choices(ENSEMBLE_METHODS).makeOptionMandatory())
      .option('--db <file>', 'run database (SQLite)', DEFAULTS.store)
      .option('--seed <n>', "selector seed (default: the run's seed)", nonNegativeInteger)
      .option('--out <dir>', 'also save the new ensemble as a bundle here')
      .action((run: number, options: ReEnsembleCliOptions) => runReEnsemble(run, options, context));
  },
};

async function runReEnsemble(run: number, options: ReEnsembleCliOptions, context: CliContext): Promise<void> {
  const db = existingDatabase(options.db);
  const { reEnsemble } = await import('../../api/auto-ensemble.js');
  const result = await reEnsemble(run, { ensemble: options.ensemble, store: db, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  const lines = [formatEnsembleResult(result)];
  const store = new SqliteStore(db);
  try {
    lines.push('', `ensembles of run ${run}`, formatEnsembles(store.listEnsembles(run), result.metric));
  } finally {
    store.close();
  }
  if (options.out !== undefined) lines.push('', `bundle  ${options.out} (${formatBytes(result.save(options.out))})`);
  context.io.out(lines.join('\n') + '\n');
}
