import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { findEmployerByCode, listEmployers } from '../store/employers.js';
import { linkModes, type Employer } from '../domain/employer.js';
import type { Request } from 'express';
import { AppError } from '../errors.js';
import { reaches } from './authorize.js';
import type { Db } from '../store/db.js';
import { findStoredLink, listLinks, saveLink, type ListedLink } from '../store/links.js';
import { assertMappingWithinRoots, assertSourceWithinRoots, checkLink } from '../sync/link-check.js';
import { linkSchema } from '../sync/link.js';
import { listRuns } from '../sync/runs.js';

const employerView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kvkNumber: z.string().optional(),
  payrollTaxNumber: z.string().optional(),
  arboEmployerId: z.string().optional(),
  arboContractNumber: z.string().optional(),
  linkMode: z.enum(linkModes),
});

const linkSummary = z
  .union([
    z.object({
      connector: z.string(),
      delivery: z.string(),
      schedule: z.string().nullable(),
      managedBy: z.enum(['file', 'api']),
    }),
    // A link stored by an earlier version that the current schema does not read (`readStoredLink`).
    z.object({ managedBy: z.enum(['file', 'api']), problem: z.string() }),
  ])
  .nullable();

const lastRunView = z
  .object({ id: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string().nullable() })
  .nullable();

const codeParam = z
  .object({ code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'an employer code') })
  .strict();

async function lastRuns(db: Db): Promise<Map<string, z.infer<typeof lastRunView>>> {
  const rows = (await db.raw(
    `select distinct on (employer_id) employer_id, id, status, started_at, finished_at
       from sync_runs order by employer_id, started_at desc`,
  )) as {
    rows: Array<{
      employer_id: string;
      id: string;
      status: string;
      started_at: Date;
      finished_at: Date | null;
    }>;
  };
  return new Map(
    rows.rows.map((r) => [
      r.employer_id,
      {
        id: r.id,
        status: r.status,
        startedAt: new Date(r.started_at).toISOString(),
        finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      },
    ]),
  );
}

function summary(stored: ListedLink | undefined): z.infer<typeof linkSummary> {
  if (!stored) return null;
  const { link, problem, managedBy } = stored;
  if (!link) return { managedBy, problem };
  return { connector: link.connector, delivery: link.delivery, schedule: link.schedule ?? null, managedBy };
}

/** The employer of a path's code, when the caller reaches it (see `reaches`); else 404. */
export async function requireEmployer(db: Db, req: Request, code: string): Promise<Employer> {
  const employer = await findEmployerByCode(db, code);
  if (!employer || !reaches(req.principal, employer.id))
    throw new AppError('not_found', `No employer with code "${code}".`);
  return employer;
}

/** Employers and their HR links, as operators see and manage them. */
export const employerRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/employers',
    summary: 'List employers with their link and last sync run.',
    tag: 'employers',
    access: { capability: 'employers.manage' },
    responses: {
      200: {
        description: 'Employers',
        schema: z.object({
          employers: z.array(employerView.extend({ link: linkSummary, lastRun: lastRunView })),
        }),
      },
    },
    handler: async ({ ctx, req }) => {
      const db = ctx.store.db;
      const [all, stored, runs] = await Promise.all([listEmployers(db), listLinks(db), lastRuns(db)]);
      const employers = all.filter((e) => reaches(req.principal, e.id));
      const links = new Map(stored.map((l) => [l.employerId, l]));
      return {
        body: {
          employers: employers.map((e) => ({
            ...e,
            link: summary(links.get(e.id)),
            lastRun: runs.get(e.id) ?? null,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employers/:code',
    summary: 'One employer with its link document and latest sync runs.',
    tag: 'employers',
    access: { capability: 'employers.manage' },
    params: codeParam,
    responses: {
      200: {
        description: 'The employer',
        schema: z.object({
          employer: employerView,
          link: linkSchema.nullable(),
          linkProblem: z.string().optional(),
          runs: z.array(z.unknown()),
        }),
      },
      404: { description: 'No such employer' },
    },
    handler: async ({ ctx, params, req }) => {
      const employer = await requireEmployer(ctx.store.db, req, params.code);
      const stored = await findStoredLink(ctx.store.db, employer.id);
      const runs = await listRuns(ctx.store.db, employer.id, 10);
      if (stored?.problem !== undefined) {
        return { body: { employer, link: null, linkProblem: stored.problem, runs } };
      }
      return { body: { employer, link: stored?.link ?? null, runs } };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/employers/:code/link',
    summary: 'Create or replace the link document of an employer (creates the employer when new).',
    tag: 'employers',
    access: { capability: 'employers.manage' },
    params: codeParam,
    body: linkSchema,
    responses: {
      200: { description: 'Stored', schema: z.object({ employer: employerView, link: linkSchema }) },
      400: {
        description:
          'The document is not valid, or the link cannot run (its mapping file cannot be loaded, is not valid or is written for another connector; its source settings are not valid)',
      },
    },
    handler: async ({ ctx, params, body, req }) => {
      // A token bound to one employer neither creates employers nor reaches another's link (404),
      // nor changes its own (403): a link names the files and folders the service reads, which is
      // the arbodienst's to decide, not a client system's.
      if (req.principal?.kind === 'api_token' && req.principal.boundEmployerId !== undefined) {
        await requireEmployer(ctx.store.db, req, params.code);
        throw new AppError(
          'forbidden',
          'A token bound to one employer cannot change its link; an operator of the arbodienst does.',
        );
      }
      if (body.employer.code !== params.code) {
        throw new AppError(
          'validation_failed',
          `employer.code "${body.employer.code}" differs from the code in the path "${params.code}".`,
        );
      }
      assertMappingWithinRoots(body.mapping, ctx.config.sourceRoots, 'link');
      const { config } = await checkLink(body, 'link');
      assertSourceWithinRoots(config, ctx.config.sourceRoots, 'link');
      const employer = await saveLink(ctx.store.db, body, 'api');
      return { body: { employer, link: body } };
    },
  }),
];
