import { z } from 'zod';
import { AppError } from '../errors.js';
import { employerCapabilities, operatorCapabilities } from '../domain/capabilities.js';
import { findEmployerByCode } from '../store/employers.js';
import { createMachineToken, listTokens, revokeToken } from '../store/tokens.js';
import { nowOf } from './context.js';
import { defineRoute, type RouteDef } from './route.js';
import { auditAccountEvent } from './audit.js';

// A machine token never manages tokens itself: only operators hand out access.
const grantable = [
  ...employerCapabilities,
  ...operatorCapabilities.filter((c) => c !== 'tokens.manage'),
] as const;

const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['operator', 'machine']),
  capabilities: z.array(z.string()),
  employerId: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** API tokens for machine clients: created (shown once), listed and revoked by operators. */
export const tokenRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/tokens',
    summary: 'Every API token (never its value).',
    tag: 'tokens',
    access: { capability: 'tokens.manage' },
    responses: { 200: { description: 'Tokens', schema: z.object({ tokens: z.array(tokenView) }) } },
    handler: async ({ ctx }) => ({
      body: {
        tokens: (await listTokens(ctx.store.db)).map((t) =>
          tokenView.parse({
            id: t.id,
            name: t.name,
            kind: t.kind,
            capabilities: t.kind === 'operator' ? [...operatorCapabilities] : t.capabilities,
            employerId: t.employer_id,
            expiresAt: t.expires_at?.toISOString() ?? null,
            createdAt: t.created_at.toISOString(),
            lastUsedAt: t.last_used_at?.toISOString() ?? null,
            revokedAt: t.revoked_at?.toISOString() ?? null,
          }),
        ),
      },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'Creates a machine token with a fixed set of capabilities; the token is in this answer only.',
    tag: 'tokens',
    access: { capability: 'tokens.manage' },
    body: z
      .object({
        name: z.string().trim().min(1).max(100),
        capabilities: z.array(z.enum(grantable)).min(1),
        employer: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/)
          .optional(),
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      })
      .strict(),
    example: { body: { name: 'arbodienst pull {unique}', capabilities: ['syncruns.view'] } },
    responses: { 201: { description: 'Created; store the token now, it is not shown again' } },
    handler: async ({ ctx, req, body }) => {
      let employerId: string | undefined;
      if (body.employer) {
        const employer = await findEmployerByCode(ctx.store.db, body.employer);
        if (!employer) throw new AppError('not_found', `No employer with code "${body.employer}".`);
        employerId = employer.id;
      }
      const p = req.principal;
      const created = await createMachineToken(ctx.store.db, {
        name: body.name,
        capabilities: body.capabilities,
        employerId,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
        createdBy: p && p.kind !== 'user' ? `${p.kind}:${p.tokenId}` : 'unknown',
      });
      await auditAccountEvent(ctx.store.db, req, {
        action: 'token.created',
        entityType: 'api_token',
        entityId: created.id,
        details: { capabilities: body.capabilities, employer: body.employer ?? null },
      });
      return { status: 201, body: { id: created.id, token: created.token } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/tokens/:tokenId',
    summary: 'Revokes a token; it stops working at once.',
    tag: 'tokens',
    access: { capability: 'tokens.manage' },
    params: z.object({ tokenId: z.uuid('a token id (UUID)') }).strict(),
    responses: { 204: { description: 'Revoked' }, 404: { description: 'No such live token' } },
    handler: async ({ ctx, req, params }) => {
      if (!(await revokeToken(ctx.store.db, params.tokenId, nowOf(ctx)))) {
        throw new AppError('not_found', 'No live token with this id.');
      }
      await auditAccountEvent(ctx.store.db, req, {
        action: 'token.revoked',
        entityType: 'api_token',
        entityId: params.tokenId,
      });
      return { status: 204 };
    },
  }),
];
