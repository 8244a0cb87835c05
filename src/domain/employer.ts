import { z } from 'zod';

export const linkModes = ['none', 'hr', 'hr_absence'] as const;
export type LinkMode = (typeof linkModes)[number];

/** Employer master data as kept by Koppeling (SIVI names in comments where they differ). */
export const employerSchema = z
  .object({
    code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _, at most 40'),
    name: z.string().trim().min(1).max(100),
    kvkNumber: z
      .string()
      .regex(/^\d{8}$/, 'eight digits')
      .optional(),
    /** Loonheffingennummer (SIVI `Lhnr`). */
    payrollTaxNumber: z
      .string()
      .regex(/^\d{9}L\d{2}$/, 'nine digits, L, two digits (123456789L01)')
      .optional(),
    /** SIVI `IdWrkgvrArbdnst`. */
    arboEmployerId: z.string().min(1).max(40).optional(),
    /** SIVI `AansltnrGeguitwlngArbdnst`. */
    arboContractNumber: z.string().min(1).max(70).optional(),
    linkMode: z.enum(linkModes).default('none'),
  })
  .strict();

export type EmployerInput = z.input<typeof employerSchema>;
export type Employer = z.infer<typeof employerSchema> & { id: string };

/** True when an HR link owns the employer's master data (no hand edits of employees, employments, departments). */
export function linkOwnsMasterData(mode: LinkMode): boolean {
  return mode !== 'none';
}
