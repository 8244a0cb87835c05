import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from './context.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: anyone (health probes), or an authenticated operator. */
export type RouteAccess = 'public' | 'operator';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  ctx: AppContext;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** A non-JSON body (already serialised) with its content type. */
  raw?: { contentType: string; data: string | Buffer };
}

/**
 * One HTTP route: its schemas (validated at the edge and published in the OpenAPI document), who may
 * call it, and a handler that receives parsed input only.
 */
export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** Express-style path, e.g. `/api/v1/employers/:code`. */
  path: string;
  summary: string;
  tag: string;
  access: RouteAccess;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Content type of a raw request body (for uploads); JSON when omitted. */
  rawBody?: string;
  /** With `rawBody`: the handler reads the request stream itself (large uploads never sit in memory). */
  streamBody?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

/** Declares a route with inferred input types. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
