import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { mapStoreError } from './errors.js';
import { saveScope, scopeOf } from './scope.js';
import type { Scope } from '../domain/scope.js';
import type { EmployerRole } from '../domain/roles.js';
import type { LinkMode } from '../domain/employer.js';

export type UserStatus = 'active' | 'expired' | 'pending';

export interface UserRow {
  id: string;
  login_name: string;
  first_name: string;
  last_name: string;
  gender: 'M' | 'V' | 'O' | null;
  email: string;
  phone: string | null;
  language: 'nl' | 'en';
  password_hash: string | null;
  totp_secret: string | null;
  totp_confirmed_at: Date | null;
  totp_last_step: number | null;
}

export interface MembershipRow {
  id: string;
  user_id: string;
  employer_id: string;
  role: EmployerRole;
  inherit_scope: boolean;
  valid_from: Date;
  valid_until: Date | null;
}

export interface NewUser {
  loginName: string;
  firstName: string;
  lastName: string;
  gender?: 'M' | 'V' | 'O' | undefined;
  email: string;
  phone?: string | undefined;
  language?: 'nl' | 'en' | undefined;
}

export interface NewMembership {
  employerId: string;
  role: EmployerRole;
  scope: Scope;
  validFrom?: Date | undefined;
  validUntil?: Date | undefined;
}

/** Status of an account at one employer: pending before its period or before a password is set. */
export function membershipStatus(m: MembershipRow, hasPassword: boolean, now: Date): UserStatus {
  if (m.valid_until && m.valid_until.getTime() <= now.getTime()) return 'expired';
  if (m.valid_from.getTime() > now.getTime() || !hasPassword) return 'pending';
  return 'active';
}

/** Creates a login with its first employer membership. */
export async function createUser(db: Db, user: NewUser, membership: NewMembership): Promise<string> {
  return inTransaction(db, async (trx) => {
    let id: string;
    try {
      [{ id }] = (await trx('users')
        .insert({
          login_name: user.loginName,
          first_name: user.firstName,
          last_name: user.lastName,
          gender: user.gender ?? null,
          email: user.email,
          phone: user.phone ?? null,
          language: user.language ?? 'nl',
        })
        .returning('id')) as [{ id: string }];
    } catch (err) {
      mapStoreError(err, 'user (login name already taken)');
    }
    await addMembership(trx, id, membership);
    return id;
  });
}

/** Gives an existing login a role at (another) employer (accounts koppelen). */
export async function addMembership(db: Db, userId: string, m: NewMembership): Promise<string> {
  return inTransaction(db, async (trx) => {
    let id: string;
    try {
      [{ id }] = (await trx('user_memberships')
        .insert({
          user_id: userId,
          employer_id: m.employerId,
          role: m.role,
          inherit_scope: m.scope.kind === 'employer',
          valid_from: m.validFrom ?? trx.fn.now(),
          valid_until: m.validUntil ?? null,
        })
        .returning('id')) as [{ id: string }];
    } catch (err) {
      mapStoreError(err, 'role at this employer (the user already has one)');
    }
    await saveScope(trx, id, m.scope);
    return id;
  });
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return (await db('users').where({ id }).first()) as UserRow | undefined;
}

export async function findUserByLogin(db: Db, loginName: string): Promise<UserRow | undefined> {
  return (await db('users').whereRaw('lower(login_name) = lower(?)', [loginName]).first()) as
    UserRow | undefined;
}

export interface ActiveMembership {
  membership: MembershipRow;
  employer: { id: string; code: string; linkMode: LinkMode };
  scope: Scope;
}

// The stored scope of membership `m` as two lists of ids (empty for a scope of the whole employer).
const scopeListsSql = `
  array(select d.department_id::text from user_scope_departments d where d.membership_id = m.id)
    as scope_department_ids,
  array(select s.employee_id::text from user_scope_employees s where s.membership_id = m.id)
    as scope_employee_ids`;

/**
 * SQL selecting the memberships of the user `userRef` (an SQL expression) that are within their
 * validity period at the time bound twice (`?`, `?`), with their employer and stored scope lists.
 */
export function activeMembershipsSql(userRef: string): string {
  return `
    select m.*, e.code as employer_code, e.link_mode as employer_link_mode, ${scopeListsSql}
    from user_memberships m join employers e on e.id = m.employer_id
    where m.user_id = ${userRef} and m.valid_from <= ? and (m.valid_until is null or m.valid_until > ?)
    order by e.code`;
}

/** A row of `activeMembershipsSql`, read directly or through JSON (timestamps then come as text). */
export interface ActiveMembershipRow extends Omit<MembershipRow, 'valid_from' | 'valid_until'> {
  valid_from: Date | string;
  valid_until: Date | string | null;
  employer_code: string;
  employer_link_mode: LinkMode;
  scope_department_ids: string[];
  scope_employee_ids: string[];
}

export function toActiveMembership(row: ActiveMembershipRow): ActiveMembership {
  const { employer_code, employer_link_mode, scope_department_ids, scope_employee_ids, ...m } = row;
  return {
    membership: {
      ...m,
      valid_from: new Date(m.valid_from),
      valid_until: m.valid_until === null ? null : new Date(m.valid_until),
    },
    employer: { id: m.employer_id, code: employer_code, linkMode: employer_link_mode },
    scope: scopeOf(m.inherit_scope, scope_department_ids, scope_employee_ids),
  };
}

/** Memberships of a user that are within their validity period now, with their employer and scope. */
export async function activeMemberships(db: Db, userId: string, now: Date): Promise<ActiveMembership[]> {
  const result = await db.raw(activeMembershipsSql('?'), [userId, now, now]);
  return (result.rows as ActiveMembershipRow[]).map(toActiveMembership);
}

export interface EmployerUser {
  user: UserRow;
  membership: MembershipRow;
  scope: Scope;
}

/** Memberships at this employer with their users and scopes, in two queries; of one user when given. */
async function employerUsers(db: Db, employerId: string, userId?: string): Promise<EmployerUser[]> {
  const memberships = (await db('user_memberships as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.employer_id', employerId)
    .modify((q) => {
      if (userId) q.where('m.user_id', userId);
    })
    .orderBy(['u.last_name', 'u.login_name'])
    .select('m.*', db.raw(scopeListsSql))) as Array<
    MembershipRow & { scope_department_ids: string[]; scope_employee_ids: string[] }
  >;
  if (memberships.length === 0) return [];
  const users = (await db('users').whereIn(
    'id',
    memberships.map((m) => m.user_id),
  )) as UserRow[];
  const byId = new Map(users.map((u) => [u.id, u]));
  return memberships.map(({ scope_department_ids, scope_employee_ids, ...membership }) => ({
    user: byId.get(membership.user_id)!,
    membership,
    scope: scopeOf(membership.inherit_scope, scope_department_ids, scope_employee_ids),
  }));
}

/** A user with their membership at this employer; undefined when they hold none there. */
export async function findEmployerUser(
  db: Db,
  employerId: string,
  userId: string,
): Promise<EmployerUser | undefined> {
  return (await employerUsers(db, employerId, userId))[0];
}

/** Every user holding a membership at this employer (also expired ones: users are never deleted). */
export async function listEmployerUsers(db: Db, employerId: string): Promise<EmployerUser[]> {
  return employerUsers(db, employerId);
}
