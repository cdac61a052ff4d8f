/**
 * ARFF reader (Weka / OpenML's native format).
 *
 * Supported: `@relation`, `@attribute`, `@data` in any case; attribute names bare or quoted; types
 * numeric / real / integer, nominal `{a, 'b c', "d,e"}`, string and date [format]; `?` for missing (a quoted
 * '?' is a literal); whole-line `%` comments; dense rows and sparse rows `{index value, ...}` (omitted numeric
 * values are 0, omitted nominal values are the first declared value, omitted string values are '').
 * A `%` inside a data line is data, not a comment, so a trailing comment is reported as a bad value rather than
 * silently cut. Relational attributes are rejected.
 *
 * Every error is a DataError naming file, line and (for values) the attribute.
 */
import { DataError, type ErrorLocation } from '../util/errors.js';
import { findClosingBrace, isSpace, scanValue, skipSpace, splitValues } from './arff-tokens.js';
import type { RawColumn, RawTable } from './raw.js';

export type ArffType = 'numeric' | 'nominal' | 'string' | 'date';

export interface ArffAttribute {
  readonly name: string;
  readonly type: ArffType;
  /** The type keyword as written, lower-cased (numeric, real, integer, string, date, nominal). */
  readonly declaredType: string;
  /** Declared values of a nominal attribute, in order. */
  readonly values?: readonly string[];
  /** Format string of a date attribute, when given. */
  readonly dateFormat?: string;
  /** 1-based line of the declaration. */
  readonly line: number;
}

/** A parsed ARFF file: its header plus the raw columns (numeric, nominal in declared order, or text). */
export interface ArffData extends RawTable {
  readonly relation: string;
  readonly attributes: readonly ArffAttribute[];
  readonly rowLines: Int32Array;
}

export interface ParseArffOptions {
  /** File name used in error messages. */
  file?: string;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * Parses a strict decimal number. Returns the finite value, or throws a DataError for anything else
 * ('abc', 'inf', '1e999', 'NaN', '').
 */
export function parseStrictNumber(token: string, where: ErrorLocation): number {
  if (NUMBER_RE.test(token)) {
    const v = Number(token);
    if (Number.isFinite(v)) return v;
    throw new DataError(`non-finite number '${token}'`, where);
  }
  if (NON_FINITE_RE.test(token)) throw new DataError(`non-finite number '${token}' (use ? for missing)`, where);
  throw new DataError(`bad number '${token}'`, where);
}

interface ColumnBuilder {
  attr: ArffAttribute;
  numeric?: Float64Array;
  codes?: Int32Array;
  lookup?: Map<string, number>;
  text?: (string | null)[];
}

export function parseArff(text: string, options: ParseArffOptions = {}): ArffData {
  const file = options.file;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
  const header = parseHeader(lines, file);
  const { attributes, relation, dataLine } = header;
  const capacity = Math.max(0, lines.length - dataLine);
  const builders: ColumnBuilder[] = attributes.map((attr) => makeBuilder(attr, capacity));
  const rowLines = new Int32Array(capacity);
  const seen = new Int32Array(attributes.length).fill(-1);
  let nRows = 0;
  for (let li = dataLine; li < lines.length; li++) {
    const line = lines[li]!;
    const start = skipSpace(line, 0);
    if (start >= line.length) continue;
    const first = line.charCodeAt(start);
    if (first === 37 /* % */) continue;
    const where: ErrorLocation = { line: li + 1 };
    if (file !== undefined) where.file = file;
    if (first === 123 /* { */) parseSparseRow(line, start, builders, nRows, where, seen);
    else parseDenseRow(line, start, builders, nRows, where);
    rowLines[nRows] = li + 1;
    nRows++;
  }
  const columns = builders.map((b) => finishColumn(b, nRows));
  const table: ArffData = {
    name: relation,
    relation,
    attributes,
    nRows,
    columns,
    rowLines: rowLines.slice(0, nRows),
    ...(file !== undefined ? { file } : {}),
  };
  return table;
}

interface ArffHeader {
  relation: string;
  attributes: ArffAttribute[];
  /** 0-based index of the first line after @data. */
  dataLine: number;
}

function parseHeader(lines: readonly string[], file: string | undefined): ArffHeader {
  let relation = '';
  const attributes: ArffAttribute[] = [];
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const start = skipSpace(line, 0);
    if (start >= line.length || line.charCodeAt(start) === 37 /* % */) continue;
    const where: ErrorLocation = { line: li + 1 };
    if (file !== undefined) where.file = file;
    const m = /^@(\w+)/.exec(line.slice(start));
    if (m === null) throw new DataError(`expected @relation, @attribute or @data, found '${line.trim().slice(0, 40)}'`, where);
    const keyword = m[1]!.toLowerCase();
    const rest = start + m[0].length;
    if (keyword === 'relation') {
      const i = skipSpace(line, rest);
      relation = i < line.length ? scanName(line, i, where).name : '';
    } else if (keyword === 'attribute') {
      const attr = parseAttribute(line, rest, li + 1, where);
      if (attributes.some((a) => a.name === attr.name)) {
        throw new DataError(`duplicate column name '${attr.name}'`, { ...where, column: attr.name });
      }
      attributes.push(attr);
    } else if (keyword === 'data') {
      if (attributes.length === 0) throw new DataError('no @attribute declared before @data', where);
      return { relation, attributes, dataLine: li + 1 };
    } else if (keyword === 'end') {
      throw new DataError('relational attributes (@end) are not supported', where);
    } else {
      throw new DataError(`unknown ARFF keyword '@${m[1]}'`, where);
    }
  }
  const where: ErrorLocation = file !== undefined ? { file } : {};
  throw new DataError(attributes.length === 0 ? 'empty ARFF file: no @attribute and no @data' : 'missing @data section', where);
}

