/**
 * Configurations of a search space: activity under conditions, defaults, seeded sampling, validation, neighbours
 * for local search, canonical keys for duplicate detection, and enumeration of small finite spaces.
 */
import type { Config } from '../models/types.js';
import type { Rng } from '../util/random.js';
import { ConfigError } from '../util/errors.js';
import type { TrialProposal } from './types.js';
import { familySpace, finiteValues, type FamilySpace, type ParamSpec, type ParamValue, type SearchSpace } from './space.js';

type MutableConfig = Record<string, ParamValue>;

/** Is `spec` active given the values already chosen for its parents? */
export function isActive(spec: ParamSpec, values: Readonly<Record<string, ParamValue>>): boolean {
  if (spec.activeWhen === undefined) return true;
  for (const [parent, allowed] of Object.entries(spec.activeWhen)) {
    const v = values[parent];
    if (v === undefined || !allowed.some((a) => a === v)) return false;
  }
  return true;
}

/**
 * Make a configuration consistent: keep given values of active parameters, fill missing active ones with their
 * defaults, drop inactive ones. Parameters are visited parents-first, so a change of a parent propagates.
 */
export function completeConfig(family: FamilySpace, values: Readonly<Record<string, ParamValue>>): Config {
  const out: MutableConfig = {};
  for (const spec of family.params) {
    if (!isActive(spec, out)) continue;
    out[spec.name] = spec.type === 'constant' ? spec.value : (values[spec.name] ?? spec.default);
  }
  return out;
}

/** The family's default configuration in this space. */
export function defaultConfig(family: FamilySpace): Config {
  return completeConfig(family, {});
}

/** Round a float to 6 significant digits so stored configs stay readable and keys stable. */
function tidy(x: number, low: number, high: number): number {
  const r = Number(x.toPrecision(6));
  return Math.min(high, Math.max(low, r));
}

/** Draw one value of a parameter uniformly (in log space when `log`). */
export function sampleValue(spec: ParamSpec, rng: Rng): ParamValue {
  switch (spec.type) {
    case 'float':
      return spec.log
        ? tidy(Math.exp(rng.uniform(Math.log(spec.low), Math.log(spec.high))), spec.low, spec.high)
        : tidy(rng.uniform(spec.low, spec.high), spec.low, spec.high);
    case 'int':
      if (spec.log) {
        const v = Math.round(Math.exp(rng.uniform(Math.log(spec.low - 0.5), Math.log(spec.high + 0.5))));
        return Math.min(spec.high, Math.max(spec.low, v));
      }
      return spec.low + rng.int(spec.high - spec.low + 1);
    case 'categorical':
      return spec.choices[rng.int(spec.choices.length)]!;
    case 'ordinal':
      return spec.values[rng.int(spec.values.length)]!;
    case 'constant':
      return spec.value;
  }
}

/** A random configuration of one family, respecting conditions. */
export function sampleFamilyConfig(family: FamilySpace, rng: Rng): Config {
  const out: MutableConfig = {};
  for (const spec of family.params) {
    if (isActive(spec, out)) out[spec.name] = sampleValue(spec, rng);
  }
  return out;
}

/** A random proposal: family uniformly, then its parameters. */
export function sampleProposal(space: SearchSpace, rng: Rng): TrialProposal {
  const family = space.families[rng.int(space.families.length)]!;
  return { family: family.name, config: sampleFamilyConfig(family, rng) };
}

/** Canonical string of a proposal: equal keys <=> equal proposals. */
export function proposalKey(p: TrialProposal): string {
  const keys = Object.keys(p.config).sort();
  return `${p.family}|${keys.map((k) => `${k}=${JSON.stringify(p.config[k])}`).join(',')}`;
}

/** Check that a proposal lies in the space (family known, values in their domains, exactly the active keys). */
export function validateProposal(space: SearchSpace, p: TrialProposal): void {
  const family = familySpace(space, p.family);
  const seen = new Set<string>();
  const fail = (param: string, msg: string): never => {
    throw new ConfigError(`${space.source}: family '${p.family}', parameter '${param}': ${msg}`);
  };
  for (const spec of family.params) {
    const v = p.config[spec.name];
    const active = isActive(spec, p.config);
    if (!active) {
      if (v !== undefined) fail(spec.name, 'is set but inactive');
      continue;
    }
    if (v === undefined) fail(spec.name, 'is active but missing');
    seen.add(spec.name);
    if (!valueInDomain(spec, v!)) fail(spec.name, `value ${JSON.stringify(v)} is outside its domain`);
  }
  for (const k of Object.keys(p.config)) if (!seen.has(k) && !family.params.some((s) => s.name === k)) fail(k, 'is unknown');
}

