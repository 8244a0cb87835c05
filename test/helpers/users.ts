import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/db.js';
import type { Config } from '../../src/config.js';
import type { EmployerRole } from '../../src/domain/roles.js';
import type { Scope } from '../../src/domain/scope.js';
import { addMembership, createUser, findUserByLogin } from '../../src/store/users.js';
import { createSession } from '../../src/store/sessions.js';

export interface TestUser {
  userId: string;
  loginName: string;
  /** Bearer token of a live session (as after password + second factor). */
  token: string;
  sessionId: string;
}

export interface TestUserOptions {
  employerId: string;
  role: EmployerRole;
  /** Whole employer when omitted. */
  scope?: Scope;
  loginName?: string;
  validFrom?: Date;
  validUntil?: Date;
}

/**
 * Creates a user with a role and scope at one employer (or adds the membership when the login
 * name exists, as for a login linked to several employers) and starts a session for it.
 * Send the token as `Authorization: Bearer` and the employer code as `X-Employer`.
 */
export async function createTestUser(
  store: Store,
  config: Pick<Config, 'sessionHours' | 'sessionIdleMinutes'>,
  options: TestUserOptions,
  now: Date = new Date(),
): Promise<TestUser> {
  const loginName = options.loginName ?? `user-${randomBytes(5).toString('hex')}`;
  const membership = {
    employerId: options.employerId,
    role: options.role,
    scope: options.scope ?? { kind: 'employer' as const },
    validFrom: options.validFrom ?? new Date(now.getTime() - 60_000),
    validUntil: options.validUntil,
  };
  const existing = await findUserByLogin(store.db, loginName);
  let userId: string;
  if (existing) {
    userId = existing.id;
    await addMembership(store.db, userId, membership);
  } else {
    userId = await createUser(
      store.db,
      { loginName, firstName: 'Test', lastName: loginName, email: `${loginName}@example.nl` },
      membership,
    );
  }
  const session = await createSession(
    store.db,
    userId,
    { hours: config.sessionHours, idleMinutes: config.sessionIdleMinutes },
    now,
  );
  return { userId, loginName, token: session.token, sessionId: session.id };
}

/** Headers for a request as this user within the employer with this code. */
export function asUser(
  user: TestUser,
  employerCode?: string,
): { token: string; headers: Record<string, string> } {
  return { token: user.token, headers: employerCode ? { 'x-employer': employerCode } : {} };
}
