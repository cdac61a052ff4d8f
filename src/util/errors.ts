/**
 * Errors a user can act on. Each carries where the problem is (file, line, column) when known, so the CLI can
 * print one clear line and the library can be caught by type.
 */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: string | number;
}

/** Bad input data: unreadable file, ragged row, unknown column, one-class target, and the like. */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly location: ErrorLocation;
  constructor(message: string, location: ErrorLocation = {}) {
    super(formatLocated(message, location));
    this.location = location;
  }
}

/** Bad options or configuration from the user (API options, CLI flags, search-space files). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function formatLocated(message: string, loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${typeof loc.column === 'number' ? loc.column : `'${loc.column}'`}`);
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}
