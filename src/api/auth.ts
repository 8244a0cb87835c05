import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../vault/crypto.js';
import { findLiveToken, hashToken, type TokenRow } from '../store/tokens.js';
import { findLiveSession, type LiveSession } from '../store/sessions.js';
import { findEmployerByCode, findEmployerById } from '../store/employers.js';
import {
  employerCapabilities,
  operatorCapabilities,
  type EmployerCapability,
  type OperatorCapability,
} from '../domain/capabilities.js';
import { roleCapabilities } from '../domain/roles.js';
import { nowOf, type AppContext, type EmployerGrant, type Principal } from './context.js';

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The employer code named by the request (header `X-Employer`). */
export function requestedEmployer(req: Request): string | undefined {
  const value = req.header('x-employer');
  return value && /^[a-z0-9][a-z0-9_-]{0,39}$/.test(value) ? value : undefined;
}

function userPrincipal(req: Request, session: LiveSession): Principal | undefined {
  const memberships = session.memberships;
  // An expired user (no employer where the account is valid now) cannot use a session.
  if (memberships.length === 0) return undefined;
  const code = requestedEmployer(req);
  const chosen = code
    ? memberships.find((m) => m.employer.code === code)
    : memberships.length === 1
      ? memberships[0]
      : undefined;
  const acting: EmployerGrant | undefined = chosen && {
    employer: chosen.employer,
    role: chosen.membership.role,
    capabilities: roleCapabilities[chosen.membership.role],
    scope: chosen.scope,
  };
  return {
    kind: 'user',
    userId: session.userId,
    sessionId: session.id,
    language: session.language,
    ...(acting ? { acting } : {}),
  };
}

async function machinePrincipal(ctx: AppContext, req: Request, row: TokenRow): Promise<Principal> {
  const caps = new Set(row.capabilities);
  const employerCaps = new Set(employerCapabilities.filter((c) => caps.has(c)) as EmployerCapability[]);
  const operatorCaps = new Set(operatorCapabilities.filter((c) => caps.has(c)) as OperatorCapability[]);
  let acting: EmployerGrant | undefined;
  if (employerCaps.size > 0) {
    const code = requestedEmployer(req);
    const employer = row.employer_id
      ? await findEmployerById(ctx.store.db, row.employer_id)
      : code
        ? await findEmployerByCode(ctx.store.db, code)
        : undefined;
    // A token bound to one employer acts only there, whatever the header says.
    if (employer && (!code || code === employer.code)) {
      acting = {
        employer: { id: employer.id, code: employer.code, linkMode: employer.linkMode },
        capabilities: employerCaps,
        scope: { kind: 'employer' },
      };
    }
  }
  return {
    kind: 'api_token',
    tokenId: row.id,
    operatorCapabilities: operatorCaps,
    ...(row.employer_id ? { boundEmployerId: row.employer_id } : {}),
    ...(acting ? { acting } : {}),
  };
}

/**
 * Requests that arrive while a lookup for the same token is running share its answer, as if they
 * had come a moment earlier; nothing is kept once the lookup has answered, so a revoked session or
 * a changed role counts from the next lookup on.
 */
export function sharedWhileRunning<T>(lookup: (token: string) => Promise<T>): (token: string) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (token) => {
    let pending = running.get(token);
    if (!pending) {
      pending = lookup(token).finally(() => running.delete(token));
      running.set(token, pending);
    }
    return pending;
  };
}

/**
 * Resolves the caller from the bearer token: the configured operator token, a stored operator or
 * machine token, or a user session; and for users and machine tokens the employer the request acts within.
 */
export function authenticate(ctx: AppContext) {
  const configuredHash = ctx.config.adminToken ? hashToken(ctx.config.adminToken) : undefined;
  const policy = { hours: ctx.config.sessionHours, idleMinutes: ctx.config.sessionIdleMinutes };
  const liveSession = sharedWhileRunning((token: string) =>
    findLiveSession(ctx.store.db, token, policy, nowOf(ctx)),
  );
  const liveToken = sharedWhileRunning((token: string) => findLiveToken(ctx.store.db, token, nowOf(ctx)));
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      const token = bearerToken(req);
      if (!token) return next();
      if (configuredHash && constantTimeEqual(hashToken(token), configuredHash)) {
        req.principal = { kind: 'operator', tokenId: 'configured' };
        return next();
      }
      if (token.startsWith('kps_')) {
        const session = await liveSession(token);
        const principal = session && userPrincipal(req, session);
        if (principal) req.principal = principal;
        return next();
      }
      const row = await liveToken(token);
      if (row?.kind === 'operator') req.principal = { kind: 'operator', tokenId: row.id };
      else if (row?.kind === 'machine') req.principal = await machinePrincipal(ctx, req, row);
      next();
    } catch (err) {
      next(err);
    }
  };
}
