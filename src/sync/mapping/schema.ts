import { z } from 'zod';
import type { vaultFieldNames } from '../../domain/vault-fields.js';
import { dateFormatNames } from './transforms.js';

/**
 * The mapping file format (YAML or JSON), checked with zod on load. Unknown keys are errors, so a
 * typo (`trasforms`) never silently drops a field. See `mappings/README.md`.
 */

/** What kind of value a target takes; drives coercion of the mapped value. */
export type TargetKind = 'string' | 'date' | 'number' | 'boolean' | 'list';

export const employeeTargets = {
  personnelNumber: 'string',
  remoteId: 'string',
  initials: 'string',
  firstName: 'string',
  namePrefix: 'string',
  lastName: 'string',
  gender: 'string',
  birthDate: 'date',
  changedAt: 'string',
} as const satisfies Record<string, TargetKind>;

export const vaultTargets = {
  bsn: 'string',
  legalFirstNames: 'string',
  legalLastName: 'string',
  street: 'string',
  houseNumber: 'string',
  houseNumberSuffix: 'string',
  postcode: 'string',
  town: 'string',
  country: 'string',
  phoneNumbers: 'list',
  emailAddresses: 'list',
  ibans: 'list',
} as const satisfies Record<(typeof vaultFieldNames)[number], TargetKind>;

export const employmentTargets = {
  externalId: 'string',
  previousExternalId: 'string',
  startDate: 'date',
  endDate: 'date',
  endReason: 'string',
  validFrom: 'date',
  departmentCode: 'string',
  functionCode: 'string',
  functionName: 'string',
  contractType: 'string',
  hoursPerWeek: 'number',
  normalHoursPerWeek: 'number',
  noRiskPolicy: 'boolean',
} as const satisfies Record<string, TargetKind>;

export const departmentTargets = {
  code: 'string',
  name: 'string',
  parentCode: 'string',
} as const satisfies Record<string, TargetKind>;

export const simpleTransforms = [
  'trim',
  'upper',
  'lower',
  'collapseSpaces',
  'digits',
  'decimalComma',
  'number',
  'boolean',
  'initials',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const sourcePath = z.string().min(1, 'a source path (column name or element path) is required');
const regex = z.string().refine((v) => {
  try {
    new RegExp(v, 'u');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const dateFormat = z.enum(dateFormatNames, {
  error: () => `a date format: one of ${dateFormatNames.join(', ')}`,
});

const codeTableSchema = z
  .object({
    /** Source code -> target code; matched case-insensitively with spaces collapsed unless caseSensitive. */
    map: z.record(z.string(), z.string()),
    caseSensitive: z.boolean().default(false),
  })
  .strict();

export const transformSchema = z.union([
  z.enum(simpleTransforms, {
    error: () =>
      `a transform: one of ${simpleTransforms.join(', ')}, or an object {date}, {codes}, {match}, {exclude}, {replace}, {split}, {prefix}, {suffix}`,
  }),
  z.object({ date: z.union([dateFormat, z.array(dateFormat).min(1)]) }).strict(),
  z
    .object({
      codes: z.union([z.string().min(1), z.record(z.string(), z.string())]),
      /** What to do with a code not in the table: a problem (default), keep it as is, or treat it as empty. */
      unknown: z.enum(['error', 'keep', 'empty']).default('error'),
    })
    .strict(),
  z.object({ match: regex }).strict(),
  z.object({ exclude: regex }).strict(),
  z.object({ replace: z.object({ pattern: regex, with: z.string() }).strict() }).strict(),
  z.object({ split: z.string().min(1) }).strict(),
  z.object({ prefix: z.string() }).strict(),
  z.object({ suffix: z.string() }).strict(),
]);
export type TransformSpec = z.infer<typeof transformSchema>;

const concatPart = z.union([sourcePath, z.object({ constant: z.string() }).strict()]);

export const entrySchema = z
  .object({
    target: z.string().min(1),
    /** One source: a CSV column name, or an element path such as `StrAdrNl/Pc`. */
    source: sourcePath.optional(),
    /** Several sources; the first that has a value is used (for lists: all that have a value). */
    firstOf: z.array(sourcePath).min(1).optional(),
    /** Sources (and constants) joined with `separator`, empty parts left out. */
    concat: z.array(concatPart).min(1).optional(),
    separator: z.string().default(' '),
    /** A fixed value. */
    constant: scalar.optional(),
    transforms: z.array(transformSchema).default([]),
    /** Value used when the source is empty (after transforms). */
    default: scalar.optional(),
    /** An empty value is a problem that rejects the record. */
    required: z.boolean().default(false),
    /** Only map this field when that source path has a value. */
    when: sourcePath.optional(),
    /** For list targets: a repeated group whose items each give one value (source relative to the item). */
    each: sourcePath.optional(),
    /** With `each`: keep only items whose field has this value (or one of these values). */
    where: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
    /** How problems name the source; defaults to the source path(s). */
    label: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const given = (['source', 'firstOf', 'concat', 'constant'] as const).filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          given.length === 0
            ? 'needs one of source, firstOf, concat or constant'
            : `has ${given.join(' and ')}; give only one of source, firstOf, concat or constant`,
      });
    }
    if (e.where && !e.each)
      ctx.addIssue({ code: 'custom', path: ['where'], message: '`where` needs `each`' });
  });
export type EntrySpec = z.infer<typeof entrySchema>;

const groupSchema = z
  .object({
    /** A repeated group (e.g. SIVI `Dnstvbnd`): one employment or department per item. */
    each: sourcePath.optional(),
    where: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
    fields: z.array(entrySchema).min(1),
  })
  .strict();

export const mappingFileSchema = z
  .object({
    version: z.literal(1, { error: () => 'the mapping format version; only 1 exists' }),
    name: z.string().min(1),
    description: z.string().optional(),
    /** The connector this mapping reads from (lets `mapping check` pick it). */
    connector: z.enum(['csv', 'sivi']).optional(),
    /**
     * `partial` when the source carries no names (SIVI Dienstverbanden): `lastName` is then not
     * needed, and candidates are flagged `partialEmployee` so the engine keeps stored names.
     */
    employeeData: z.enum(['complete', 'partial']).default('complete'),
    codeTables: z.record(z.string(), codeTableSchema).default({}),
    employee: z.array(entrySchema).min(1),
    employments: groupSchema,
    departments: z.array(groupSchema).default([]),
  })
  .strict();
export type MappingFile = z.infer<typeof mappingFileSchema>;
