import { ConfigError } from '../util/errors.js';
import type { Config } from './types.js';

/**
 * Shared helpers for member families (any family may use them; the tree families are welcome to):
 * - a typed hyperparameter schema per family (`ParamSchema`), from which `schemaDefaults` gives the family's
 *   `defaults` and `resolveConfig` merges a proposed config over them, rejecting unknown keys and values of
 *   the wrong type or out of range with a `ConfigError` that names the family and the key;
 * - `throwIfAborted` / `abortError` so every long fit rejects the same way (an Error named 'AbortError').
 *
 * Usage:
 *   const schema = { l2: { kind: 'number', default: 1, min: 0 }, penalty: { kind: 'choice', default: 'a', values: ['a', 'b'] } } as const;
 *   const defaults = schemaDefaults(schema);
 *   const params = resolveConfig('linear', schema, config); // params.l2: number, params.penalty: 'a' | 'b'
 */

export interface NumberParam {
  readonly kind: 'number';
  readonly default: number;
  /** Inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Require an integer value. */
  readonly integer?: boolean;
  /** One line for docs. */
  readonly doc?: string;
}

export interface BooleanParam {
  readonly kind: 'boolean';
  readonly default: boolean;
  readonly doc?: string;
}

export interface ChoiceParam<T extends string = string> {
  readonly kind: 'choice';
  readonly default: T;
  readonly values: readonly T[];
  readonly doc?: string;
}

export type Param = NumberParam | BooleanParam | ChoiceParam;
export type ParamSchema = Readonly<Record<string, Param>>;

type ParamValue<P> = P extends NumberParam
  ? number
  : P extends BooleanParam
    ? boolean
    : P extends ChoiceParam<infer T>
      ? T
      : never;

/** The fully resolved, typed configuration of a schema. */
export type ResolvedConfig<S extends ParamSchema> = { readonly [K in keyof S]: ParamValue<S[K]> };

/** The defaults of a schema as a plain `Config`. */
export function schemaDefaults(schema: ParamSchema): Config {
  const out: Record<string, number | string | boolean> = {};
  for (const [key, param] of Object.entries(schema)) out[key] = param.default;
  return Object.freeze(out);
}

/**
 * Merge `config` over the schema's defaults and check every value. Unknown keys, wrong types, non-finite
 * numbers, out-of-range numbers, non-integers for integer params and unknown choices throw `ConfigError`.
 */
export function resolveConfig<S extends ParamSchema>(family: string, schema: S, config: Config): ResolvedConfig<S> {
  const known = Object.keys(schema);
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(schema, key)) {
      throw new ConfigError(`${family}: unknown config key '${key}' (known keys: ${known.join(', ')})`);
    }
  }
  const out: Record<string, number | string | boolean> = {};
  for (const key of known) {
    const param = schema[key]!;
    const value = Object.hasOwn(config, key) ? config[key] : param.default;
    out[key] = checkValue(family, key, param, value);
  }
  return out as ResolvedConfig<S>;
}

function checkValue(family: string, key: string, param: Param, value: unknown): number | string | boolean {
  const where = `${family}: config '${key}'`;
  switch (param.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(`${where} must be a finite number, got ${JSON.stringify(value)}`);
      }
      if (param.integer === true && !Number.isInteger(value)) throw new ConfigError(`${where} must be an integer, got ${value}`);
      if (param.min !== undefined && value < param.min) throw new ConfigError(`${where} must be >= ${param.min}, got ${value}`);
      if (param.max !== undefined && value > param.max) throw new ConfigError(`${where} must be <= ${param.max}, got ${value}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !param.values.includes(value)) {
        throw new ConfigError(`${where} must be one of ${param.values.join(', ')}; got ${JSON.stringify(value)}`);
      }
      return value;
  }
}

/** The error a fit rejects with after its AbortSignal fired (name 'AbortError', the signal's reason as cause). */
export function abortError(signal: AbortSignal, family: string): Error {
  const error = new Error(`${family}: fit aborted`, { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/** Throw `abortError` when the signal has fired. Call between trees, epochs, batches, optimizer steps. */
export function throwIfAborted(signal: AbortSignal, family: string): void {
  if (signal.aborted) throw abortError(signal, family);
}

/** Yield to the event loop so an abort (timer, message) can be delivered during a long synchronous fit. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
