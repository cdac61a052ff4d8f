/**
 * Search spaces: which member families the search may propose and the domain of each hyperparameter.
 *
 * File format (JSON, schema in search-spaces/schema.json, documented in docs/search.md):
 *   { "name": "...", "families": { "<family>": { "hyperparameters": { "<param>": <spec>, ... } } } }
 * with <spec> one of
 *   { "type": "float", "low", "high", "log"?, "default" }      (log scale needs low > 0)
 *   { "type": "int", "low", "high", "log"?, "default" }        (log scale needs low >= 1)
 *   { "type": "categorical", "choices": [...], "default" }
 *   { "type": "ordinal", "values": [...], "default" }          (ordered; neighbours are adjacent values)
 *   { "type": "constant", "value" }
 * each with an optional "activeWhen": { "<parent>": [values...] }: the parameter is active only when every listed
 * parent (of the same family) is active and has one of the listed values. Inactive parameters are left out of a
 * configuration, so the family uses its own default for them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from '../util/errors.js';

export type ParamValue = number | string | boolean;

interface ParamBase {
  readonly name: string;
  /** Parent parameter -> allowed values; the parameter is active only when all hold. */
  readonly activeWhen?: Readonly<Record<string, readonly ParamValue[]>>;
}
export interface FloatParam extends ParamBase {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly default: number;
}
export interface IntParam extends ParamBase {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly default: number;
}
export interface CategoricalParam extends ParamBase {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
  readonly default: ParamValue;
}
export interface OrdinalParam extends ParamBase {
  readonly type: 'ordinal';
  readonly values: readonly ParamValue[];
  readonly default: ParamValue;
}
export interface ConstantParam extends ParamBase {
  readonly type: 'constant';
  readonly value: ParamValue;
}
export type ParamSpec = FloatParam | IntParam | CategoricalParam | OrdinalParam | ConstantParam;

export interface FamilySpace {
  readonly name: string;
  /** Parameters ordered so that every parent comes before the parameters conditioned on it. */
  readonly params: readonly ParamSpec[];
}

export interface SearchSpace {
  readonly name: string;
  /** Where the space came from (file path, or '<object>'), for error messages. */
  readonly source: string;
  readonly families: readonly FamilySpace[];
}

/** search-spaces/ of the package: three levels up from dist/src/search/, two from src/search/ (ts runners). */
const BUNDLED_DIR = ['../../../search-spaces/', '../../search-spaces/']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((dir) => existsSync(`${dir}schema.json`)) ?? fileURLToPath(new URL('../../../search-spaces/', import.meta.url));

/** Path of a space shipped with the package ('default', 'small'). */
export function bundledSpacePath(name: string): string {
  return `${BUNDLED_DIR}${name}.json`;
}

/**
 * Load and validate a search space from a JSON file path, the name of a bundled space ('default', 'small'), or an
 * already parsed object. Throws ConfigError naming the file, family and parameter of the first problem found.
 */
