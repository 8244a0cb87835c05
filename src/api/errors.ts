import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { AppError, toAppError } from '../errors.js';
import { log } from '../log.js';
import { StoreRuleViolation } from '../store/errors.js';

/** Describes zod issues as `{path, message}` pairs a client can show next to the right field. */
export function zodDetails(err: ZodError): Array<{ path: string; message: string }> {
  return err.issues.map((i) => ({
    path: i.path.join('.') || '(root)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

function classify(err: unknown): AppError {
  if (err instanceof ZodError)
    return new AppError('validation_failed', 'The request is not valid.', zodDetails(err));
  const bp = err as BodyParserError;
  if (bp?.type === 'entity.too.large')
    return new AppError('payload_too_large', 'The request body is too large.');
  if (bp?.type === 'entity.parse.failed')
    return new AppError('bad_request', 'The request body is not valid JSON.');
  if (bp?.type === 'encoding.unsupported' || bp?.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'The request body encoding is not supported.');
  }
  return toAppError(err);
}

/** The one error handler: JSON `{error:{code,message,details}}`, 4xx logged as warnings, 5xx as errors. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = classify(err);
  const fields = {
    requestId: req.id,
    method: req.method,
    path: req.path,
    status: appError.status,
    code: appError.code,
  };
  if (appError.status >= 500) {
    log.error('request failed', { ...fields, err: appError.cause ?? appError });
  } else {
    // The name of a database rule helps whoever reads the log; the row values it quotes stay out.
    const rule = appError.cause instanceof StoreRuleViolation ? appError.cause.constraint : undefined;
    log.warn('request refused', { ...fields, reason: appError.message, ...(rule ? { rule } : {}) });
  }
  if (res.headersSent) return;
  res.status(appError.status).json({
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details !== undefined && appError.status < 500 ? { details: appError.details } : {}),
    },
  });
}

/** Unknown paths answer 401 to anonymous callers (no route enumeration) and 404 to authenticated ones. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  if (!req.principal)
    return next(new AppError('unauthorized', 'Authentication required: send a valid bearer token.'));
  next(new AppError('not_found', `No route ${req.method} ${req.path}.`));
}
