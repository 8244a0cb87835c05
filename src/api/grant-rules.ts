import { AppError } from '../errors.js';
import { t } from '../auth/messages.js';
import { todayIn } from '../domain/dates.js';
import { roleCapabilities, roleNames, type EmployerRole } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import { departmentInScope, employeeInScope } from '../store/scope.js';
import { nowOf, type AppContext, type EmployerGrant, type Language } from './context.js';

/** Nobody hands out a role with a capability they do not hold themselves. */
export function assertRoleWithin(role: EmployerRole, grant: EmployerGrant, lang: Language): void {
  if ([...roleCapabilities[role]].some((cap) => !grant.capabilities.has(cap))) {
    const own = grant.role ? roleNames[grant.role][lang] : 'API token';
    throw new AppError('forbidden', t(lang, 'roleTooHigh', { role: own }));
  }
}

/** Scope ids must be of this employer (404 otherwise) and within the granter's own scope (403). */
export async function assertScopeWithin(
  ctx: AppContext,
  scope: Scope,
  grant: EmployerGrant,
  lang: Language,
): Promise<void> {
  const db = ctx.store.db;
  const employerId = grant.employer.id;
  if (scope.kind === 'employer') {
    if (grant.scope.kind !== 'employer') throw new AppError('forbidden', t(lang, 'scopeTooWide'));
    return;
  }
  const today = todayIn(ctx.config.timezone, nowOf(ctx));
  const ownDepartments = await db('departments')
    .where({ employer_id: employerId })
    .whereIn('id', scope.departmentIds)
    .pluck('id');
  const ownEmployees = await db('employees')
    .where({ employer_id: employerId })
    .whereIn('id', scope.employeeIds)
    .pluck('id');
  if (
    ownDepartments.length !== scope.departmentIds.length ||
    ownEmployees.length !== scope.employeeIds.length
  ) {
    throw new AppError(
      'not_found',
      t(lang, 'notFound', { what: lang === 'nl' ? 'afdeling of werknemer' : 'department or employee' }),
    );
  }
  for (const id of scope.departmentIds) {
    if (!(await departmentInScope(db, employerId, grant.scope, id)))
      throw new AppError('forbidden', t(lang, 'scopeTooWide'));
  }
  for (const id of scope.employeeIds) {
    if (!(await employeeInScope(db, employerId, grant.scope, id, today)))
      throw new AppError('forbidden', t(lang, 'scopeTooWide'));
  }
}

/**
 * Nobody changes a user who holds more than they do: neither a higher role nor a wider scope (a
 * department's superuser cannot promote, reactivate or deactivate an employer-wide user).
 */
export async function assertManageable(
  ctx: AppContext,
  target: { membership: { role: EmployerRole }; scope: Scope },
  grant: EmployerGrant,
  lang: Language,
): Promise<void> {
  assertRoleWithin(target.membership.role, grant, lang);
  await assertScopeWithin(ctx, target.scope, grant, lang);
}
