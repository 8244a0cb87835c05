import type { Config } from '../config.js';
import type { EmployerCapability, OperatorCapability } from '../domain/capabilities.js';
import type { LinkMode } from '../domain/employer.js';
import type { EmployerRole } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import type { Store } from '../store/db.js';
import type { Vault } from '../vault/vault.js';
import type { Mailer } from '../auth/mailer.js';
import type { Turn } from '../jobs/limit.js';

/** What every request handler may use; built once at start-up. */
export interface AppContext {
  config: Config;
  store: Store;
  vault: Vault;
  /** Outgoing account e-mail; built from the configuration when omitted. */
  mailer?: Mailer;
  /**
   * Turns shared by the sync runs the instance starts (`Runtime.syncTurn`); without it the app makes
   * its own of KOPPELING_SYNC_CONCURRENCY.
   */
  syncTurn?: Turn;
  /** The clock of login checks (sessions, one-time codes, validity periods); `new Date()` when omitted. */
  now?: () => Date;
}

export type Language = 'nl' | 'en';

/** The employer a request acts within (header `X-Employer: <code>`), and what the caller may do there. */
export interface EmployerGrant {
  employer: { id: string; code: string; linkMode: LinkMode };
  /** The user's role at this employer; absent for API tokens, which carry capabilities directly. */
  role?: EmployerRole;
  capabilities: ReadonlySet<EmployerCapability>;
  scope: Scope;
}

/**
 * Who is calling; set by authentication before any route handler runs.
 * - `operator`: the arbodienst (configured or stored operator token): operator capabilities only.
 * - `user`: a person logged in with password and second factor, acting within one employer.
 * - `api_token`: a machine client with a fixed set of capabilities, optionally bound to one employer.
 */
export type Principal =
  | { kind: 'operator'; tokenId: string }
  | {
      kind: 'user';
      userId: string;
      sessionId: string;
      language: Language;
      /** Absent when the request names no employer the user is active at. */
      acting?: EmployerGrant;
    }
  | {
      kind: 'api_token';
      tokenId: string;
      operatorCapabilities: ReadonlySet<OperatorCapability>;
      /** A token bound to one employer: its operator capabilities reach that employer only. */
      boundEmployerId?: string;
      acting?: EmployerGrant;
    };

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    principal?: Principal;
  }
}

/** The current time of the context's clock. */
export function nowOf(ctx: AppContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

/** Who did something, as recorded in audit events and run records (never a name or e-mail). */
export function actorOf(principal: Principal | undefined): {
  actorType: 'operator' | 'user' | 'api_token';
  actorId: string;
} {
  if (!principal) throw new Error('actorOf called on an unauthenticated request');
  if (principal.kind === 'user') return { actorType: 'user', actorId: principal.userId };
  return { actorType: principal.kind, actorId: principal.tokenId };
}
