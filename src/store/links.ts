import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { upsertEmployer } from './employers.js';
import { linkSchema, type Link } from '../sync/link.js';
import type { Employer } from '../domain/employer.js';

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
    await trx('employer_links').insert(row).onConflict('employer_id').merge();
    return employer;
  });
}

/** The stored link document of an employer, if it has one. */
export async function findLink(db: Db, employerId: string): Promise<Link | undefined> {
  const row = (await db('employer_links').where({ employer_id: employerId }).first()) as
    { document: unknown } | undefined;
  return row && linkSchema.parse(typeof row.document === 'string' ? JSON.parse(row.document) : row.document);
}

/** Links with a schedule, for the scheduler. */
export async function listScheduledLinks(db: Db): Promise<Array<{ employerId: string; link: Link }>> {
  const rows = (await db('employer_links').whereNotNull('schedule')) as Array<{
    employer_id: string;
    document: unknown;
  }>;
  return rows.map((r) => ({
    employerId: r.employer_id,
    link: linkSchema.parse(typeof r.document === 'string' ? JSON.parse(r.document) : r.document),
  }));
}
