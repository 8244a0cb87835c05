import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import { constantTimeEqual } from '../vault/crypto.js';
import { findLiveToken, hashToken } from '../store/tokens.js';
import type { AppContext } from './context.js';

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Resolves the caller from the bearer token: the configured operator token or a stored, live one. */
export function authenticate(ctx: AppContext) {
  const configuredHash = ctx.config.adminToken ? hashToken(ctx.config.adminToken) : undefined;
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    if (!token) return next();
    if (configuredHash && constantTimeEqual(hashToken(token), configuredHash)) {
      req.principal = { kind: 'operator', tokenId: 'configured' };
      return next();
    }
    const row = await findLiveToken(ctx.store.db, token);
    if (row?.kind === 'operator') req.principal = { kind: 'operator', tokenId: row.id };
    next();
  };
}

/** Refuses a request without a principal that may use a route of this access level. */
export function requireAccess(access: 'public' | 'operator') {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (access === 'public') return next();
    if (!req.principal) {
      return next(new AppError('unauthorized', 'Authentication required: send a valid bearer token.'));
    }
    if (access === 'operator' && req.principal.kind !== 'operator') {
      return next(new AppError('forbidden', 'This route is for arbodienst operators.'));
    }
    next();
  };
}