/** Reads an attribute or relation name: quoted, or bare up to whitespace or '{'. */
function scanName(line: string, i: number, where: ErrorLocation): { name: string; next: number } {
  const c = line.charCodeAt(i);
  if (c === 39 || c === 34) {
    const v = scanValue(line, i, line.length, where);
    return { name: v.value, next: v.next };
  }
  let j = i;
  while (j < line.length && !isSpace(line.charCodeAt(j)) && line.charCodeAt(j) !== 123) j++;
  return { name: line.slice(i, j), next: skipSpace(line, j) };
}

function parseAttribute(line: string, from: number, lineNo: number, where: ErrorLocation): ArffAttribute {
  const i = skipSpace(line, from);
  if (i >= line.length) throw new DataError('@attribute without a name', where);
  const { name, next } = scanName(line, i, where);
  if (name === '') throw new DataError('@attribute with an empty name', where);
  const at = { ...where, column: name };
  if (next >= line.length) throw new DataError(`attribute '${name}' has no type`, at);
  if (line.charCodeAt(next) === 123 /* { */) {
    const close = findClosingBrace(line, next);
    if (close < 0) throw new DataError(`nominal declaration of '${name}' has no closing '}'`, at);
    const { values } = splitValues(line, next + 1, close, at);
    const declared = new Set<string>();
    for (const v of values) {
      if (declared.has(v)) throw new DataError(`nominal value '${v}' declared twice`, at);
      declared.add(v);
    }
    return { name, type: 'nominal', declaredType: 'nominal', values, line: lineNo };
  }
  const typeText = line.slice(next).trim();
  const word = /^\S+/.exec(typeText)![0].toLowerCase();
  if (word === 'numeric' || word === 'real' || word === 'integer') {
    return { name, type: 'numeric', declaredType: word, line: lineNo };
  }
  if (word === 'string') return { name, type: 'string', declaredType: word, line: lineNo };
  if (word === 'date') {
    const fmtStart = skipSpace(line, next + 4);
    const attr: ArffAttribute = { name, type: 'date', declaredType: word, line: lineNo };
    if (fmtStart < line.length) return { ...attr, dateFormat: scanValue(line, fmtStart, line.length, at).value };
    return attr;
  }
  if (word === 'relational') throw new DataError(`relational attribute '${name}' is not supported`, at);
  throw new DataError(`unknown attribute type '${word}'`, at);
}

function makeBuilder(attr: ArffAttribute, capacity: number): ColumnBuilder {
  if (attr.type === 'numeric') return { attr, numeric: new Float64Array(capacity) };
  if (attr.type === 'nominal') {
    const lookup = new Map<string, number>();
    attr.values!.forEach((v, k) => lookup.set(v, k));
    return { attr, codes: new Int32Array(capacity), lookup };
  }
  return { attr, text: [] };
}

