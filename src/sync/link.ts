import { readFile } from 'node:fs/promises';
import cron, { type ScheduledTask } from 'node-cron';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { employerSchema } from '../domain/employer.js';
import { AppError } from '../errors.js';
import { yamlLines, yamlSyntaxError, type LineOf } from '../yaml-lines.js';

export const deliveryKinds = ['complete', 'mutations'] as const;
export const linkKeys = ['personnelNumber', 'externalId'] as const;

/**
 * The link document of one employer: who the employer is, where its deliveries come from and how
 * they are read. The same document is a YAML file in `config/employers/` or stored through the API.
 */
export const linkSchema = z
  .object({
    employer: employerSchema.omit({ linkMode: true }),
    connector: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a connector name such as csv or sivi'),
    /** Connector settings (e.g. `{file}` or `{folder}`); checked against the connector's own schema. */
    source: z.record(z.string(), z.unknown()),
    /** A mapping file, relative to the working directory (e.g. `mappings/csv-standard.yaml`). */
    mapping: z.string().min(1).max(300),
    delivery: z.enum(deliveryKinds),
    /** How an employee is recognised between deliveries; never the BSN. */
    key: z.enum(linkKeys).default('personnelNumber'),
    /** Largest share of current employees a complete delivery may end before the run stops. */
    guard: z.number().min(0).max(1).default(0.1),
    /**
     * Employees a complete delivery may always end, whatever their share: at a small employer one
     * leaver is already more than 10%. The guard trips when more than this many would end and
     * their share is above `guard`.
     */
    guardAllowance: z.number().int('a whole number of employees').min(0).max(100_000).default(0),
    /** Cron expression in Europe/Amsterdam; omitted means runs are started by hand or API only. */
    schedule: z
      .string()
      .refine((v) => cron.validate(v), 'a cron expression such as "0 2 * * *"')
      .refine(
        comesRound,
        'a schedule that comes round: no date matches this cron expression (for instance a day of the month with a weekday it never has)',
      )
      .optional(),
  })
  .strict();

export type Link = z.infer<typeof linkSchema>;
export type LinkInput = z.input<typeof linkSchema>;

/**
 * True when a valid cron expression has a next slot. "0 2 8-14 * 1#1" (the first Monday of a month,
 * between the 8th and the 14th) is valid but never comes: the scheduler could not start it. Known
 * per expression: every stored link is read again each minute, and most share a few schedules.
 */
function comesRound(expression: string): boolean {
  let known = comingRound.get(expression);
  if (known === undefined) {
    if (comingRound.size >= 1_000) comingRound.clear();
    known = findsNextSlot(expression);
    comingRound.set(expression, known);
  }
  return known;
}
const comingRound = new Map<string, boolean>();

function findsNextSlot(expression: string): boolean {
  if (!cron.validate(expression)) return true; // said by the check before
  let task: ScheduledTask | undefined;
  try {
    task = cron.createTask(expression, () => undefined, { timezone: 'Europe/Amsterdam' });
    return task.getNextRuns(1).length === 1;
  } catch {
    return false;
  } finally {
    void task?.destroy();
  }
}

/** Each problem of a link document in words, after its line when `lineOf` knows it. */
export function describeIssues(err: z.ZodError, lineOf: LineOf = () => undefined): string {
  return err.issues
    .map((i) => {
      const path = i.path.join('.') || '(root)';
      const line = lineOf(i.path);
      const msg = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message;
      return `${line ? `line ${line}, ` : ''}${path}: ${msg}`;
    })
    .join('; ');
}

/** Parses a link document (already read as data); errors name each field and what is expected. */
export function parseLink(data: unknown, where = 'link'): Link {
  const result = linkSchema.safeParse(data);
  if (!result.success) {
    throw new AppError('validation_failed', `${where}: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/**
 * Reads and validates a link file `config/employers/<code>.yaml`; errors carry file and line. With
 * the lines of the file's values for later checks (the source settings).
 */
export async function readLinkFile(file: string): Promise<{ link: Link; lineOf: LineOf }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AppError('not_found', `${file}: the link file cannot be read; check the path.`);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) {
    throw yamlSyntaxError(file, doc.errors[0]!);
  }
  const lineOf = yamlLines(doc, counter);
  const result = linkSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new AppError('validation_failed', `${file}: ${describeIssues(result.error, lineOf)}`);
  }
  return { link: result.data, lineOf };
}
