import { AppError } from '../errors.js';
import { todayIn } from '../domain/dates.js';
import { withoutDossierFacts } from '../domain/absence.js';
import type { Actor, UseCaseContext } from '../absence/records.js';
import { employeeIdsInScope } from '../store/scope.js';
import { nowOf, type EmployerGrant } from './context.js';
import type { RouteInput } from './route.js';

type Input = Pick<RouteInput<unknown, unknown, unknown>, 'req' | 'ctx' | 'acting'>;

/** Today in the configured time zone, by the context's clock. */
export function todayOf(input: Pick<Input, 'ctx'>): string {
  return todayIn(input.ctx.config.timezone, nowOf(input.ctx));
}

/** The grant of an employer-capability route; the authorization layer has always set it. */
export function grantOf(input: Input): EmployerGrant {
  if (!input.acting) throw new AppError('forbidden', 'No employer to act within.');
  return input.acting;
}

/** Who is acting, as stored in report histories and the audit trail. */
export function actorOf(input: Input): Actor {
  const p = input.req.principal;
  if (p?.kind === 'user') return { type: 'user', id: p.userId };
  if (p?.kind === 'api_token') return { type: 'api_token', id: p.tokenId };
  throw new AppError('forbidden', 'Reports are made by users or API tokens acting within an employer.');
}

/** The context a use case runs with for this request. */
export function useCaseOf(input: Input): UseCaseContext {
  return {
    db: input.ctx.store.db,
    actor: actorOf(input),
    today: todayOf(input),
    timeZone: input.ctx.config.timezone,
    seesDossier: seesDossier(input),
  };
}

/** Whether the caller's role may view dossiers (a reporting-only role may not). */
function seesDossier(input: Input): boolean {
  return grantOf(input).capabilities.has('dossier.view');
}

/**
 * A report by a role that may report but not see dossiers (an absence reporter, a superuser linked
 * for sick and recovery reports only): its refusals leave out the case's facts
 * (`withoutDossierFacts`) and its answer is `reduce`d to what the report itself said.
 */
export async function asReporter<T>(
  input: Input,
  report: () => Promise<T>,
  reduce: (result: T) => T,
): Promise<T> {
  if (seesDossier(input)) return report();
  let result: T;
  try {
    result = await report();
  } catch (err) {
    throw withoutDossierFacts(err);
  }
  return reduce(result);
}

/** A subquery of the employee ids the caller may see at the acting employer. */
export function scopeQuery(input: Input) {
  const grant = grantOf(input);
  return employeeIdsInScope(input.ctx.store.db, grant.employer.id, grant.scope, todayOf(input));
}