export function loadSearchSpace(pathOrObject: string | object, source?: string): SearchSpace {
  if (typeof pathOrObject !== 'string') return parseSearchSpace(pathOrObject, source ?? '<object>');
  let path = pathOrObject;
  if (!existsSync(path) && /^[\w-]+$/.test(path) && existsSync(bundledSpacePath(path))) path = bundledSpacePath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read search space: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: search space is not valid JSON: ${(err as Error).message}`);
  }
  return parseSearchSpace(json, source ?? path);
}

let schemaValidator: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

function validator(): ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } {
  if (schemaValidator === undefined) {
    const schema = JSON.parse(readFileSync(`${BUNDLED_DIR}schema.json`, 'utf8')) as object;
    const ajv = new Ajv({ allErrors: false, discriminator: true, strict: false });
    schemaValidator = ajv.compile(schema);
  }
  return schemaValidator;
}

/** Validate a parsed search-space object (schema, then meaning) and build the SearchSpace. */
export function parseSearchSpace(json: unknown, source: string): SearchSpace {
  const validate = validator();
  if (!validate(json)) throw schemaError(source, validate.errors ?? []);
  const raw = json as { name?: string; families: Record<string, { hyperparameters: Record<string, RawParam> }> };
  const families: FamilySpace[] = [];
  for (const [family, body] of Object.entries(raw.families)) {
    families.push({ name: family, params: checkFamily(source, family, body.hyperparameters) });
  }
  return { name: raw.name ?? source, source, families };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type RawParam = DistributiveOmit<ParamSpec, 'name' | 'log'> & { log?: boolean };

function where(source: string, family?: string, param?: string): string {
  let s = source;
  if (family !== undefined) s += `: family '${family}'`;
  if (param !== undefined) s += `, parameter '${param}'`;
  return s;
}

function schemaError(source: string, errors: readonly ErrorObject[]): ConfigError {
  const e = errors[0];
  if (e === undefined) return new ConfigError(`${source}: invalid search space`);
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let family: string | undefined;
  let param: string | undefined;
  let rest = parts;
  if (parts[0] === 'families' && parts.length > 1) {
    family = parts[1];
    rest = parts.slice(2);
    if (rest[0] === 'hyperparameters' && rest.length > 1) {
      param = rest[1];
      rest = rest.slice(2);
    }
  }
  const field = rest.length > 0 ? `'${rest.join('.')}' ` : '';
  let detail = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') detail = `has unknown key '${String(e.params.additionalProperty)}'`;
  else if (e.keyword === 'required') detail = `is missing '${String(e.params.missingProperty)}'`;
  else if (e.keyword === 'discriminator') detail = `'type' must be one of float, int, categorical, ordinal, constant`;
  else if (e.keyword === 'enum') detail = `must be one of ${JSON.stringify(e.params.allowedValues)}`;
  const subject = field === '' ? (param !== undefined ? 'definition ' : '') : field;
  return new ConfigError(`${where(source, family, param)}: ${subject}${detail}`.replace(/: +/g, ': '));
}

function sameValue(a: ParamValue, b: ParamValue): boolean {
  return a === b;
}

/** Semantic checks the schema cannot express; returns parameters ordered parents-first. */
function checkFamily(source: string, family: string, raw: Record<string, RawParam>): ParamSpec[] {
  const specs = new Map<string, ParamSpec>();
  for (const [name, r] of Object.entries(raw)) {
    const fail = (msg: string): never => {
      throw new ConfigError(`${where(source, family, name)}: ${msg}`);
    };
    let spec: ParamSpec;
    if (r.type === 'float' || r.type === 'int') {
      const log = r.log === true;
      if (!(r.low < r.high)) fail(`low (${r.low}) must be below high (${r.high})`);
      if (log && r.type === 'float' && !(r.low > 0)) fail(`log scale needs low > 0, got ${r.low}`);
      if (log && r.type === 'int' && !(r.low >= 1)) fail(`log scale needs low >= 1, got ${r.low}`);
      if (!(r.default >= r.low && r.default <= r.high)) fail(`default ${r.default} is outside [${r.low}, ${r.high}]`);
      spec = { ...r, name, log } as FloatParam | IntParam;
    } else if (r.type === 'categorical' || r.type === 'ordinal') {
      const values = r.type === 'categorical' ? r.choices : r.values;
      const label = r.type === 'categorical' ? 'choices' : 'values';
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < i; j++) if (sameValue(values[i]!, values[j]!)) fail(`${label} repeat ${JSON.stringify(values[i])}`);
      }
      if (!values.some((v) => sameValue(v, r.default))) fail(`default ${JSON.stringify(r.default)} is not one of the ${label}`);
      spec = { ...r, name } as CategoricalParam | OrdinalParam;
    } else {
      spec = { ...r, name } as ConstantParam;
    }
    specs.set(name, spec);
  }
  for (const spec of specs.values()) checkCondition(source, family, spec, specs);
  return orderParentsFirst(source, family, specs);
}

/** Domain of a parameter as a finite list, or undefined for a float. */
export function finiteValues(spec: ParamSpec): readonly ParamValue[] | undefined {
  switch (spec.type) {
    case 'categorical':
      return spec.choices;
    case 'ordinal':
      return spec.values;
    case 'constant':
      return [spec.value];
    case 'int': {
      if (spec.high - spec.low > 100_000) return undefined;
      const out: number[] = [];
      for (let v = spec.low; v <= spec.high; v++) out.push(v);
      return out;
    }
    case 'float':
      return undefined;
  }
}

function checkCondition(source: string, family: string, spec: ParamSpec, specs: Map<string, ParamSpec>): void {
  if (spec.activeWhen === undefined) return;
  for (const [parentName, allowed] of Object.entries(spec.activeWhen)) {
    const fail = (msg: string): never => {
      throw new ConfigError(`${where(source, family, spec.name)}: activeWhen ${msg}`);
    };
    const parent = specs.get(parentName);
    if (parent === undefined) fail(`names unknown parameter '${parentName}'`);
    if (parentName === spec.name) fail('refers to the parameter itself');
    if (parent!.type === 'float') fail(`cannot depend on float parameter '${parentName}'`);
    const domain = finiteValues(parent!);
    for (const v of allowed) {
      if (domain !== undefined && !domain.some((d) => sameValue(d, v))) {
        fail(`value ${JSON.stringify(v)} is not in the domain of '${parentName}'`);
      }
    }
  }
}

function orderParentsFirst(source: string, family: string, specs: Map<string, ParamSpec>): ParamSpec[] {
  const ordered: ParamSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: ParamSpec): void => {
    const s = state.get(spec.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new ConfigError(`${where(source, family, spec.name)}: activeWhen conditions form a cycle`);
    state.set(spec.name, 'visiting');
    for (const parent of Object.keys(spec.activeWhen ?? {})) visit(specs.get(parent)!);
    state.set(spec.name, 'done');
    ordered.push(spec);
  };
  for (const spec of specs.values()) visit(spec);
  return ordered;
}

/** The family's space, or a ConfigError naming the space and the known families. */
export function familySpace(space: SearchSpace, family: string): FamilySpace {
  const f = space.families.find((x) => x.name === family);
  if (f === undefined) {
    const known = space.families.map((x) => x.name).join(', ');
    throw new ConfigError(`${space.source}: no family '${family}' in the search space (has: ${known})`);
  }
  return f;
}

/** A space restricted to the given families (e.g. those supporting the task), in the space's order. */
export function restrictSpace(space: SearchSpace, families: readonly string[]): SearchSpace {
  for (const f of families) familySpace(space, f);
  const kept = space.families.filter((f) => families.includes(f.name));
  if (kept.length === 0) throw new ConfigError(`${space.source}: restricting the search space left no family`);
  return { ...space, families: kept };
}
