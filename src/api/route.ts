import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  operatorCapabilities,
  type EmployerCapability,
  type OperatorCapability,
} from '../domain/capabilities.js';
import type { AppContext, EmployerGrant } from './context.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The object a route touches, so the authorization layer can check employer and scope. */
export type AccessTarget =
  { employeeId: string } | { departmentId: string } | { employmentId: string } | { employerId: string };

/**
 * A route that acts within an employer: the capability it needs (from the role matrix) and how to
 * find what it touches from its parsed input. Without `target` the route acts on the employer as a
 * whole (lists, creation) and must filter by scope itself (`scope.ts` helpers).
 */
export interface EmployerRouteAccess<P = unknown, Q = unknown, B = unknown> {
  capability: EmployerCapability;
  target?: (input: { params: P; query: Q; body: B }) => AccessTarget | AccessTarget[] | undefined;
}

/**
 * Who may call a route:
 * - `public`: anyone (health probes, login steps);
 * - `operator`: the arbodienst operator;
 * - `account`: any logged-in user, for their own account (no employer needed);
 * - `{ capability: OperatorCapability }`: operator, or an API token holding it;
 * - `{ capability: EmployerCapability, target }`: a user or API token acting within an employer.
 */
export type RouteAccess<P = unknown, Q = unknown, B = unknown> =
  'public' | 'operator' | 'account' | { capability: OperatorCapability } | EmployerRouteAccess<P, Q, B>;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  ctx: AppContext;
  /** The employer the request acts within; set for employer-capability routes. */
  acting: EmployerGrant | undefined;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** A non-JSON body (already serialised) with its content type. */
  raw?: { contentType: string; data: string | Buffer };
}

/**
 * A valid request for this route, used by the generated role-matrix test and as the OpenAPI
 * example. Strings `{employeeId}`, `{departmentId}`, `{employmentId}`, `{employerId}`, `{userId}`
 * and `{unique}` are replaced by fitting values.
 */
export interface RouteExample {
  query?: Record<string, string>;
  body?: unknown;
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
  access: RouteAccess<P, Q, B>;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Content type of a raw request body (for uploads); JSON when omitted. */
  rawBody?: string;
  example?: RouteExample;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

/** Declares a route with inferred input types. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

/** True when the access declaration names an employer capability (acts within an employer). */
export function isEmployerAccess(access: RouteAccess): access is EmployerRouteAccess {
  return typeof access === 'object' && !isOperatorCapability(access.capability);
}

const operatorCapabilityNames: ReadonlySet<string> = new Set(operatorCapabilities);

function isOperatorCapability(cap: string): cap is OperatorCapability {
  return operatorCapabilityNames.has(cap);
}

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
