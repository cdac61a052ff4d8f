/**
 * `auto-ensemble inspect --data FILE [--target NAME] [--task TASK] [--json]`: load a CSV or ARFF file and print
 * its summary (rows, features with kind / missing / distinct values, target, task, class counts).
 */
import { Option, type Command } from 'commander';
import type { Task } from '../../data/dataset.js';
import { readDatasetFile, type LoadOptions } from '../../data/load.js';
import { formatSummary, summarizeDataset } from '../../data/summary.js';
import type { CliCommand, CliContext } from '../context.js';

interface InspectOptions {
  data: string;
  target?: string;
  task?: Task;
  delimiter?: string;
  missing?: string;
  json?: boolean;
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  register(program: Command, context: CliContext): void {
    program
      .command('inspect')
      .description('load a dataset (CSV or ARFF) and print its summary')
      .requiredOption('--data <file>', 'dataset file (.arff, or .csv / .tsv / .txt)')
      .option('--target <name>', 'target column (default: the last column)')
      .addOption(new Option('--task <task>', 'task (default: inferred from the target)').choices(['binary', 'multiclass', 'regression']))
      .option('--delimiter <char>', 'CSV delimiter (default: detected)')
      .option('--missing <tokens>', "comma-separated CSV missing tokens (default: '',NA,N/A,n/a,?,null,NULL,NaN,nan)")
      .option('--json', 'print one JSON object instead of a table')
      .action((options: InspectOptions) => runInspect(options, context));
  },
};

function runInspect(options: InspectOptions, context: CliContext): void {
  const load: LoadOptions = {};
  if (options.target !== undefined) load.target = options.target;
  if (options.task !== undefined) load.task = options.task;
  if (options.delimiter !== undefined) load.delimiter = options.delimiter === '\\t' ? '\t' : options.delimiter;
  if (options.missing !== undefined) load.missingTokens = options.missing.split(',');
  const { dataset, dropped } = readDatasetFile(options.data, load);
  const summary = summarizeDataset(dataset);
  if (options.json === true) {
    context.io.out(JSON.stringify({ ...summary, dropped }) + '\n');
    return;
  }
  let text = formatSummary(summary);
  if (dropped.length > 0) {
    text += '\n\ndropped columns\n' + dropped.map((d) => `  ${d.name}: ${d.reason}`).join('\n');
  }
  context.io.out(text + '\n');
}
