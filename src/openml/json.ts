/**
 * Readers for the quirks of OpenML's JSON API (it is generated from XML):
 * - every scalar is a string ("150", "true", "0.98");
 * - a list of one element is sent as the bare element, not as a one-element array;
 * - an empty value is either absent or an empty array `[]` (also where a string is expected).
 * Each reader takes the raw value and a field path for error messages, and throws `OpenmlFormatError`
 * when the value cannot be what the documented shape says.
 */
import { OpenmlFormatError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** True when the API means "no value": absent, null, empty string or `[]`. */
export function isEmptyValue(value: Json | undefined): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** A list field: an array as is, a bare element as a one-element list, an empty value as []. */
export function asList(value: Json | undefined): Json[] {
  if (isEmptyValue(value)) return [];
  return Array.isArray(value) ? value : [value!];
}

export function asObject(value: Json | undefined, field: string): JsonObject {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new OpenmlFormatError(`expected an object at '${field}', got ${describe(value)}`);
  }
  return value;
}

/** An optional string: undefined for an empty value; numbers and booleans are given as their text. */
export function optString(value: Json | undefined, field: string): string | undefined {
  if (isEmptyValue(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new OpenmlFormatError(`expected a string at '${field}', got ${describe(value)}`);
}

export function reqString(value: Json | undefined, field: string): string {
  const s = optString(value, field);
  if (s === undefined) throw new OpenmlFormatError(`missing required field '${field}'`);
  return s;
}

/** A list of strings, from a list, a bare string, or an empty value. */
export function stringList(value: Json | undefined, field: string): string[] {
  return asList(value).map((v, i) => reqString(v, `${field}[${i}]`));
}

/** An optional finite number from a numeric string (or a number); undefined for an empty value. */
export function optNumber(value: Json | undefined, field: string): number | undefined {
  const s = optString(value, field);
  if (s === undefined) return undefined;
  const x = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(x)) {
    throw new OpenmlFormatError(`expected a number at '${field}', got '${s}'`);
  }
  return x;
}

export function reqNumber(value: Json | undefined, field: string): number {
  const x = optNumber(value, field);
  if (x === undefined) throw new OpenmlFormatError(`missing required field '${field}'`);
  return x;
}

/** An optional integer (OpenML ids, counts); rejects fractions. */
export function optInt(value: Json | undefined, field: string): number | undefined {
  const x = optNumber(value, field);
  if (x !== undefined && !Number.isInteger(x)) {
    throw new OpenmlFormatError(`expected an integer at '${field}', got ${x}`);
  }
  return x;
}

export function reqInt(value: Json | undefined, field: string): number {
  const x = optInt(value, field);
  if (x === undefined) throw new OpenmlFormatError(`missing required field '${field}'`);
  return x;
}

/** An optional boolean from "true" / "false" (any case) or a JSON boolean. */
export function optBool(value: Json | undefined, field: string): boolean | undefined {
  const s = optString(value, field);
  if (s === undefined) return undefined;
  const lower = s.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new OpenmlFormatError(`expected 'true' or 'false' at '${field}', got '${s}'`);
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} '${String(value)}'`;
}
