/**
 * HTTP for the OpenML client on Node's global `fetch`: a timeout per attempt, a bounded number of attempts
 * with exponential back-off for transient failures (network errors, timeouts, 408, 429, 5xx), and OpenML's
 * error document (HTTP 412) turned into `OpenmlApiError` without retrying. Downloads stream to a temporary
 * file that is renamed into place only when complete, so the cache never holds a partial file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { OpenmlApiError, OpenmlFormatError, OpenmlHttpError } from './errors.js';
import type { Json } from './json.js';
import { parseApiError } from './parse.js';

export interface HttpOptions {
  /** Time allowed for one attempt, headers and body together (ms). */
  readonly timeoutMs: number;
  /** Attempts in all (>= 1). */
  readonly attempts: number;
  /** Wait before the second attempt (ms); doubles for each further attempt, capped at 10 s. */
  readonly retryDelayMs: number;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = { timeoutMs: 60_000, attempts: 3, retryDelayMs: 500 };

const MAX_RETRY_DELAY_MS = 10_000;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** GET a JSON document. `shownUrl` replaces `url` in error messages (to keep an API key out of them). */
export async function fetchJson(url: string, options: HttpOptions, shownUrl = url): Promise<Json> {
  return withRetries(url, shownUrl, options, async (response) => {
    const text = await response.text();
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new OpenmlFormatError(`response is not JSON: ${snippet(text)}`, shownUrl);
    }
  });
}

export interface DownloadResult {
  readonly bytes: number;
  /** Hex MD5 of the bytes written (OpenML publishes one per dataset file). */
  readonly md5: string;
}

/**
 * Download `url` to `dest` (directories created). `file:` URLs are copied, so cache entries that point at
 * local files can be rebuilt the same way. With `expectedMd5`, a file whose MD5 differs is not kept.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  options: HttpOptions,
  expectedMd5?: string,
): Promise<DownloadResult> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = temporaryName(dest);
  try {
    let result: DownloadResult;
    if (url.startsWith('file:')) {
      await copyFile(fileURLToPath(url), tmp);
      result = { bytes: (await stat(tmp)).size, md5: await md5OfFile(tmp) };
    } else {
      result = await withRetries(url, url, options, (response) => streamToFile(response, tmp, url));
    }
    if (expectedMd5 !== undefined && result.md5 !== expectedMd5) {
      throw new OpenmlFormatError(
        `downloaded file has MD5 ${result.md5}, but the published checksum is ${expectedMd5} (file not kept)`,
        url,
      );
    }
    await rename(tmp, dest);
    return result;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function streamToFile(response: Response, path: string, url: string): Promise<DownloadResult> {
  if (response.body === null) throw new OpenmlFormatError('response has no body', url);
  const hash = createHash('md5');
  let bytes = 0;
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path),
  );
  return { bytes, md5: hash.digest('hex') };
}

/** Hex MD5 of a file's bytes. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Run one GET with retries; `consume` reads the body of a 2xx response (inside the same timeout).
 * OpenML errors (412 with an error document) and other non-retryable statuses throw at once.
 */
async function withRetries<T>(
  url: string,
  shownUrl: string,
  options: HttpOptions,
  consume: (response: Response) => Promise<T>,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  let lastStatus: number | undefined;
  let lastDetail = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: { accept: 'application/json, */*' },
      });
      if (response.ok) return await consume(response);
      lastStatus = response.status;
      const body = await response.text();
      const apiError = parseErrorBody(body);
      if (apiError !== undefined && (response.status === 412 || !RETRYABLE_STATUS.has(response.status))) {
        const { code, message, additionalInformation } = apiError;
        throw new OpenmlApiError(shownUrl, response.status, code, message, additionalInformation);
      }
      lastDetail = `HTTP ${response.status}${body.trim() !== '' ? `: ${snippet(body)}` : ''}`;
      if (!RETRYABLE_STATUS.has(response.status)) break;
      retryAfterMs = retryAfter(response.headers.get('retry-after'));
    } catch (err) {
      if (err instanceof OpenmlApiError || err instanceof OpenmlFormatError) throw err;
      lastDetail = describeFetchError(err, options.timeoutMs);
    }
    if (attempt < attempts) {
      const backoff = Math.min(MAX_RETRY_DELAY_MS, options.retryDelayMs * 2 ** (attempt - 1));
      await sleep(Math.max(backoff, retryAfterMs ?? 0));
    }
  }
  throw new OpenmlHttpError(shownUrl, lastStatus, attempts, lastDetail);
}

function parseErrorBody(body: string): ReturnType<typeof parseApiError> {
  try {
    return parseApiError(JSON.parse(body) as Json);
  } catch {
    return undefined;
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no complete answer within ${timeoutMs} ms`;
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? ` (${cause.message})` : '';
    return `${err.message}${causeText}`;
  }
  return String(err);
}

/** Retry-After in seconds (HTTP-date forms are ignored), capped at 30 s. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\s*[0-9]+\s*$/.test(header)) return undefined;
  return Math.min(30_000, Number(header) * 1000);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}

let temporaryCounter = 0;

/** A sibling path for a file being written, unique within this process and across processes. */
export function temporaryName(path: string): string {
  temporaryCounter += 1;
  return `${path}.${process.pid}.${temporaryCounter}.part`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
