import { z } from 'zod';
import { isoDateSchema } from './dates.js';

export const genders = ['M', 'V', 'O'] as const;
export const contractTypes = ['B', 'O'] as const;

/** Employee data kept in clear: what lists and statistics need. Vault data is separate. */
export const employeeSchema = z
  .object({
    personnelNumber: z.string().trim().min(1).max(35),
    sourceSystem: z.string().max(40).optional(),
    remoteId: z.string().max(40).optional(),
    initials: z.string().trim().max(20).optional(),
    firstName: z.string().trim().max(35).optional(),
    namePrefix: z.string().trim().max(20).optional(),
    lastName: z.string().trim().min(1).max(200),
    gender: z.enum(genders).optional(),
    birthDate: isoDateSchema.optional(),
    inService: z.boolean().default(true),
  })
  .strict();

export type EmployeeInput = z.input<typeof employeeSchema>;

/** One version of an employment: what holds from `validFrom` (through `validTo`, inclusive). */
export const employmentTermsSchema = z
  .object({
    departmentCode: z.string().trim().min(1).max(70).optional(),
    functionCode: z.string().trim().max(15).optional(),
    functionName: z.string().trim().max(35).optional(),
    contractType: z.enum(contractTypes).optional(),
    hoursPerWeek: z.number().min(0).max(80).optional(),
    normalHoursPerWeek: z.number().min(0).max(80).optional(),
    noRiskPolicy: z.boolean().default(false),
  })
  .strict();

export type EmploymentTerms = z.infer<typeof employmentTermsSchema>;