function valueInDomain(spec: ParamSpec, v: ParamValue): boolean {
  switch (spec.type) {
    case 'float':
      return typeof v === 'number' && v >= spec.low && v <= spec.high;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= spec.low && v <= spec.high;
    case 'categorical':
      return spec.choices.some((c) => c === v);
    case 'ordinal':
      return spec.values.some((c) => c === v);
    case 'constant':
      return spec.value === v;
  }
}

/** Position of a numeric value in [0, 1] (log space when `log`). */
export function toUnit(spec: { low: number; high: number; log: boolean }, v: number): number {
  if (spec.log) return (Math.log(v) - Math.log(spec.low)) / (Math.log(spec.high) - Math.log(spec.low));
  return (v - spec.low) / (spec.high - spec.low);
}

/** Inverse of toUnit. */
export function fromUnit(spec: { low: number; high: number; log: boolean }, u: number): number {
  if (spec.log) return Math.exp(Math.log(spec.low) + u * (Math.log(spec.high) - Math.log(spec.low)));
  return spec.low + u * (spec.high - spec.low);
}

/** Neighbouring values of one parameter (SMAC-style one-exchange): Gaussian steps in unit space, other choices. */
function neighbourValues(spec: ParamSpec, v: ParamValue, rng: Rng, numericSteps: number): ParamValue[] {
  switch (spec.type) {
    case 'float':
    case 'int': {
      const out: ParamValue[] = [];
      const u = toUnit(spec, v as number);
      for (let i = 0; i < numericSteps * 3 && out.length < numericSteps; i++) {
        const w = u + 0.2 * rng.normal();
        if (w < 0 || w > 1) continue;
        const x = fromUnit(spec, w);
        const value = spec.type === 'int' ? Math.min(spec.high, Math.max(spec.low, Math.round(x))) : tidy(x, spec.low, spec.high);
        if (value !== v && !out.includes(value)) out.push(value);
      }
      return out;
    }
    case 'categorical':
      return spec.choices.filter((c) => c !== v);
    case 'ordinal': {
      const i = spec.values.findIndex((c) => c === v);
      return [spec.values[i - 1], spec.values[i + 1]].filter((c): c is ParamValue => c !== undefined);
    }
    case 'constant':
      return [];
  }
}

/**
 * Neighbours of a proposal: each active parameter changed alone (numeric: `numericSteps` Gaussian steps of sd 0.2
 * in unit space; categorical: every other choice; ordinal: adjacent values), children re-completed with defaults.
 */
export function neighbours(space: SearchSpace, p: TrialProposal, rng: Rng, numericSteps = 4): TrialProposal[] {
  const family = familySpace(space, p.family);
  const out: TrialProposal[] = [];
  for (const spec of family.params) {
    const v = p.config[spec.name];
    if (v === undefined || spec.type === 'constant') continue;
    for (const nv of neighbourValues(spec, v, rng, numericSteps)) {
      out.push({ family: p.family, config: completeConfig(family, { ...p.config, [spec.name]: nv }) });
    }
  }
  return out;
}

/**
 * All configurations of a family when its space is finite and has at most `limit` of them; undefined otherwise.
 * Used to tell an exhausted space from a run of unlucky samples.
 */
export function enumerateFamily(family: FamilySpace, limit = 20_000): Config[] | undefined {
  const domains = family.params.map((s) => finiteValues(s));
  if (domains.some((d) => d === undefined)) return undefined;
  let out: MutableConfig[] = [{}];
  family.params.forEach((spec, i) => {
    if (out.length === 0) return;
    const next: MutableConfig[] = [];
    for (const c of out) {
      if (!isActive(spec, c)) next.push(c);
      else for (const v of domains[i]!) next.push({ ...c, [spec.name]: v });
      if (next.length > limit) break;
    }
    out = next.length > limit ? [] : next;
  });
  return out.length === 0 ? undefined : out;
}

/**
 * A random proposal not in `seen`: up to `tries` random samples, then (for finite families) a random unseen member
 * of the enumeration. Undefined when the whole space is seen.
 */
export function sampleUnseen(space: SearchSpace, rng: Rng, seen: ReadonlySet<string>, tries = 64): TrialProposal | undefined {
  for (let i = 0; i < tries; i++) {
    const p = sampleProposal(space, rng);
    if (!seen.has(proposalKey(p))) return p;
  }
  const unseen: TrialProposal[] = [];
  for (const family of space.families) {
    const all = enumerateFamily(family);
    if (all === undefined) {
      // Infinite (float) family: keep sampling it; a collision of 6-digit floats is vanishingly rare.
      for (let i = 0; i < tries * 16; i++) {
        const p = { family: family.name, config: sampleFamilyConfig(family, rng) };
        if (!seen.has(proposalKey(p))) return p;
      }
      continue;
    }
    for (const config of all) {
      const p = { family: family.name, config };
      if (!seen.has(proposalKey(p))) unseen.push(p);
    }
  }
  return unseen.length === 0 ? undefined : unseen[rng.int(unseen.length)];
}
