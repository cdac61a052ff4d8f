/**
 * `auto-ensemble serve DIR [--port N] [--host ADDR] [--max-rows N] [--body-limit BYTES] [--log-level LEVEL]`: serve a
 * bundle over HTTP (POST /predict, GET /health, GET /metadata; see src/serving/server.ts), one JSON log line per
 * request on stdout. Prints the URL on stdout once listening;
 * SIGINT / SIGTERM close the server (in-flight requests finish) and the command exits 0.
 */
import { Option, type Command } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../../serving/log-level.js';
import { port, positiveInteger } from '../arguments.js';
import type { CliCommand, CliContext } from '../context.js';

interface ServeOptions {
  port: number;
  host: string;
  maxRows: number;
  bodyLimit: number;
  logLevel: LogLevel;
}

const DEFAULT_PORT = 8080;
const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command, context: CliContext): void {
    program
      .command('serve')
      .description('serve a bundle over HTTP: POST /predict, GET /health, GET /metadata')
      .argument('<dir>', 'bundle directory (written by fit or export)')
      .option('--port <n>', 'TCP port (0: any free port)', port, DEFAULT_PORT)
      .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
      .option('--max-rows <n>', 'most rows in one /predict request (more: 413)', positiveInteger, DEFAULT_MAX_ROWS)
      .option('--body-limit <bytes>', 'largest request body in bytes (larger: 413)', positiveInteger, DEFAULT_BODY_LIMIT)
      .addOption(
        new Option('--log-level <level>', 'one JSON line per request on stdout: info logs every request, warn only 4xx / 5xx (with the reason), silent none')
          .choices(LOG_LEVELS)
          .default('info'),
      )
      .action((dir: string, options: ServeOptions) => runServe(dir, options, context));
  },
};

async function runServe(dir: string, options: ServeOptions, context: CliContext): Promise<void> {
  const [{ loadBundle }, { createServer }] = await Promise.all([import('../../export/bundle.js'), import('../../serving/server.js')]);
  const model = await loadBundle(dir);
  const app = createServer(model, { maxRows: options.maxRows, bodyLimit: options.bodyLimit, logger: options.logLevel });
  const address = await app.listen({ port: options.port, host: options.host });
  const what = model.task === 'regression' ? 'regression' : `${model.task}, ${model.classes.length} classes`;
  context.io.out(`serving ${dir} (${what}, ${model.members.length} members) at ${address}\n`);
  await new Promise<void>((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      context.io.err(`${signal}: closing the server\n`);
      app.close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
