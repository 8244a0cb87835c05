import { z } from 'zod';
import { isValidBsn, normalizeBsn } from '../domain/bsn.js';
import { vaultFieldNames, type VaultFieldName } from '../domain/vault-fields.js';
import { isStorableText, nulReason } from '../domain/text.js';

const text = (max: number) => z.string().trim().min(1).max(max).refine(isStorableText, nulReason);

/** Dutch postcode, normalised to `1234AB`. */
export const postcodeSchema = z
  .string()
  .transform((v) => v.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^[1-9]\d{3}[A-Z]{2}$/, 'a Dutch postcode such as 1234AB'));

export const bsnSchema = z
  .string()
  .refine(isValidBsn, 'not a valid BSN (the 11-check fails)')
  .transform((v) => normalizeBsn(v)!);

/** The fields kept only in the data vault, never in clear in the database. */
export const vaultFieldsSchema = z
  .object({
    bsn: bsnSchema.optional(),
    legalFirstNames: text(200).optional(),
    legalLastName: text(200).optional(),
    street: text(80).optional(),
    houseNumber: text(10).optional(),
    houseNumberSuffix: text(10).optional(),
    postcode: postcodeSchema.optional(),
    town: text(80).optional(),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO country code such as NL')
      .optional(),
    phoneNumbers: z.array(text(40)).max(9).optional(),
    emailAddresses: z.array(z.email().max(254)).max(9).optional(),
    ibans: z
      .array(
        z
          .string()
          .transform((v) => v.replace(/\s+/g, '').toUpperCase())
          .pipe(z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'an IBAN')),
      )
      .max(9)
      .optional(),
  })
  .strict() satisfies z.ZodType<Partial<Record<VaultFieldName, unknown>>>;

export type VaultFields = z.infer<typeof vaultFieldsSchema>;

// Sorted once: the fingerprint of every record of a delivery is computed from this order.
const sortedFieldNames = [...vaultFieldNames].sort();

/** Stable serialisation (sorted keys, empty values dropped) so equal contents give equal fingerprints. */
export function canonicalVaultJson(fields: VaultFields): string {
  const out: Record<string, unknown> = {};
  for (const name of sortedFieldNames) {
    const v = fields[name];
    if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) out[name] = v;
  }
  return JSON.stringify(out);
}
