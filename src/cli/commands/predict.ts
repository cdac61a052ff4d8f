/**
 * `auto-ensemble predict --model DIR --data FILE [--out FILE]`: predictions of a saved bundle as CSV, rows in input
 * order. Classification: one probability column per class (header = class names) and a `prediction` column with
 * the most probable class; regression: a `prediction` column only. Written to stdout unless --out.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toFeatureTable } from '../../api/dataset-input.js';
import { argmaxLabels, type EnsembleModel } from '../../serving/ensemble-model.js';
import type { CliCommand, CliContext } from '../context.js';
import { toCsv } from '../format.js';

interface PredictOptions {
  model: string;
  data: string;
  out?: string;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  register(program: Command, context: CliContext): void {
    program
      .command('predict')
      .description('predict with a saved bundle; CSV with class probabilities and the prediction')
      .requiredOption('--model <dir>', 'bundle directory (written by fit or export)')
      .requiredOption('--data <file>', 'rows to predict (.arff or .csv; the target column may be absent)')
      .option('--out <file>', 'CSV file to write (default: stdout)')
      .action((options: PredictOptions) => runPredict(options, context));
  },
};

async function runPredict(options: PredictOptions, context: CliContext): Promise<void> {
  const { loadBundle } = await import('../../export/bundle.js');
  const model = await loadBundle(options.model);
  const table = toFeatureTable(options.data, model.schema);
  const csv = predictionsCsv(model, model.predictMatrix(table));
  if (options.out === undefined) {
    context.io.out(csv);
    return;
  }
  writeFileSync(options.out, csv);
  context.io.err(`wrote ${table.nRows} predictions to ${options.out}\n`);
}

/** The CSV text of row-major predictions (n x k probabilities, or n values for regression). */
export function predictionsCsv(model: EnsembleModel, p: Float64Array): string {
  if (model.task === 'regression') return toCsv(['prediction'], Array.from(p, (v) => [v]));
  const k = model.classes.length;
  const labels = argmaxLabels(p, model.classes);
  const rows = labels.map((label, i) => [...p.subarray(i * k, (i + 1) * k), label]);
  return toCsv([...model.classes, 'prediction'], rows);
}
