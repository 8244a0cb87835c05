import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { yamlSyntaxMessage } from './yaml-lines.js';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const key32 = z
  .string()
  .regex(/^[A-Za-z0-9+/=_-]{43,88}$/, 'a base64 or hex encoded 32-byte key')
  .describe('secret');

/** Every configuration key, its default and its meaning; the README table is generated from this. */
export const configKeys = {
  env: {
    env: 'NODE_ENV',
    default: 'development',
    doc: '`production` logs JSON lines and requires configured keys.',
  },
  port: { env: 'PORT', default: '3000', doc: 'Port of the admin API.' },
  host: { env: 'HOST', default: '0.0.0.0', doc: 'Address the admin API binds to.' },
  dataDir: {
    env: 'KOPPELING_DATA_DIR',
    default: './data',
    doc: 'Local data folder: embedded database, generated keys, outgoing mail.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: '(unset)',
    doc: 'PostgreSQL connection string; unset means the embedded PGlite store in the data folder.',
  },
  databasePoolMax: {
    env: 'DATABASE_POOL_MAX',
    default: '10',
    doc: 'Maximum PostgreSQL connections per instance.',
  },
  adminToken: {
    env: 'KOPPELING_ADMIN_TOKEN',
    default: '(generated)',
    doc: 'Operator bearer token. Unset: one is generated on first start, stored hashed and printed once.',
  },
  masterKey: {
    env: 'KOPPELING_MASTER_KEY',
    default: '(generated)',
    doc: 'Vault master key (32 bytes, base64 or hex) that wraps the per-employer data keys. Required in production.',
  },
  indexKey: {
    env: 'KOPPELING_INDEX_KEY',
    default: '(generated)',
    doc: 'Key of the BSN blind index (32 bytes, base64 or hex), separate from the master key. Required in production.',
  },
  logLevel: { env: 'LOG_LEVEL', default: 'info', doc: 'error, warn, info, debug.' },
  logFormat: {
    env: 'LOG_FORMAT',
    default: 'auto',
    doc: '`json`, `pretty`, or `auto` (pretty on a terminal outside production).',
  },
  bodyLimit: { env: 'KOPPELING_BODY_LIMIT', default: '1mb', doc: 'Largest JSON request body.' },
  uploadLimitMb: {
    env: 'KOPPELING_UPLOAD_LIMIT_MB',
    default: '2048',
    doc: 'Largest delivery file uploaded with `POST /employers/{code}/sync-runs`, in MB (a million employees in CSV is about 200 MB).',
  },
  scheduler: { env: 'KOPPELING_SCHEDULER', default: 'on', doc: '`off` runs the API without scheduled jobs.' },
  timezone: {
    env: 'KOPPELING_TIMEZONE',
    default: 'Europe/Amsterdam',
    doc: 'Time zone of schedules and "today".',
  },
  publicUrl: {
    env: 'KOPPELING_PUBLIC_URL',
    default: 'http://localhost:3000',
    doc: 'Address users reach Koppeling at; the links in account e-mails start with it.',
  },
  mailFrom: {
    env: 'KOPPELING_MAIL_FROM',
    default: 'Koppeling <noreply@localhost>',
    doc: 'Sender of account e-mails (activation, password reset, e-mail confirmation).',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    default: '(unset)',
    doc: 'SMTP server (`smtps://user:pass@host:465`); unset writes each e-mail as a file into `<dataDir>/mail/`.',
  },
  sessionHours: {
    env: 'KOPPELING_SESSION_HOURS',
    default: '12',
    doc: 'A login session ends this many hours after login.',
  },
  sessionIdleMinutes: {
    env: 'KOPPELING_SESSION_IDLE_MINUTES',
    default: '30',
    doc: 'A login session ends after this many minutes without requests.',
  },
  linkHours: {
    env: 'KOPPELING_LINK_HOURS',
    default: '24',
    doc: 'How long activation, password-reset and e-mail confirmation links stay valid.',
  },
  loginMaxFailures: {
    env: 'KOPPELING_LOGIN_MAX_FAILURES',
    default: '5',
    doc: 'Failed logins for one login name before it is locked (ten times as many per client address).',
  },
  loginLockMinutes: {
    env: 'KOPPELING_LOGIN_LOCK_MINUTES',
    default: '15',
    doc: 'How long a login name (or client address) stays locked after too many failures.',
  },
  scryptCost: {
    env: 'KOPPELING_SCRYPT_COST',
    default: '32768',
    doc: 'scrypt cost parameter N for password hashes (a power of two; stored with each hash).',
  },
  syncConcurrency: {
    env: 'KOPPELING_SYNC_CONCURRENCY',
    default: '2',
    doc: 'Sync runs one instance runs at a time, scheduled and API-started alike; the others wait their turn. Keep it below DATABASE_POOL_MAX.',
  },
  heapGrowthPercent: {
    env: 'KOPPELING_HEAP_GROWTH_PERCENT',
    default: '50',
    doc: 'How far (in %) the JavaScript heap may grow past the data still in use before it is collected; 0 leaves it to Node (up to 300%).',
  },
  sourceRoots: {
    env: 'KOPPELING_SOURCE_ROOTS',
    default: '(unset)',
    doc: "Folders (separated by `,`) that the delivery files and drop folders of links must lie in, and their mapping files unless in `mappings/`: checked when a link is stored through the API and when a scheduled or API run reads it. Unset: any path the service can read; set it in production, so that a link cannot make the service read another file (its content would show in the run's problems).",
  },
} as const;

