import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/db.js';
import type { RouteDef } from '../../src/api/route.js';
import { addMembership, createUser } from '../../src/store/users.js';
import { createMachineToken } from '../../src/store/tokens.js';
import { addDepartment, addEmployee } from './org.js';
import { absenceFixture, reportDays, type AbsenceFixture } from './absence-fixture.js';

/** Fresh objects for one request: where they live decides the situation (own scope, other department, ...). */
export interface Fixture extends AbsenceFixture {
  employerId: string;
  departmentId: string;
  employeeId: string;
  employmentId: string;
  userId: string;
  tokenId: string;
  unique: string;
}

/**
 * Makes fresh objects under `baseDepartmentId` (only those of `kinds`, when given): an empty
 * sub-department, an employee employed in the base department, a user (absence reporter) at the
 * employer, a machine token.
 */
export async function freshFixture(
  store: Store,
  employerId: string,
  baseDepartmentId: string,
  kinds?: ReadonlySet<string>,
): Promise<Fixture> {
  const needs = (kind: string) => !kinds || kinds.has(kind);
  const unique = randomBytes(4).toString('hex');
  // Absence objects live on an employee, so any of them brings the employee along.
  const needsEmployee = ['employeeId', 'employmentId', 'caseId', 'taskId', 'pregnancyId'].some(needs);
  const departmentId = needs('departmentId')
    ? await addDepartment(store, employerId, baseDepartmentId)
    : 'none';
  const { employeeId, employmentId } = needsEmployee
    ? await addEmployee(store, employerId, baseDepartmentId)
    : { employeeId: 'none', employmentId: 'none' };
  const userId = needs('userId')
    ? await createUser(
        store.db,
        {
          loginName: `target-${unique}`,
          firstName: 'Doel',
          lastName: 'Gebruiker',
          email: `t-${unique}@example.nl`,
        },
        // The target user sees the situation's department: in another department, a department's
        // superuser cannot change them.
        {
          employerId,
          role: 'absence_reporter',
          scope: { kind: 'units', departmentIds: [baseDepartmentId], employeeIds: [] },
        },
      )
    : 'none';
  const tokenId = needs('tokenId')
    ? (
        await createMachineToken(store.db, {
          name: `fixture ${unique}`,
          capabilities: ['syncruns.view'],
          createdBy: 'test',
        })
      ).id
    : 'none';
  const absence = needsEmployee
    ? await absenceFixture(store, employerId, employeeId, unique)
    : {
        caseId: 'none',
        taskId: 'none',
        pregnancyId: 'none',
        pregnancyLastWorkingDay: 'none',
        ...reportDays(),
      };
  return { employerId, departmentId, employeeId, employmentId, userId, tokenId, unique, ...absence };
}

/** Path parameters the matrix knows how to fill; a route with another parameter is not covered. */
export const knownParams: ReadonlySet<string> = new Set([
  'employeeId',
  'departmentId',
  'employmentId',
  'userId',
  'tokenId',
  'caseId',
  'taskId',
  'pregnancyId',
]);

/** Kinds of objects whose ids a route's path or example body carries. */
export function touchedKinds(route: RouteDef): Set<string> {
  const kinds = new Set<string>();
  for (const m of route.path.matchAll(/:([A-Za-z]+)/g)) kinds.add(m[1]!);
  const text = JSON.stringify(route.example?.body ?? null);
  for (const m of text.matchAll(/\{(employeeId|departmentId|employmentId|userId|employerId)\}/g))
    kinds.add(m[1]!);
  return kinds;
}

function fill(value: unknown, f: Fixture): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{(\w+)\}/g, (m, k: string) => (k in f ? String(f[k as keyof Fixture]) : m));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, f));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, f)]));
  }
  return value;
}

/** The concrete request for a route with this fixture. */
export function requestFor(route: RouteDef, f: Fixture): { path: string; body?: unknown; query: string } {
  const path = route.path.replace(/:([A-Za-z]+)/g, (_m, k: string) => String(f[k as keyof Fixture] ?? k));
  const q = route.example?.query ? fill(route.example.query, f) : undefined;
  const query = q ? `?${new URLSearchParams(q as Record<string, string>).toString()}` : '';
  return route.example?.body !== undefined
    ? { path, body: fill(route.example.body, f), query }
    : { path, query };
}

/** Adds a second employer's membership to a login (accounts linked to one login name). */
export async function linkLogin(
  store: Store,
  userId: string,
  employerId: string,
  role: Parameters<typeof addMembership>[2]['role'],
  departmentIds: string[],
): Promise<void> {
  await addMembership(store.db, userId, {
    employerId,
    role,
    scope: { kind: 'units', departmentIds, employeeIds: [] },
  });
}
