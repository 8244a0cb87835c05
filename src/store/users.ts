import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { mapStoreError } from './errors.js';
import { loadScope, saveScope } from './scope.js';
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

export async function findMembership(
  db: Db,
  userId: string,
  employerId: string,
): Promise<MembershipRow | undefined> {
  return (await db('user_memberships').where({ user_id: userId, employer_id: employerId }).first()) as
    MembershipRow | undefined;
}

export interface ActiveMembership {
  membership: MembershipRow;
  employer: { id: string; code: string; linkMode: LinkMode };
  scope: Scope;
}

/** Memberships of a user that are within their validity period now, with their employer. */
export async function activeMemberships(db: Db, userId: string, now: Date): Promise<ActiveMembership[]> {
  const rows = (await db('user_memberships as m')
    .join('employers as e', 'e.id', 'm.employer_id')
    .where('m.user_id', userId)
    .where('m.valid_from', '<=', now)
    .where((q) => q.whereNull('m.valid_until').orWhere('m.valid_until', '>', now))
    .select('m.*', 'e.code as employer_code', 'e.link_mode as employer_link_mode')
    .orderBy('e.code')) as Array<MembershipRow & { employer_code: string; employer_link_mode: LinkMode }>;
  const result: ActiveMembership[] = [];
  for (const row of rows) {
    result.push({
      membership: row,
      employer: { id: row.employer_id, code: row.employer_code, linkMode: row.employer_link_mode },
      scope: await loadScope(db, row.id, row.inherit_scope),
    });
  }
  return result;
}

export interface EmployerUser {
  user: UserRow;
  membership: MembershipRow;
  scope: Scope;
}

/** A user with their membership at this employer; undefined when they hold none there. */
export async function findEmployerUser(
  db: Db,
  employerId: string,
  userId: string,
): Promise<EmployerUser | undefined> {
  const membership = await findMembership(db, userId, employerId);
  const user = membership && (await findUserById(db, userId));
  if (!membership || !user) return undefined;
  return { user, membership, scope: await loadScope(db, membership.id, membership.inherit_scope) };
}

/** Every user holding a membership at this employer (also expired ones: users are never deleted). */
export async function listEmployerUsers(db: Db, employerId: string): Promise<EmployerUser[]> {
  const rows = (await db('user_memberships as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.employer_id', employerId)
    .orderBy(['u.last_name', 'u.login_name'])
    .select('m.user_id')) as Array<{ user_id: string }>;
  const result: EmployerUser[] = [];
  for (const row of rows) {
    const found = await findEmployerUser(db, employerId, row.user_id);
    if (found) result.push(found);
  }
  return result;
}
