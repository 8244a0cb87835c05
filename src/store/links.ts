import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { upsertEmployer } from './employers.js';
import { describeIssues, linkSchema, type Link } from '../sync/link.js';
import type { Employer } from '../domain/employer.js';
import { AppError } from '../errors.js';

export type LinkSource = 'file' | 'api';

/** Stores an employer's link document (and its employer data) in one transaction; the database is the one source. */
export async function saveLink(db: Db, link: Link, source: LinkSource): Promise<Employer> {
  return inTransaction(db, async (trx) => {
    const employer = await upsertEmployer(trx, { ...link.employer, linkMode: 'hr' });
    const row = {
      employer_id: employer.id,
      document: JSON.stringify(link),
      schedule: link.schedule ?? null,
      source,
      updated_at: trx.fn.now(),
    };
    await trx('employer_links')
      .insert({ ...row, schedule_since: trx.fn.now() })
      .onConflict('employer_id')
      .merge({
        ...row,
        schedule_since: trx.raw(
          `case when employer_links.schedule is distinct from excluded.schedule then excluded.schedule_since
                else employer_links.schedule_since end`,
        ),
      });
    return employer;
  });
}

/** A stored link document as the current link schema reads it, or why it cannot. */
export type StoredLink = { link: Link; problem?: undefined } | { link?: undefined; problem: string };

/**
 * Reads a stored link document. One stored by an earlier version may not fit the current schema:
 * that is a problem of this one link, said in words, and never stops the other links.
 */
function readStoredLink(document: unknown): StoredLink {
  const parsed = linkSchema.safeParse(typeof document === 'string' ? JSON.parse(document) : document);
  if (parsed.success) return { link: parsed.data };
  return {
    problem: `the stored link does not fit this version of Koppeling (${describeIssues(parsed.error)}); store it again with koppeling sync --config or PUT /api/v1/employers/{code}/link`,
  };
}

/**
 * A stored link as read (`readStoredLink`), with its employer, where it was last written from and
 * when its schedule was last set.
 */
export type ListedLink = StoredLink & {
  employerId: string;
  code: string;
  managedBy: LinkSource;
  scheduleSince: Date;
};

/** The stored link document of an employer as read (`readStoredLink`), with the employer's code. */
export async function findStoredLink(db: Db, employerId: string): Promise<ListedLink | undefined> {
  return (await listLinks(db, { employerId }))[0];
}

/** The stored link document of an employer, if it has one; a document that does not fit is an error. */
export async function findLink(db: Db, employerId: string): Promise<Link | undefined> {
  const stored = await findStoredLink(db, employerId);
  if (stored?.problem !== undefined) {
    throw new AppError('validation_failed', `Employer ${stored.code}: ${stored.problem}.`);
  }
  return stored?.link;
}

/**
 * Every stored link with its employer's code, in code order; `scheduled`: only links with a
 * schedule, `code` or `employerId`: one employer's.
 */
export async function listLinks(
  db: Db,
  options: { scheduled?: boolean; code?: string; employerId?: string } = {},
): Promise<ListedLink[]> {
  const q = db('employer_links as l')
    .join('employers as e', 'e.id', 'l.employer_id')
    .select('l.employer_id', 'l.document', 'l.source', 'l.schedule_since', 'e.code')
    .orderBy('e.code');
  if (options.scheduled) q.whereNotNull('l.schedule');
  if (options.code !== undefined) q.where('e.code', options.code);
  if (options.employerId !== undefined) q.where('l.employer_id', options.employerId);
  const rows = (await q) as Array<{
    employer_id: string;
    document: unknown;
    source: LinkSource;
    schedule_since: Date | string;
    code: string;
  }>;
  return rows.map((r) => ({
    employerId: r.employer_id,
    code: r.code,
    managedBy: r.source,
    scheduleSince: new Date(r.schedule_since),
    ...readStoredLink(r.document),
  }));
}
