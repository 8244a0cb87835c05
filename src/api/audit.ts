import type { Request } from 'express';
import type { Db } from '../store/db.js';
import { auditEvent } from '../store/audit.js';

/** Writes who did what to an account or token into the audit trail (never passwords, tokens or codes). */
export async function auditAccountEvent(
  db: Db,
  req: Request,
  event: {
    action: string;
    entityType: 'user' | 'api_token';
    entityId: string;
    employerId?: string;
    details?: object;
  },
): Promise<void> {
  const p = req.principal;
  await auditEvent(db, {
    actor: { type: p?.kind ?? 'system', id: p ? (p.kind === 'user' ? p.userId : p.tokenId) : null },
    employerId: event.employerId ?? null,
    action: event.action,
    entity: { type: event.entityType, id: event.entityId },
    requestId: req.id ?? null,
    details: event.details ?? {},
  });
}
