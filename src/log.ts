import winston from 'winston';
import { isValidBsn } from './domain/bsn.js';
import { vaultFieldNames } from './domain/vault-fields.js';

const REDACTED = '[redacted]';
const secretKey =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|master[-_]?key|index[-_]?key|totp|otp|backup[-_]?code|iban|bsn|sofi/i;
const vaultKeys = new Set<string>(vaultFieldNames.map((f) => f.toLowerCase()));
// A BSN-like number: nine digits not inside a longer number, always; and eight or nine digits
// written with separators (spaces, dots, dashes, slashes, brackets: 123 45 6782, 1234.56.782,
// (123) 456 782), as the `digits` transform accepts them, when they pass the 11-check. Eight
// digits are a BSN with its leading zero dropped (as spreadsheets do); dates are left alone.
const nineDigits = /(?<!\d)\d{9}(?!\d)/g;
const eightDigits = /(?<!\d)\d{8}(?!\d)/g;
const bsnLikeOnce = new RegExp(nineDigits.source);
const SEP = '[ \\u00a0.\\-/()+]';
const digitRun = new RegExp(`(?<!\\d${SEP}{0,2})\\(?\\d(?:${SEP}{0,2}\\d){7,8}(?!${SEP}{0,2}\\d)`, 'g');
const dayFirst = /^(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}$/;
const yearFirst = /^\d{4}[-/.](\d{1,2})[-/.](\d{1,2})$/;

/** A date as d-m-yyyy or yyyy-m-d (with -, / or .) whose day and month can be one. */
function dateShaped(run: string): boolean {
  const d = dayFirst.exec(run);
  const y = yearFirst.exec(run);
  const [day, month] = d ? [Number(d[1]), Number(d[2])] : y ? [Number(y[2]), Number(y[1])] : [0, 0];
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}
// Other vault values that a shifted column or a wrong mapping can put where a value is quoted:
// an IBAN (NL91ABNA0417164300, also in groups of four) and an e-mail address.
const iban = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
// Bounded parts keep it linear on long text without spaces (a refused value of any length).
const email =
  /[^\s"'<>()@,;:]{1,64}@[^\s"'<>()@,;:.]{1,63}(?:\.[^\s"'<>()@,;:.]{1,63}){0,4}\.[A-Za-z]{2,24}/g;
const bearer = /\b(Bearer|Basic|AfasToken)\s+[A-Za-z0-9._~+/=-]{12,}/gi;
const urlCredentials = /(\/\/[^:/\s]+:)[^@/\s]+@/g;

/** A run of digits with separators (`digitRun`) that spells a BSN, and is no date. */
function redactDigits(run: string): string {
  if (dateShaped(run)) return run;
  return isValidBsn(run.replace(/\D/g, '')) ? REDACTED : run;
}

/**
 * Removes BSN-like numbers, IBANs, e-mail addresses and credentials from free text: log lines, and
 * messages to operators (run messages, quarantine reasons, notices), which never name them either.
 * A NUL character is shown as `\0`, so such a text can always be stored.
 */
export function redactText(text: string): string {
  return (
    text
      .replace(email, REDACTED)
      .replace(iban, REDACTED)
      // Nine digits always; eight when they pass the 11-check; then the spellings with separators.
      .replace(nineDigits, REDACTED)
      .replace(eightDigits, (d) => (isValidBsn(d) ? REDACTED : d))
      .replace(digitRun, redactDigits)
      .replace(bearer, '$1 ' + REDACTED)
      .replace(urlCredentials, `$1${REDACTED}@`)
      // A value quoted with a NUL character in it: no PostgreSQL text holds one.
      .replaceAll('\u0000', '\\0')
  );
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
