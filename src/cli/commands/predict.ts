/**
 * `auto-ensemble predict --model DIR --data FILE [--out FILE] [--interval LEVEL] [--uncertainty] [--set-method M]`:
 * predictions of a saved bundle as CSV, rows in input order. Classification: one probability column per class
 * (header = class names) and a `prediction` column with the most probable class; regression: a `prediction` column.
 * `--interval 0.9` adds `lower`, `upper` (regression) or `set` (classification: the classes of the conformal
 * prediction set as a JSON array); `--uncertainty` adds `total`, `aleatoric`, `epistemic`. Written to stdout unless --out.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toFeatureTable } from '../../api/dataset-input.js';
import { argmaxLabels, type DetailedPredictions, type EnsembleModel, type PredictOptions } from '../../serving/ensemble-model.js';
import { ConfigError } from '../../util/errors.js';
import type { CliCommand, CliContext } from '../context.js';
import { toCsv } from '../format.js';

interface PredictCliOptions {
  model: string;
  data: string;
  out?: string;
  interval?: string;
  uncertainty?: boolean;
  setMethod?: string;
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
      .option('--interval <level>', 'add a conformal interval (lower, upper) or prediction set (set) at this coverage level, e.g. 0.9')
      .option('--uncertainty', 'add the uncertainty split: total, aleatoric, epistemic')
      .option('--set-method <method>', 'prediction sets: lac (smallest sets, default) or aps (adaptive)')
      .action((options: PredictCliOptions) => runPredict(options, context));
  },
};

async function runPredict(options: PredictCliOptions, context: CliContext): Promise<void> {
  const detail = detailOptions(options);
  const { loadBundle } = await import('../../export/bundle.js');
  const model = await loadBundle(options.model);
  const table = toFeatureTable(options.data, model.schema);
  const csv = detail === undefined ? predictionsCsv(model, model.predictMatrix(table)) : detailedCsv(model, model.predictDetailed(table, detail));
  if (options.out === undefined) {
    context.io.out(csv);
    return;
  }
  writeFileSync(options.out, csv);
  context.io.err(`wrote ${table.nRows} predictions to ${options.out}\n`);
}

/** The predict options the flags ask for (undefined: plain predictions); a bad --interval is a clear error. */
function detailOptions(options: PredictCliOptions): PredictOptions | undefined {
  if (options.interval === undefined && options.uncertainty !== true && options.setMethod === undefined) return undefined;
  if (options.setMethod !== undefined && options.interval === undefined) throw new ConfigError('--set-method needs --interval');
  const level = options.interval === undefined ? undefined : Number(options.interval);
  if (options.interval !== undefined && (options.interval.trim() === '' || !Number.isFinite(level))) {
    throw new ConfigError(`--interval must be a coverage level strictly between 0 and 1 (e.g. 0.9), got '${options.interval}'`);
  }
  return {
    ...(level === undefined ? {} : { interval: level }),
    ...(options.uncertainty === true ? { uncertainty: true } : {}),
    ...(options.setMethod === undefined ? {} : { setMethod: options.setMethod as PredictOptions['setMethod'] }),
  };
}

/** The CSV of predictions with their interval / set and uncertainty columns. */
export function detailedCsv(model: EnsembleModel, d: DetailedPredictions): string {
  const k = model.nOutputs;
  const n = d.predictions.length / k;
  const regression = model.task === 'regression';
  const labels = regression ? [] : argmaxLabels(d.predictions, model.classes);
  const header = [...(regression ? [] : model.classes), 'prediction'];
  if (d.interval !== undefined) header.push('lower', 'upper');
  if (d.sets !== undefined) header.push('set');
  if (d.uncertainty !== undefined) header.push('total', 'aleatoric', 'epistemic');
  const rows: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const row: (string | number)[] = regression ? [d.predictions[i]!] : [...d.predictions.subarray(i * k, (i + 1) * k), labels[i]!];
    if (d.interval !== undefined) row.push(d.interval.lower[i]!, d.interval.upper[i]!);
    if (d.sets !== undefined) row.push(JSON.stringify(model.classes.filter((_, c) => d.sets!.members[i * k + c] === 1)));
    if (d.uncertainty !== undefined) row.push(d.uncertainty.total[i]!, d.uncertainty.aleatoric[i]!, d.uncertainty.epistemic[i]!);
    rows.push(row);
  }
  return toCsv(header, rows);
}

/** The CSV text of row-major predictions (n x k probabilities, or n values for regression). */
export function predictionsCsv(model: EnsembleModel, p: Float64Array): string {
  if (model.task === 'regression') return toCsv(['prediction'], Array.from(p, (v) => [v]));
  const k = model.classes.length;
  const labels = argmaxLabels(p, model.classes);
  const rows = labels.map((label, i) => [...p.subarray(i * k, (i + 1) * k), label]);
  return toCsv([...model.classes, 'prediction'], rows);
}