function store(b: ColumnBuilder, row: number, value: string, quoted: boolean, where: ErrorLocation): void {
  const missing = !quoted && value === '?';
  if (b.numeric !== undefined) {
    if (missing) b.numeric[row] = NaN;
    else {
      const x = NUMBER_RE.test(value) ? Number(value) : NaN;
      b.numeric[row] = Number.isFinite(x) ? x : parseStrictNumber(value, { ...where, column: b.attr.name });
    }
  } else if (b.codes !== undefined) {
    if (missing) {
      b.codes[row] = -1;
      return;
    }
    const code = b.lookup!.get(value);
    if (code === undefined) {
      throw new DataError(`value '${value}' is not declared for nominal attribute '${b.attr.name}'`, {
        ...where,
        column: b.attr.name,
      });
    }
    b.codes[row] = code;
  } else {
    b.text![row] = missing ? null : value;
  }
}

function parseDenseRow(line: string, start: number, builders: ColumnBuilder[], row: number, where: ErrorLocation): void {
  const end = line.length;
  const n = builders.length;
  let i = start;
  for (let a = 0; a < n; a++) {
    if (i >= end) throw raggedError(line, start, n, where);
    const v = scanValue(line, i, end, where);
    store(builders[a]!, row, v.value, v.quoted, where);
    i = v.next;
    if (a < n - 1) {
      if (i >= end || line.charCodeAt(i) !== 44) throw raggedError(line, start, n, where);
      i = skipSpace(line, i + 1);
    }
  }
  if (skipSpace(line, i) < end) throw raggedError(line, start, n, where);
}

function raggedError(line: string, start: number, expected: number, where: ErrorLocation): DataError {
  let found: number;
  try {
    found = splitValues(line, start, line.length, where).values.length;
  } catch (e) {
    return e as DataError;
  }
  return new DataError(`ragged row: expected ${expected} values, found ${found}`, where);
}

function parseSparseRow(
  line: string,
  start: number,
  builders: ColumnBuilder[],
  row: number,
  where: ErrorLocation,
  seen: Int32Array,
): void {
  const close = findClosingBrace(line, start);
  if (close < 0) throw new DataError("sparse row has no closing '}'", where);
  for (const b of builders) {
    if (b.numeric !== undefined) b.numeric[row] = 0;
    else if (b.codes !== undefined) b.codes[row] = b.attr.values!.length > 0 ? 0 : -1;
    else b.text![row] = '';
  }
  let i = skipSpace(line, start + 1, close);
  while (i < close) {
    let j = i;
    while (j < close && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
    if (j === i) throw new DataError(`sparse row: expected an attribute index, found '${line.slice(i, i + 10)}'`, where);
    const index = Number(line.slice(i, j));
    if (index >= builders.length) {
      throw new DataError(`sparse row: attribute index ${index} out of range (0..${builders.length - 1})`, where);
    }
    if (seen[index] === row) throw new DataError(`sparse row: attribute index ${index} given twice`, where);
    seen[index] = row;
    const k = skipSpace(line, j, close);
    if (k === j || k >= close) throw new DataError(`sparse row: index ${index} has no value`, where);
    const v = scanValue(line, k, close, where, 125);
    store(builders[index]!, row, v.value, v.quoted, where);
    i = v.next;
    if (i < close) {
      if (line.charCodeAt(i) !== 44) throw new DataError(`sparse row: expected ',' after index ${index}`, where);
      i = skipSpace(line, i + 1, close);
    }
  }
  if (skipSpace(line, close + 1) < line.length) {
    throw new DataError(`unexpected text after sparse row: '${line.slice(close + 1).trim().slice(0, 20)}'`, where);
  }
}

function finishColumn(b: ColumnBuilder, nRows: number): RawColumn {
  const name = b.attr.name;
  if (b.numeric !== undefined) return { name, kind: 'numeric', values: b.numeric.slice(0, nRows) };
  if (b.codes !== undefined) return { name, kind: 'nominal', codes: b.codes.slice(0, nRows), categories: b.attr.values! };
  const values = b.text!;
  values.length = nRows;
  return { name, kind: 'text', values };
}
