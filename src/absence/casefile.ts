import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { inTransaction } from '../store/db.js';
import { noteInputSchema, type NoteInput } from './schemas.js';
import { auditEvent } from '../store/audit.js';
import { insertNote, noMedicalDataWarning, requireEmployee, type UseCaseContext } from './records.js';

export interface NoteView {
  id: string;
  text: string;
  absenceCaseId: string | null;
  pregnancyCaseId: string | null;
  authorType: string;
  authorId: string;
  createdAt: string;
}

/** Adds a note to an employee's case file; the audit trail records that a note was added, not its text. */
export async function addNote(
  ctx: UseCaseContext,
  employeeId: string,
  raw: NoteInput,
): Promise<{ noteId: string; warnings: string[] }> {
  const input = noteInputSchema.parse(raw);
  return inTransaction(ctx.db, async (trx) => {
    const employee = await requireEmployee(trx, employeeId);
    for (const [table, id] of [
      ['absence_cases', input.absenceCaseId],
      ['pregnancy_cases', input.pregnancyCaseId],
    ] as const) {
      if (id && !(await trx(table).where({ id, employee_id: employeeId }).first('id'))) {
        throw new AppError('not_found', `No case ${id} for employee ${employeeId}.`);
      }
    }
    const [{ id: noteId }] = (await insertNote(
      trx,
      ctx.actor,
      {
        employerId: employee.employerId,
        employeeId,
        ...(input.absenceCaseId ? { absenceCaseId: input.absenceCaseId } : {}),
        ...(input.pregnancyCaseId ? { pregnancyCaseId: input.pregnancyCaseId } : {}),
      },
      input.text,
    )) as [{ id: string }];
    await auditEvent(trx, {
      actor: ctx.actor,
      employerId: employee.employerId,
      action: 'casefile.note_added',
      entity: { type: 'note', id: noteId },
    });
    return { noteId, warnings: [noMedicalDataWarning] };
  });
}

/** The notes of an employee's case file, newest first. */
export async function notesOfEmployee(db: Knex, employeeId: string): Promise<NoteView[]> {
  const rows = (await db('casefile_notes')
    .where({ employee_id: employeeId })
    .orderBy('created_at', 'desc')
    .orderBy('id')) as Array<{
    id: string;
    text: string;
    absence_case_id: string | null;
    pregnancy_case_id: string | null;
    author_type: string;
    author_id: string;
    created_at: Date;
  }>;
  return rows.map((r) => ({
    id: r.id,
    text: r.text,
    absenceCaseId: r.absence_case_id,
    pregnancyCaseId: r.pregnancy_case_id,
    authorType: r.author_type,
    authorId: r.author_id,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
