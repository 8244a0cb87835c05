import winston from 'winston';
import { isValidBsn } from './domain/bsn.js';
import { vaultFieldNames } from './domain/vault-fields.js';

const REDACTED = '[redacted]';
const secretKey =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|master[-_]?key|index[-_]?key|totp|otp|backup[-_]?code|iban|bsn|sofi/i;
const vaultKeys = new Set<string>(vaultFieldNames.map((f) => f.toLowerCase()));
// A BSN-like number. Nine digits not inside a longer number, always; eight when they pass the
// 11-check (a BSN with its leading zero dropped, as spreadsheets do). And every other spelling the
// product itself accepts as a BSN (`normalizeBsn`): eight or nine digits with any dots, dashes and
// white space between them (tabs, no-break and thin spaces too: 123 - 456 - 782, 123.456.782), and
// the slashes and brackets of forms and spreadsheets ((123) 456 782, 123/456/782), when the digits
// pass the 11-check and are no date. Digits and separators are disjoint, which keeps both patterns
// linear on any text.
const plainDigits = /(?<!\d)\d{8,9}(?!\d)/g;
const digitRun = /\(?\d(?:[\s.\-/()+]*\d)*/g;
// A run longer than a BSN is cut at its widest separators only (a list: 123 - 456 - 782 / 123 456
// 782), never at single ones, so a longer number (a phone number, 06 1234 5678) is never cut into
// a BSN. Separators of four characters or more count as equally wide.
const widerThan = [2, 3, 4].map((n) => ({ n, split: new RegExp(`(\\D{${n},})`) }));
const nonDigits = /\D+/g;
const dayFirst = /^\(?(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}$/;
const yearFirst = /^\(?\d{4}[-/.](\d{1,2})[-/.](\d{1,2})$/;

/** A date as d-m-yyyy or yyyy-m-d (with -, / or .) whose day and month can be one. */
function dateShaped(part: string): boolean {
  const d = dayFirst.exec(part);
  const y = yearFirst.exec(part);
  const [day, month] = d ? [Number(d[1]), Number(d[2])] : y ? [Number(y[2]), Number(y[1])] : [0, 0];
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

/** Nine digits as they are; eight only when they pass the 11-check. */
function redactPlain(digits: string): string {
  return digits.length === 9 || isValidBsn(digits) ? REDACTED : digits;
}

/** Eight or nine digits, with separators, that pass the 11-check and hold no date (with a time). */
function spellsBsn(text: string): boolean {
  const digits = text.replace(nonDigits, '');
  if (digits.length < 8 || digits.length > 9 || !isValidBsn(digits)) return false;
  return !text.split(/\s+/).some(dateShaped);
}

/**
 * A run of digits and separators (`digitRun`) that spells a BSN. A longer run is cut at its widest
 * separators; the longest stretch of whole parts that spells one is redacted, and a part longer
 * than a BSN is looked at the same way, cut at its own widest separators.
 */
function redactRun(run: string): string {
  const digitCount = run.replace(nonDigits, '').length;
  if (digitCount < 8) return run;
  if (digitCount <= 9) return spellsBsn(run) ? REDACTED : run;
  let widest = 0;
  for (const [sep] of run.matchAll(nonDigits)) widest = Math.max(widest, Math.min(sep.length, 4));
  const cut = widerThan.find((w) => w.n === widest);
  if (!cut) return run;
  // Even places hold the parts, odd places the separators between them.
  const parts = run.split(cut.split);
  let out = '';
  for (let i = 0; i < parts.length; i += 2) {
    let end = -1;
    for (let j = i, n = 0; j < parts.length; j += 2) {
      n += parts[j]!.replace(nonDigits, '').length;
      if (n > 9) break;
      if (n >= 8 && spellsBsn(parts.slice(i, j + 1).join(''))) end = j;
    }
    if (end < 0) out += redactRun(parts[i]!) + (parts[i + 1] ?? '');
    else {
      out += REDACTED + (parts[end + 1] ?? '');
      i = end;
    }
  }
  return out;
}

// Other vault values that a shifted column or a wrong mapping can put where a value is quoted:
// an IBAN (NL91ABNA0417164300, also in lower case and in groups of four) and an e-mail address.
// In capitals its shape is enough; in lower case it must pass the IBAN check (ISO 13616, modulo
// 97), so that ordinary words after a short code (ab12 this text goes here) stay.
const iban = /\b[A-Z]{2}\d{2}(?:[^\S\r\n]?[A-Z0-9]{4}){2,7}(?:[^\S\r\n]?[A-Z0-9]{1,3})?\b/gi;

/** True when `compact` (no spaces) passes the IBAN check: moved four to the end, modulo 97 is 1. */
function ibanChecks(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const moved = (compact.slice(4) + compact.slice(0, 4)).toUpperCase();
  let rest = 0;
  for (const c of moved) rest = (rest * (c <= '9' ? 10 : 100) + parseInt(c, 36)) % 97;
  return rest === 1;
}

/** An IBAN-shaped match: in capitals as a whole, else its longest start that passes the check. */
function redactIban(match: string): string {
  if (match === match.toUpperCase()) return REDACTED;
  const groups = match.split(/(?=\s)/);
  for (let n = groups.length; n > 0; n--)
    if (ibanChecks(groups.slice(0, n).join('').replace(/\s/g, '')))
      return REDACTED + groups.slice(n).join('');
  return match;
}

// Bounded parts keep it linear on long text without spaces (a refused value of any length).
const email =
  /[^\s"'<>()@,;:]{1,64}@[^\s"'<>()@,;:.]{1,63}(?:\.[^\s"'<>()@,;:.]{1,63}){0,4}\.[A-Za-z]{2,24}/g;
const bearer = /\b(Bearer|Basic|AfasToken)\s+[A-Za-z0-9._~+/=-]{12,}/gi;
const urlCredentials = /(\/\/[^:/\s]+:)[^@/\s]+@/g;

/**
 * Removes BSN-like numbers, IBANs, e-mail addresses and credentials from free text: log lines, and
 * messages to operators (run messages, quarantine reasons, notices), which never name them either.
 * A NUL character is shown as `\0`, so such a text can always be stored.
 */
export function redactText(text: string): string {
  return (
    text
      .replace(email, REDACTED)
      .replace(iban, redactIban)
      // Nine digits always; eight when they pass the 11-check; then the spellings with separators.
      .replace(plainDigits, redactPlain)
      .replace(digitRun, redactRun)
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
  if (typeof value === 'number') {
    const text = String(value);
    return redactText(text) === text ? value : REDACTED;
  }
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
