/**
 * Plain-text output shared by the CLI commands: aligned tables, numbers, sizes, durations, CSV.
 */
import { stringify } from 'csv-stringify/sync';

export { formatTable } from '../util/text-table.js';

/** A score: 4 decimals (so a column of scores lines up), 1 decimal from 10,000 on, exponent below 0.001; NaN / null as '-'. */
export function formatScore(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  const abs = Math.abs(x);
  if (abs !== 0 && abs < 0.001) return x.toExponential(3);
  return abs >= 10_000 ? x.toFixed(1) : x.toFixed(4);
}

/** Bytes as B / KiB / MiB / GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Seconds as `42s`, `3m05s`, `1h02m`; Infinity as 'no limit'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'no limit';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Milliseconds with precision suited to their size (0.042 ms, 1.37 ms, 215 ms). */
export function formatMillis(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${Math.round(ms)} ms`;
}

/** A member configuration on one line: `key=value` pairs (values compact JSON). */
export function formatConfig(config: Readonly<Record<string, unknown>>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * CSV text (RFC 4180: fields with a delimiter, quote or line break are quoted, quotes doubled; `\n` line ends),
 * header first. Numbers are written with full precision (shortest round-trip form).
 */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return stringify([header as string[], ...(rows as (string | number)[][])], {
    cast: { number: (x) => String(x) },
    record_delimiter: 'unix',
  });
}
