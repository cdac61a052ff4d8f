/**
 * `auto-ensemble export RUN --out DIR [--db FILE] [--ensemble-id N] [--deploy exact|fast|small --data FILE]`: write a
 * stored run's ensemble (its newest, or --ensemble-id) as a bundle. The default keeps the fold models (`exact`); the
 * refit forms retrain members on the run's training data (--data, the same file fit was given); see
 * src/export/deploy.ts. `--refit` is the older spelling of `--deploy fast` with tolerance 0. `--format onnx` writes
 * the ensemble as one ONNX graph file instead (src/export/onnx/).
 */
import { Option, type Command } from 'commander';
import { DEPLOY_FORMS, type DeployForm } from '../../export/deploy.js';
import { DEFAULTS } from '../../api/options.js';
import type { Dataset } from '../../data/dataset.js';
import { loadDatasetFile } from '../../data/load.js';
import { SqliteStore } from '../../store/index.js';
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError, DataError } from '../../util/errors.js';
import { existingDatabase, nonNegativeNumber, positiveInteger, runId } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';
import { formatBytes } from '../format.js';
import { deploymentText, formatEnsembleResult } from '../run-tables.js';

interface ExportOptions {
  out: string;
  db: string;
  ensembleId?: number;
  refit?: boolean;
  deploy?: DeployForm;
  deployTolerance?: number;
  data?: string;
  format: 'bundle' | 'onnx';
}

export const exportCommand: CliCommand = {
  name: 'export',
  register(program: Command, context: CliContext): void {
    program
      .command('export')
      .description("save a stored run's ensemble as a bundle")
      .argument('<run>', 'run id (see `runs`)', runId)
      .requiredOption('--out <path>', 'bundle directory, or the .onnx file with --format onnx')
      .addOption(new Option('--format <format>', 'bundle (a directory loadable by serve / predict) or onnx (one ONNX graph file)').choices(['bundle', 'onnx']).default('bundle'))
      .option('--db <file>', 'run database (SQLite)', DEFAULTS.store)
      .option('--ensemble-id <n>', "which of the run's ensembles (default: the newest; see `reensemble`)", positiveInteger)
      .addOption(new Option('--deploy <form>', 'exact (default: fold models as selected), fast or small (refit forms: need --data)').choices(DEPLOY_FORMS))
      .addOption(new Option('--refit', 'retrain each member once on all training rows (= --deploy fast, dropping only members that do not help; needs --data)').conflicts('deploy'))
      .option('--deploy-tolerance <fraction>', 'relative out-of-fold loss increase fast / small may spend (default 0.002)', nonNegativeNumber)
      .option('--data <file>', 'the run\'s training data, for --refit and --deploy fast|small')
      .action((run: number, options: ExportOptions, command: Command) => {
        if (options.refit === true && options.data === undefined) command.error("--refit needs --data <file> (the run's training data)", { exitCode: 2 });
        if (options.deploy !== undefined && options.deploy !== 'exact' && options.data === undefined) {
          command.error(`--deploy ${options.deploy} needs --data <file> (the run's training data)`, { exitCode: 2 });
        }
        return runExport(run, options, context);
      });
  },
};

async function runExport(run: number, options: ExportOptions, context: CliContext): Promise<void> {
  const db = existingDatabase(options.db);
  const refits = options.refit === true || (options.deploy !== undefined && options.deploy !== 'exact');
  const dataset = refits ? loadTrainingData(db, run, options.data!) : undefined;
  const { loadRunEnsemble } = await import('../../api/auto-ensemble.js');
  const result = await loadRunEnsemble(run, {
    store: db,
    ...(options.ensembleId === undefined ? {} : { ensembleId: options.ensembleId }),
    ...(dataset === undefined ? {} : { dataset, ...(options.deploy === undefined ? { refit: true } : { deploy: options.deploy }) }),
    ...(options.deployTolerance === undefined ? {} : { deployTolerance: options.deployTolerance }),
  });
  if (options.format === 'onnx') {
    const { exportOnnx } = await import('../../export/onnx/index.js');
    const bytes = exportOnnx(result.ensemble);
    writeFileAtomically(options.out, bytes);
    context.io.out(`${formatEnsembleResult(result)}\n\nonnx    ${options.out} (${formatBytes(bytes.byteLength)}, ${deploymentText(result)})\n`);
    return;
  }
  const bytes = result.save(options.out);
  context.io.out(`${formatEnsembleResult(result)}\n\nbundle  ${options.out} (${formatBytes(bytes)}, ${deploymentText(result)})\n`);
}

/** Write `bytes` to `path` through a temporary sibling, so `path` never holds half a model. */
function writeFileAtomically(path: string, bytes: Uint8Array): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new DataError(`--out ${path} is a directory: give the .onnx file to write`);
  const partial = `${path}.partial-${process.pid}`;
  writeFileSync(partial, bytes);
  renameSync(partial, path);
}

/** The run's training file, read with the run's own target column (which need not be the last). */
function loadTrainingData(db: string, run: number, path: string): Dataset {
  const store = new SqliteStore(db);
  let target: string;
  try {
    const context = store.getRunContext(run);
    if (store.getRun(run) === undefined) throw new ConfigError(`no run ${run} in ${db}`);
    if (context === undefined) throw new ConfigError(`run ${run} has no stored training context: it was not made by fit`);
    target = context.targetName;
  } finally {
    store.close();
  }
  return loadDatasetFile(path, { target });
}
