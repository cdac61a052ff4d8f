/**
 * CSV reader: `csv-parse` does the splitting and quoting (RFC 4180: double quotes, doubled quotes inside);
 * this module adds delimiter sniffing, the header row, missing tokens and located errors.
 *
 * - The first non-empty record is the header. An empty header cell is named `column_<i>` (1-based).
 * - Fields are trimmed of surrounding whitespace; a field equal to a missing token becomes missing (null).
 * - A quote inside an unquoted field is kept as text (`5'3"`); a quoted field must close before the delimiter.
 * - Every record must have as many fields as the header (else a "ragged row" DataError with the line).
 * - Decimal commas: when the delimiter is not ',' (European ';' files), a column whose every value is a number
 *   written with a decimal comma ('1,5', '-0,25', '3') is read with decimal points. Columns with any other value
 *   are left untouched, so a comma is never dropped from text. `decimalComma: false` turns this off.
 */
import { parse } from 'csv-parse/sync';
import { DataError, type ErrorLocation } from '../util/errors.js';
import { checkUniqueNames, type RawTable, type RawTextColumn } from './raw.js';

/** Default tokens read as missing, compared after trimming (exact, case-sensitive). */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', 'N/A', 'n/a', '?', 'null', 'NULL', 'NaN', 'nan'];

/** Delimiters tried by detection, in order of preference on ties. */
export const CANDIDATE_DELIMITERS: readonly string[] = [',', ';', '\t', '|'];

export interface CsvOptions {
  /** File name for error messages. */
  file?: string;
  /** Table name (default: 'table'). */
  name?: string;
  /** Field delimiter; detected from the first lines when absent. */
  delimiter?: string;
  /** Tokens read as missing (default DEFAULT_MISSING_TOKENS). */
  missingTokens?: readonly string[];
  /** Read decimal-comma number columns when the delimiter is not ',' (default true). */
  decimalComma?: boolean;
}

/**
 * Guesses the delimiter from up to the first 20 non-empty records (quote-aware, so quoted newlines do not split a
 * record): for each candidate, its count outside double quotes per record; the winner is the candidate present
 * in every sampled record with the same count in the most records (ties: more occurrences, then the order of
 * CANDIDATE_DELIMITERS). Returns ',' when no candidate appears (a one-column file).
 */
export function detectDelimiter(text: string): string {
  const counts = sampleDelimiterCounts(text, 20);
  let best = ',';
  let bestScore = -1;
  let bestCount = 0;
  CANDIDATE_DELIMITERS.forEach((_, d) => {
    const perRecord = counts.map((c) => c[d]!);
    if (perRecord.length === 0 || perRecord.some((c) => c === 0)) return;
    const freq = new Map<number, number>();
    for (const c of perRecord) freq.set(c, (freq.get(c) ?? 0) + 1);
    let mode = 0;
    let modeFreq = 0;
    for (const [c, f] of freq) {
      if (f > modeFreq || (f === modeFreq && c > mode)) {
        mode = c;
        modeFreq = f;
      }
    }
    if (modeFreq > bestScore || (modeFreq === bestScore && mode > bestCount)) {
      best = CANDIDATE_DELIMITERS[d]!;
      bestScore = modeFreq;
      bestCount = mode;
    }
  });
  return best;
}

/** Per non-empty record (up to `maxRecords`), the count of each candidate delimiter outside double quotes. */
function sampleDelimiterCounts(text: string, maxRecords: number): number[][] {
  const codes = CANDIDATE_DELIMITERS.map((d) => d.charCodeAt(0));
  const records: number[][] = [];
  let current = codes.map(() => 0);
  let inQuotes = false;
  let empty = true;
  const limit = Math.min(text.length, 1 << 20);
  for (let i = 0; i < limit && records.length < maxRecords; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    if (c === 10 && !inQuotes) {
      if (!empty) records.push(current);
      current = codes.map(() => 0);
      empty = true;
      continue;
    }
    if (c !== 13 && c !== 32 && c !== 0xfeff) empty = false;
    if (!inQuotes) {
      const k = codes.indexOf(c);
      if (k >= 0) current[k]!++;
    }
  }
  if (!empty && records.length < maxRecords) records.push(current);
  return records;
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

interface CsvParseError {
  code?: string;
  message: string;
  lines?: number;
}

const BASE_OPTIONS = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true } as const;

