/**
 * Low-level scanning of ARFF text: quoted or bare values separated by commas, as used in nominal declarations,
 * dense data rows and sparse `{index value, ...}` rows.
 */
import { DataError, type ErrorLocation } from '../util/errors.js';

export interface ScannedValue {
  /** The value with quotes removed and escapes resolved; bare values are trimmed. */
  value: string;
  /** True when the value was quoted: a quoted '?' is a literal, not a missing value. */
  quoted: boolean;
  /** Index just past the value and any whitespace after it. */
  next: number;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const COMMA = 44;
const SQUOTE = 39;
const DQUOTE = 34;
const BACKSLASH = 92;

export function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === CR;
}

export function skipSpace(s: string, i: number, end = s.length): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f' };

/**
 * Reads one value starting at `i` (whitespace before it already skipped), stopping at a comma, at `stop`
 * (a char code such as '}' for sparse rows) or at `end`. Bare values may contain spaces inside; quoted values
 * may contain commas, spaces and backslash escapes.
 */
export function scanValue(s: string, i: number, end: number, where: ErrorLocation, stop = -1): ScannedValue {
  const q = s.charCodeAt(i);
  if (q === SQUOTE || q === DQUOTE) {
    let out = '';
    let j = i + 1;
    let chunk = j;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH && j + 1 < end) {
        out += s.slice(chunk, j);
        const e = s[j + 1]!;
        out += ESCAPES[e] ?? e;
        j += 2;
        chunk = j;
      } else if (c === q) {
        out += s.slice(chunk, j);
        return { value: out, quoted: true, next: skipSpace(s, j + 1, end) };
      } else {
        j++;
      }
    }
    throw new DataError(`unterminated quoted value starting ${s.slice(i, i + 20)}`, where);
  }
  let j = i;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c === COMMA || c === stop) break;
    j++;
  }
  let k = j;
  while (k > i && isSpace(s.charCodeAt(k - 1))) k--;
  return { value: s.slice(i, k), quoted: false, next: j };
}

/**
 * Splits `s[start, end)` into comma-separated values. An empty list (only whitespace) gives no values.
 * `quoted[i]` tells whether value i was quoted.
 */
export function splitValues(
  s: string,
  start: number,
  end: number,
  where: ErrorLocation,
): { values: string[]; quoted: boolean[] } {
  const values: string[] = [];
  const quoted: boolean[] = [];
  let i = skipSpace(s, start, end);
  if (i >= end) return { values, quoted };
  while (true) {
    const v = scanValue(s, i, end, where);
    values.push(v.value);
    quoted.push(v.quoted);
    i = v.next;
    if (i >= end) break;
    if (s.charCodeAt(i) !== COMMA) {
      throw new DataError(`expected ',' after value '${v.value}' but found '${s.slice(i, i + 10)}'`, where);
    }
    i = skipSpace(s, i + 1, end);
    if (i >= end) {
      // a trailing comma means one more, empty value
      values.push('');
      quoted.push(false);
      break;
    }
  }
  return { values, quoted };
}

/** Index of the '}' closing the '{' at `open`, skipping quoted text; -1 when there is none. */
export function findClosingBrace(s: string, open: number): number {
  let i = open + 1;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === SQUOTE || c === DQUOTE) {
      i++;
      while (i < s.length && s.charCodeAt(i) !== c) i += s.charCodeAt(i) === BACKSLASH ? 2 : 1;
      i++;
    } else if (c === 125 /* } */) {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}
