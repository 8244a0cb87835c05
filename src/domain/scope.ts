import { z } from 'zod';

/**
 * Which employees a user sees at one employer: the whole employer ("autorisatie-overname: ja"),
 * or chosen departments (with their sub-departments) and single employees. An empty unit scope
 * means no employees at all.
 */
export type Scope = { kind: 'employer' } | { kind: 'units'; departmentIds: string[]; employeeIds: string[] };

/** Scope as it is set through the API: `{inherit: true}` or lists of department and employee ids. */
export const scopeInputSchema = z.union([
  z.object({ inherit: z.literal(true) }).strict(),
  z
    .object({
      inherit: z.literal(false).optional(),
      departmentIds: z.array(z.uuid()).max(1000).default([]),
      employeeIds: z.array(z.uuid()).max(10000).default([]),
    })
    .strict(),
]);

export type ScopeInput = z.input<typeof scopeInputSchema>;

/** Turns API scope input into a Scope. */
export function toScope(input: z.infer<typeof scopeInputSchema>): Scope {
  if (input.inherit === true) return { kind: 'employer' };
  return {
    kind: 'units',
    departmentIds: [...new Set(input.departmentIds)],
    employeeIds: [...new Set(input.employeeIds)],
  };
}