/**
 * Records with the line each ends on. csv-parse's own `info` option is slow (a snapshot per record), so the lines
 * come from a quote-aware scan of the text; if that scan disagrees with the parser on the record count (odd
 * input), the parse is redone with `info`.
 */
function parseRecords(text: string, delimiter: string): CsvRecord[] {
  const rows = parse(text, { ...BASE_OPTIONS, delimiter }) as string[][];
  const ends = recordEndLines(text);
  if (ends.length === rows.length) return rows.map((record, i) => ({ record, info: { lines: ends[i]! } }));
  return parse(text, { ...BASE_OPTIONS, delimiter, info: true }) as unknown as CsvRecord[];
}

/** 1-based line on which each non-empty record ends; double quotes toggle quoting (RFC 4180 '""' toggles twice). */
function recordEndLines(text: string): number[] {
  const ends: number[] = [];
  let line = 1;
  let inQuotes = false;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      inQuotes = !inQuotes;
      empty = false;
    } else if (c === 10) {
      if (!inQuotes && !empty) ends.push(line);
      if (!inQuotes) empty = true;
      line++;
    } else if (c !== 13 && c !== 0xfeff) {
      empty = false;
    }
  }
  if (!empty) ends.push(line);
  return ends;
}

/** Parses CSV text into text columns (null = missing). Types are decided later by `build.ts`. */
export function parseCsv(text: string, options: CsvOptions = {}): RawTable {
  const file = options.file;
  const fileLoc: ErrorLocation = file !== undefined ? { file } : {};
  const delimiter = options.delimiter ?? detectDelimiter(text);
  let records: CsvRecord[];
  try {
    records = parseRecords(text, delimiter);
  } catch (e) {
    const err = e as CsvParseError;
    const loc: ErrorLocation = { ...fileLoc };
    if (typeof err.lines === 'number') loc.line = err.lines;
    throw new DataError(`CSV syntax error: ${err.message.replace(/^Invalid \w+: /, '')}`, loc);
  }
  if (records.length === 0) throw new DataError('empty table: no header and no rows', fileLoc);
  const head = records[0]!;
  const names = head.record.map((n, i) => (n === '' ? `column_${i + 1}` : n));
  checkUniqueNames(names, file, head.info.lines);
  const nCols = names.length;
  const nRows = records.length - 1;
  const missing = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const cells: (string | null)[][] = names.map(() => new Array<string | null>(nRows));
  const rowLines = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const { record, info } = records[r + 1]!;
    // info.lines is the line the record ends on; records spanning lines are rare and still located usefully
    rowLines[r] = info.lines;
    if (record.length !== nCols) {
      throw new DataError(`ragged row: expected ${nCols} fields (as in the header), found ${record.length}`, {
        ...fileLoc,
        line: info.lines,
      });
    }
    for (let c = 0; c < nCols; c++) {
      const v = record[c]!;
      cells[c]![r] = missing.has(v) ? null : v;
    }
  }
  if (delimiter !== ',' && options.decimalComma !== false) cells.forEach(convertDecimalCommas);
  const columns: RawTextColumn[] = names.map((name, c) => ({ name, kind: 'text', values: cells[c]! }));
  return { name: options.name ?? 'table', nRows, columns, rowLines, ...(file !== undefined ? { file } : {}) };
}

const DECIMAL_COMMA_RE = /^[+-]?\d+(?:,\d+)?$/;

/** Rewrites '1,5' as '1.5' in place when every value of the column is such a number and one has a comma. */
function convertDecimalCommas(values: (string | null)[]): void {
  let comma = false;
  for (const v of values) {
    if (v === null) continue;
    if (!DECIMAL_COMMA_RE.test(v)) return;
    if (!comma && v.includes(',')) comma = true;
  }
  if (!comma) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) values[i] = v.replace(',', '.');
  }
}
