import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { listEmployers } from '../store/employers.js';
import { linkModes } from '../domain/employer.js';

const employerView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kvkNumber: z.string().optional(),
  payrollTaxNumber: z.string().optional(),
  arboEmployerId: z.string().optional(),
  arboContractNumber: z.string().optional(),
  linkMode: z.enum(linkModes),
});

/** Employers as operators see them. */
export const employerRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/employers',
    summary: 'List employers.',
    tag: 'employers',
    access: 'operator',
    responses: { 200: { description: 'Employers', schema: z.object({ employers: z.array(employerView) }) } },
    handler: async ({ ctx }) => ({ body: { employers: await listEmployers(ctx.store.db) } }),
  }),
];
