import { z } from 'zod';
import type { Db } from '../store/db.js';
import { countRejects, listRejects, type RunCounts, type RunRecord } from './runs.js';
import type { Notice } from './notices.js';
import { reportedRejectsLimit, type Reject } from './rejects.js';

/** The report of one run, as `sync --json`, `runs show --json` and the API print it. */
export const runReportSchema = z.object({
  runId: z.string(),
  status: z.string(),
  message: z.string().optional(),
  delivery: z.enum(['complete', 'mutations']),
  dryRun: z.boolean().optional(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  ended: z.number(),
  rejected: z.number(),
  departments: z.object({
    created: z.number(),
    updated: z.number(),
    archived: z.number(),
    reactivated: z.number(),
  }),
  rejects: z.array(z.object({ position: z.string(), field: z.string(), reason: z.string() })),
  /** What the operator should know that stopped no record: a department named two ways, say. */
  notices: z.array(z.object({ position: z.string(), field: z.string(), message: z.string() })).optional(),
  /** Problems of a stored run past the ones listed in `rejects` (page through the run's rejects). */
  moreRejects: z.number().optional(),
});
export type RunReport = z.infer<typeof runReportSchema>;

/** Builds the report from a run's counts and quarantined records. */
export function runReport(run: {
  runId: string;
  status: string;
  message?: string | null | undefined;
  delivery: 'complete' | 'mutations';
  dryRun?: boolean | undefined;
  counts: RunCounts;
  rejects: readonly Reject[];
  notices?: readonly Notice[] | undefined;
  moreRejects?: number | undefined;
}): RunReport {
  const c = run.counts;
  return {
    runId: run.runId,
    status: run.status,
    ...(run.message ? { message: run.message } : {}),
    delivery: run.delivery,
    ...(run.dryRun ? { dryRun: true } : {}),
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    ended: c.ended,
    rejected: c.rejected,
    departments: { ...c.departments },
    rejects: run.rejects.map((r) => ({ position: r.position, field: r.field, reason: r.reason })),
    ...(run.notices?.length
      ? { notices: run.notices.map((n) => ({ position: n.position, field: n.field, message: n.message })) }
      : {}),
    ...(run.moreRejects ? { moreRejects: run.moreRejects } : {}),
  };
}

/** The report of a recorded run, with its quarantined problems as stored (`runs show`, the API). */
export async function storedRunReport(
  db: Db,
  run: RunRecord,
  limit = reportedRejectsLimit,
): Promise<RunReport> {
  const rejects = await listRejects(db, run.id, limit);
  // A run that applied nothing stored only its first problems; it counted them all.
  const stored = rejects.length < limit ? rejects.length : await countRejects(db, run.id);
  const moreRejects = Math.max(stored, run.counts.problems) - rejects.length;
  return runReport({ ...run, runId: run.id, rejects, moreRejects });
}

/** The same report for a person at a terminal. */
export function formatReport(r: RunReport, maxRejects = 20): string {
  const d = r.departments;
  const lines = [
    `Run ${r.runId}: ${r.status}${r.dryRun ? ' (dry run: nothing written)' : ''} (${r.delivery} delivery)`,
    ...(r.message ? [`  ${r.message}`] : []),
    `  employees: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.ended} ended`,
    `  departments: ${d.created} created, ${d.updated} updated, ${d.archived} archived, ${d.reactivated} reactivated`,
    `  rejected records: ${r.rejected}`,
  ];
  for (const x of r.rejects.slice(0, maxRejects)) lines.push(`    ${x.position} ${x.field}: ${x.reason}`);
  const more = Math.max(0, r.rejects.length - maxRejects) + (r.moreRejects ?? 0);
  if (more > 0) lines.push(`    ... and ${more} more`);
  if (r.notices?.length) {
    lines.push(`  notices: ${r.notices.length}`);
    for (const n of r.notices.slice(0, maxRejects)) lines.push(`    ${n.position} ${n.field}: ${n.message}`);
    if (r.notices.length > maxRejects) lines.push(`    ... and ${r.notices.length - maxRejects} more`);
  }
  return lines.join('\n') + '\n';
}
