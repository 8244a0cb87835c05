import winston from 'winston';
import { isValidBsn } from './domain/bsn.js';
import { vaultFieldNames } from './domain/vault-fields.js';

const REDACTED = '[redacted]';
const secretKey =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|master[-_]?key|index[-_]?key|totp|otp|backup[-_]?code|iban|bsn|sofi/i;
const vaultKeys = new Set<string>(vaultFieldNames.map((f) => f.toLowerCase()));
// A BSN-like number: nine digits (also grouped with dots, spaces or dashes as 1234.56.782 or
// 123-456-782) not inside a longer number.
const bsnLike = /(?<![\d])(\d{9}|\d{4}[. -]\d{2}[. -]\d{3}|\d{3}[. -]\d{3}[. -]\d{3})(?![\d])/g;
// The same, except in a loonheffingennummer (nine digits, L, two digits): employer data that
// operators see anyway, and that a message about the wrong employer has to name.
const bsnLikeNotPayroll =
  /(?<![\d])(\d{9}|\d{4}[. -]\d{2}[. -]\d{3}|\d{3}[. -]\d{3}[. -]\d{3})(?![\d]|[Ll]\d{2}(?![\d]))/g;
const bsnLikeOnce = /(?<![\d])\d{9}(?![\d])/;
// Eight digits are a BSN with its leading zero dropped (as spreadsheets do) when they pass the
// 11-check that way; other eight-digit numbers (KvK numbers, yyyymmdd dates) mostly do not.
const eightDigits = /(?<![\d])\d{8}(?![\d])/g;
const bearer = /\b(Bearer|Basic|AfasToken)\s+[A-Za-z0-9._~+/=-]{12,}/gi;
const urlCredentials = /(\/\/[^:/\s]+:)[^@/\s]+@/g;

function redactWith(bsnPattern: RegExp, text: string): string {
  return text
    .replace(bsnPattern, REDACTED)
    .replace(eightDigits, (digits) => (isValidBsn(digits) ? REDACTED : digits))
    .replace(bearer, '$1 ' + REDACTED)
    .replace(urlCredentials, `$1${REDACTED}@`);
}

/** Removes BSN-like numbers and credentials from free text (log lines). */
export function redactText(text: string): string {
  return redactWith(bsnLike, text);
}

/**
 * The same for messages to operators (run messages, quarantine reasons), which keep a
 * loonheffingennummer; logs do not, since a sole trader's is built on their BSN.
 */
export function redactMessage(text: string): string {
  return redactWith(bsnLikeNotPayroll, text);
}

function isSensitiveKey(key: string): boolean {
  return secretKey.test(key) || vaultKeys.has(key.toLowerCase());
}

/** Deep copy of a log value with sensitive keys and BSN-like numbers redacted. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number') return bsnLikeOnce.test(String(value)) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 8) return '[nested]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactText(value.message),
      stack: value.stack && redactText(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = isSensitiveKey(k) ? REDACTED : redact(v, depth + 1, seen);
  return out;
}

const redactFormat = winston.format((info) => {
  const copy = redact({ ...info }) as Record<string, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, copy);
  return info;
});

export interface LogOptions {
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  production?: boolean;
  stream?: NodeJS.WritableStream;
}

function buildLogger(options: LogOptions = {}): winston.Logger {
  const pretty =
    options.format === 'pretty' ||
    (options.format !== 'json' && !options.production && Boolean(process.stderr.isTTY) && !options.stream);
  const format = pretty
    ? winston.format.combine(
        redactFormat(),
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.colorize(),
        winston.format.printf(({ level, message, timestamp, ...rest }) => {
          const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  return winston.createLogger({ level: options.level ?? 'info', format, transports: [transport] });
}

/** The process-wide logger; `configureLogger` replaces its settings once configuration is parsed. */
export let log: winston.Logger = buildLogger({ level: process.env.LOG_LEVEL ?? 'info' });

export function configureLogger(options: LogOptions): winston.Logger {
  log = buildLogger(options);
  return log;
}

/** A separate logger instance (tests, tools) with the same redaction. */
export function createLogger(options: LogOptions): winston.Logger {
  return buildLogger(options);
}
