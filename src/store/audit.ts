import type { Knex } from 'knex';

/** One entry of the audit trail: who did what to which object. Details hold kinds, dates and ids only. */
export interface AuditEvent {
  actor: { type: string; id: string | null };
  employerId?: string | null;
  action: string;
  entity: { type: string; id: string };
  requestId?: string | null;
  details?: object;
}

/**
 * Writes an audit event: to await, or to add to a write batch. Never passwords, tokens, codes, note
 * text or vault values.
 */
export function auditEvent(db: Knex, event: AuditEvent): Knex.Raw {
  return db.raw(
    `insert into audit_events
       (actor_type, actor_id, employer_id, action, entity_type, entity_id, request_id, details)
     values (?, ?, ?::uuid, ?, ?, ?, ?, ?::jsonb)`,
    [
      event.actor.type,
      event.actor.id,
      event.employerId ?? null,
      event.action,
      event.entity.type,
      event.entity.id,
      event.requestId ?? null,
      JSON.stringify(event.details ?? {}),
    ],
  );
}
