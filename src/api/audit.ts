import type { Request } from 'express';
import type { Db } from '../store/db.js';

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
  await db('audit_events').insert({
    actor_type: p?.kind ?? 'system',
    actor_id: p ? (p.kind === 'user' ? p.userId : p.tokenId) : null,
    employer_id: event.employerId ?? null,
    action: event.action,
    entity_type: event.entityType,
    entity_id: event.entityId,
    request_id: req.id ?? null,
    details: JSON.stringify(event.details ?? {}),
  });
}
