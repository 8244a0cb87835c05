import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import { todayIn } from '../domain/dates.js';
import { linkOwnsMasterData } from '../domain/employer.js';
import { roleNames } from '../domain/roles.js';
import type { OperatorCapability } from '../domain/capabilities.js';
import { t } from '../auth/messages.js';
import { departmentInScope, employeeInScope } from '../store/scope.js';
import { employerOfEmployee } from '../store/employees.js';
import { nowOf, type AppContext, type EmployerGrant } from './context.js';
import { requestLanguage } from './language.js';
import { isEmployerAccess, type AccessTarget, type RouteDef } from './route.js';

/**
 * First half of the one authorization layer, before the body is read: is the caller who the route
 * is for, and does their role (or token) hold the capability? Every route passes through here.
 */
export function requireAccess(route: RouteDef) {
  const access = route.access;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (access === 'public') return next();
    const lang = requestLanguage(req);
    const p = req.principal;
    if (!p) return next(new AppError('unauthorized', t(lang, 'unauthorized')));
    if (access === 'operator') {
      return next(p.kind === 'operator' ? undefined : new AppError('forbidden', t(lang, 'operatorOnly')));
    }
    if (access === 'account') {
      return next(p.kind === 'user' ? undefined : new AppError('forbidden', t(lang, 'accountOnly')));
    }
    if (!isEmployerAccess(access)) {
      const allowed =
        p.kind === 'operator' ||
        (p.kind === 'api_token' && p.operatorCapabilities.has(access.capability as OperatorCapability));
      return next(allowed ? undefined : new AppError('forbidden', t(lang, 'operatorOnly')));
    }
    if (p.kind === 'operator') return next(new AppError('forbidden', t(lang, 'noEmployer')));
    if (!p.acting) return next(new AppError('forbidden', t(lang, 'noEmployer')));
    if (!p.acting.capabilities.has(access.capability)) {
      const role = p.acting.role ? roleNames[p.acting.role][lang] : 'API token';
      return next(
        new AppError('forbidden', t(lang, 'missingCapability', { role, capability: access.capability }), {
          capability: access.capability,
        }),
      );
    }
    next();
  };
}

/**
 * Whether the caller's operator capabilities reach this employer: everyone's do, except a machine
 * token bound to another employer. For such a token other employers do not exist: callers answer
 * 404, as for an unknown one, so a bound token learns nothing of them.
 */
export function reaches(p: Request['principal'], employerId: string): boolean {
  return p?.kind !== 'api_token' || p.boundEmployerId === undefined || p.boundEmployerId === employerId;
}

const targetLabels = {
  employeeId: { nl: 'werknemer', en: 'employee' },
  departmentId: { nl: 'afdeling', en: 'department' },
  employmentId: { nl: 'dienstverband', en: 'employment' },
  employerId: { nl: 'werkgever', en: 'employer' },
} as const;

async function checkTarget(
  ctx: AppContext,
  req: Request,
  grant: EmployerGrant,
  target: AccessTarget,
): Promise<void> {
  const lang = requestLanguage(req);
  const db = ctx.store.db;
  const employerId = grant.employer.id;
  const [key, id] = Object.entries(target)[0] as [keyof typeof targetLabels, string];
  // Objects of another employer (or none) answer 404: their existence is not revealed.
  const notFound = () => new AppError('not_found', t(lang, 'notFound', { what: targetLabels[key][lang] }));
  const today = todayIn(ctx.config.timezone, nowOf(ctx));
  if (key === 'employerId') {
    if (id !== employerId) throw notFound();
    return;
  }
  if (key === 'departmentId') {
    const row = await db('departments').where({ id, employer_id: employerId }).first('id');
    if (!row) throw notFound();
    if (!(await departmentInScope(db, employerId, grant.scope, id))) {
      throw new AppError('forbidden', t(lang, 'outOfScope'));
    }
    return;
  }
  let employeeId = id;
  if (key === 'employmentId') {
    const row = (await db('employments').where({ id, employer_id: employerId }).first('employee_id')) as
      { employee_id: string } | undefined;
    if (!row) throw notFound();
    employeeId = row.employee_id;
  } else if ((await employerOfEmployee(db, id, employerId)) !== employerId) {
    throw notFound();
  }
  if (!(await employeeInScope(db, employerId, grant.scope, employeeId, today))) {
    throw new AppError('forbidden', t(lang, 'outOfScope'));
  }
}

/**
 * Second half, after input is parsed: the objects the route touches belong to the employer (404
 * otherwise) and lie within the caller's scope (403), and a linked employer's master data is not
 * edited by hand (409). Returns the grant the handler acts with.
 */
export async function authorizeInput(
  ctx: AppContext,
  req: Request,
  route: RouteDef,
  input: { params: unknown; query: unknown; body: unknown },
): Promise<EmployerGrant | undefined> {
  if (!isEmployerAccess(route.access)) return undefined;
  const p = req.principal;
  const grant = p && p.kind !== 'operator' ? p.acting : undefined;
  if (!grant) throw new AppError('forbidden', t(requestLanguage(req), 'noEmployer'));
  const declared = route.access.target?.(input);
  const targets = declared === undefined ? [] : Array.isArray(declared) ? declared : [declared];
  for (const target of targets) await checkTarget(ctx, req, grant, target);
  if (route.access.capability === 'masterdata.edit' && linkOwnsMasterData(grant.employer.linkMode)) {
    throw new AppError('link_owns_data', t(requestLanguage(req), 'linkOwnsData'));
  }
  return grant;
}
