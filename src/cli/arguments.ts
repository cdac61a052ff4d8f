/**
 * Parsers for numeric CLI arguments. A bad value is a usage error: commander reports
 * `option '--budget <seconds>' argument 'abc' is invalid. <reason>` and main exits 2.
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../util/errors.js';

export function positiveNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('expected a positive number.');
  return x;
}

export function positiveInteger(value: string): number {
  const x = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(x) || x <= 0) throw new InvalidArgumentError('expected a positive integer.');
  return x;
}

export function nonNegativeInteger(value: string): number {
  const x = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(x)) throw new InvalidArgumentError('expected a non-negative integer.');
  return x;
}

export function nonNegativeNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError('expected a non-negative number.');
  return x;
}

/** A TCP port, 0 meaning "any free port". */
export function port(value: string): number {
  const x = nonNegativeInteger(value);
  if (x > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return x;
}

/** A fraction strictly between 0 and 1. */
export function fraction(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !(x > 0 && x < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1 (exclusive).');
  return x;
}

/** A run id (positional argument). */
export function runId(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('expected a run id (a positive integer, see `auto-ensemble runs`).');
  return Number(value);
}

/**
 * Commands that read a run database refuse a path where none exists (opening it would create an empty one and
 * then report a confusing "no run 1").
 */
export function existingDatabase(path: string): string {
  if (!existsSync(path)) throw new ConfigError(`no database at ${path} (fit creates one; --db selects another file)`);
  return path;
}