export const configSchema = z
  .object({
    env: z.enum(['development', 'test', 'production']),
    port,
    host: z.string().min(1),
    dataDir: z.string().min(1),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection string')
      .optional()
      .describe('secret'),
    databasePoolMax: z.coerce.number().int().min(1).max(200),
    adminToken: z.string().min(24, 'at least 24 characters').optional().describe('secret'),
    masterKey: key32.optional(),
    indexKey: key32.optional(),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']),
    logFormat: z.enum(['auto', 'json', 'pretty']),
    bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/, 'a size such as 512kb or 1mb'),
    uploadLimitMb: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 * 1024),
    scheduler: z.enum(['on', 'off']),
    timezone: z.string().min(1).refine(isTimeZone, 'an IANA time zone such as Europe/Amsterdam'),
    publicUrl: z.url('an http(s) address such as https://koppeling.example.nl'),
    mailFrom: z.string().min(3),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// address')
      .optional()
      .describe('secret'),
    sessionHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    sessionIdleMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    linkHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 14),
    loginMaxFailures: z.coerce.number().int().min(1).max(100),
    loginLockMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    scryptCost: z.coerce
      .number()
      .int()
      .min(2)
      .max(2 ** 20)
      .refine((n) => (n & (n - 1)) === 0, 'a power of two'),
    syncConcurrency: z.coerce.number().int().min(1).max(64),
    heapGrowthPercent: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .refine((n) => n === 0 || n >= 10, '0 (Node decides) or 10 to 300'),
    sourceRoots: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) =>
        (v === undefined ? [] : Array.isArray(v) ? v : v.split(','))
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => resolve(p)),
      ),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
type ConfigKey = keyof typeof configKeys;

const defaults: Record<ConfigKey, string | undefined> = Object.fromEntries(
  Object.entries(configKeys).map(([k, v]) => [k, v.default.startsWith('(') ? undefined : v.default]),
) as Record<ConfigKey, string | undefined>;

/** Reads `config/koppeling.yaml` (or the file in KOPPELING_CONFIG) if present; keys as in `configKeys`. */
function readConfigFile(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const file = env.KOPPELING_CONFIG ?? join(process.cwd(), 'config', 'koppeling.yaml');
  if (!existsSync(file)) {
    if (env.KOPPELING_CONFIG)
      throw new ConfigError(`KOPPELING_CONFIG points to ${file}, which does not exist.`);
    return {};
  }
  // A syntax error is named by its line only: the parser's message quotes the file's lines, and
  // this file can hold keys and passwords.
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new ConfigError(yamlSyntaxMessage(file, doc.errors[0]!));
  const parsed: unknown = doc.toJS();
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file}: expected a mapping of configuration keys.`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in configKeys)) {
      throw new ConfigError(`${file}: unknown key "${key}". Allowed: ${Object.keys(configKeys).join(', ')}.`);
    }
  }
  return parsed as Record<string, unknown>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Whether `zone` is a time zone this Node knows (schedules and "today" are computed in it). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses configuration once: defaults < config file < environment. Throws ConfigError naming key, value and rule. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = readConfigFile(env);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(configKeys) as ConfigKey[]) {
    const envValue = env[configKeys[key].env];
    const value = envValue !== undefined && envValue !== '' ? envValue : (fromFile[key] ?? defaults[key]);
    if (value !== undefined) raw[key] = typeof value === 'number' ? String(value) : value;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0]) as ConfigKey;
      const meta = configKeys[key];
      const secret =
        key === 'adminToken' ||
        key === 'masterKey' ||
        key === 'indexKey' ||
        key === 'databaseUrl' ||
        key === 'smtpUrl';
      const shown = secret ? '(hidden)' : JSON.stringify(raw[key]);
      return `${meta ? meta.env : key} = ${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = result.data;
  config.dataDir = resolve(config.dataDir);
  if (config.env === 'production' && (!config.masterKey || !config.indexKey)) {
    throw new ConfigError(
      'Invalid configuration: KOPPELING_MASTER_KEY and KOPPELING_INDEX_KEY are required when NODE_ENV = "production".',
    );
  }
  return config;
}
