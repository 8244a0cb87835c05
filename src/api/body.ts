import type { Request } from 'express';

/** Whether a request carries a body: chunked, or with a content length above 0. */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
