/**
 * `auto-ensemble report RESULTS.csv [--out DIR] [--budget S]`: Markdown and HTML report of a benchmark result
 * file (per-dataset tables, average ranks, Friedman and pairwise Wilcoxon tests) with SVG plots.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { ConfigError } from '../../util/errors.js';
import type { CliCommand, CliContext } from '../context.js';

interface ReportCliOptions {
  out?: string;
  budget?: string;
  title?: string;
}

export const reportCommand: CliCommand = {
  name: 'report',
  register(program: Command, context: CliContext): void {
    program
      .command('report')
      .description('write a Markdown + HTML report with SVG plots from a benchmark result CSV')
      .argument('<results>', 'result CSV written by `auto-ensemble bench`')
      .option('--out <dir>', 'output directory (default: <results without .csv>-report/)')
      .option('--budget <seconds>', 'budget of the searched methods in the main comparison (default: the largest)')
      .option('--title <text>', 'report title')
      .action((results: string, options: ReportCliOptions) => runReport(results, options, context));
  },
};

async function runReport(results: string, options: ReportCliOptions, context: CliContext): Promise<void> {
  let budget: number | undefined;
  if (options.budget !== undefined) {
    budget = Number(options.budget);
    if (!(budget > 0)) throw new ConfigError(`--budget must be positive seconds, got '${options.budget}'`);
  }
  const written = (await import('../../bench/report.js')).writeReport(results, options.out, {
    ...(budget !== undefined ? { budget } : {}),
    ...(options.title !== undefined ? { title: options.title } : {}),
  });
  context.io.out(`${join(written.dir, 'report.md')}\n${join(written.dir, 'report.html')}\n`);
}
