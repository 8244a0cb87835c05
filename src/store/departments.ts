import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { mapStoreError } from './errors.js';
import { AppError } from '../errors.js';
import { findDepartmentCycle } from '../domain/department.js';

export interface DepartmentView {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  archived: boolean;
}

interface DepartmentRow {
  id: string;
  code: string;
  name: string;
  parent_id: string | null;
  archived_at: Date | null;
}

function toView(r: DepartmentRow): DepartmentView {
  return { id: r.id, code: r.code, name: r.name, parentId: r.parent_id, archived: r.archived_at !== null };
}

/** Refuses a new parent that would make the tree cyclic, naming the codes of the cycle. */
async function assertNoCycle(
  db: Db,
  employerId: string,
  departmentId: string,
  parentId: string,
): Promise<void> {
  const rows = (await db('departments')
    .where({ employer_id: employerId })
    .select('id', 'code', 'parent_id')) as DepartmentRow[];
  const codeOf = new Map(rows.map((r) => [r.id, r.code]));
  const nodes = rows.map((r) => ({
    code: r.code,
    parentCode:
      r.id === departmentId ? codeOf.get(parentId) : r.parent_id ? codeOf.get(r.parent_id) : undefined,
  }));
  const cycle = findDepartmentCycle(nodes);
  if (cycle) {
    throw new AppError(
      'validation_failed',
      `This parent would make a cycle in the department tree: ${cycle.join(' > ')}.`,
      [{ path: 'parentId', message: 'a department cannot be below itself' }],
    );
  }
}

/** Creates a department, optionally under a parent of the same employer. */
export async function createDepartment(
  db: Db,
  employerId: string,
  input: { code: string; name: string; parentId?: string | undefined },
): Promise<DepartmentView> {
  try {
    const [row] = (await db('departments')
      .insert({
        employer_id: employerId,
        code: input.code,
        name: input.name,
        parent_id: input.parentId ?? null,
      })
      .returning('*')) as [DepartmentRow];
    return toView(row);
  } catch (err) {
    mapStoreError(err, 'department (its code is already used at this employer)');
  }
}

/** Renames or re-hangs a department; the deferred trigger checks the tree again at commit. */
export async function editDepartment(
  db: Db,
  employerId: string,
  id: string,
  input: { name?: string | undefined; parentId?: string | null | undefined },
): Promise<DepartmentView> {
  return inTransaction(db, async (trx) => {
    if (input.parentId) await assertNoCycle(trx, employerId, id, input.parentId);
    try {
      const [row] = (await trx('departments')
        .where({ id, employer_id: employerId })
        .update({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.parentId !== undefined ? { parent_id: input.parentId } : {}),
          updated_at: trx.fn.now(),
        })
        .returning('*')) as [DepartmentRow];
      return toView(row);
    } catch (err) {
      mapStoreError(err, 'department');
    }
  });
}

/** Archives (or reactivates) a department; archiving waits until no current employee is in it. */
export async function setDepartmentArchived(
  db: Db,
  employerId: string,
  id: string,
  archived: boolean,
  today: string,
): Promise<DepartmentView> {
  if (archived) {
    const current = await db('employment_versions')
      .where({ department_id: id })
      .where('valid_from', '<=', today)
      .where((q) => q.whereNull('valid_to').orWhere('valid_to', '>=', today))
      .first('id');
    if (current) {
      throw new AppError(
        'conflict',
        'The department still has current employees; move them or end their employments first.',
      );
    }
  }
  const [row] = (await db('departments')
    .where({ id, employer_id: employerId })
    .update({ archived_at: archived ? db.fn.now() : null, updated_at: db.fn.now() })
    .returning('*')) as [DepartmentRow];
  return toView(row);
}

/** Departments of an employer (all, or only these ids). */
export async function listDepartments(
  db: Db,
  employerId: string,
  ids?: readonly string[],
): Promise<DepartmentView[]> {
  const q = db('departments').where({ employer_id: employerId }).orderBy('code');
  if (ids) q.whereIn('id', ids);
  return ((await q) as DepartmentRow[]).map(toView);
}
