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

/**
 * A value as an operator wrote it, in words: `the text "yes"`, `the number 12`, `a list`. Text is
 * not quoted when `quote` is false: a whole file that is text is no mapping, perhaps a delivery.
 */
function found(value: unknown, quote = true): string {
  if (value === null || value === undefined) return 'no value';
  if (typeof value === 'string' && !quote) return 'text';
  if (typeof value === 'string') {
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the value ${value}`;
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'key: value pairs' : `a ${typeof value}`;
}

const typeWords: Partial<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'key: value pairs',
  record: 'key: value pairs',
};

function joinOr(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}` : (words[0] ?? '');
}

/** The known name an operator most likely meant (a case slip or up to two typing errors), if any. */
function closest(word: string, names: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = w.length > 3 ? 3 : 2;
  for (const name of names) {
    const n = name.toLowerCase();
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: n.length + 1 }, (_, j) => j);
    for (let i = 1; i <= w.length; i++) {
      const next = [i];
      for (let j = 1; j <= n.length; j++)
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (w[i - 1] === n[j - 1] ? 0 : 1));
      row = next;
    }
    if (row[n.length]! < bestDistance) [best, bestDistance] = [name, row[n.length]!];
  }
  return best;
}

const didYouMean = (word: unknown, names: readonly string[]): string => {
  const near = typeof word === 'string' ? closest(word, names) : undefined;
  return near ? ` (did you mean "${near}"?)` : '';
};

/**
 * Zod's issues in an operator's words: a value of the wrong kind says what it must be and what was
 * found (`must be true or false (found the text "yes")`); only a key that is not there "is required".
 */
export const mappingIssueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${typeWords[issue.expected] ?? issue.expected})`;
      return `must be ${typeWords[issue.expected] ?? issue.expected} (found ${found(issue.input, (issue.path ?? []).length > 0)}${
        issue.expected === 'string' && ['number', 'boolean'].includes(typeof issue.input)
          ? '; write it in quotes to make it text'
          : ''
      })`;
    case 'invalid_value':
      return `must be ${joinOr(issue.values.map((v) => String(v)))} (found ${found(issue.input)})`;
    case 'invalid_union': {
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected] : [])),
      );
      const words = [...new Set(expected.map((e) => typeWords[e] ?? e))];
      return words.length > 0 ? `must be ${joinOr(words)} (found ${found(issue.input)})` : undefined;
    }
    case 'unrecognized_keys': {
      const def = issue.inst?._zod.def;
      const known = def && 'shape' in def ? Object.keys(def.shape as object) : [];
      const [first] = issue.keys;
      if (issue.keys.length === 1 && first !== undefined) {
        const near = didYouMean(first, known);
        return `unknown key "${first}"${near || (known.length > 0 ? `; known keys here: ${known.join(', ')}` : '')}`;
      }
      return `unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')}${known.length > 0 ? `; known keys here: ${known.join(', ')}` : ''}`;
    }
    case 'too_small':
      if (issue.origin === 'array')
        return `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return undefined;
    default:
      return undefined;
  }
};

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
  error: (issue) =>
    typeof issue.input === 'string'
      ? `date format ${JSON.stringify(issue.input)} is not known${didYouMean(issue.input, dateFormatNames)}; known: ${dateFormatNames.join(', ')}`
      : `must be a date format (found ${found(issue.input)}); known: ${dateFormatNames.join(', ')}`,
});

const codeTableSchema = z
  .object({
    /** Source code -> target code; matched case-insensitively with spaces collapsed unless caseSensitive. */
    map: z.record(z.string(), z.string()),
    caseSensitive: z.boolean().default(false),
  })
  .strict();

/** The transforms written as an object, by their one key (`{ date: ... }`, `{ codes: ... }`). */
const objectTransforms = {
  date: z.object({ date: z.union([dateFormat, z.array(dateFormat).min(1)]) }).strict(),
  codes: z
    .object({
      codes: z.union([z.string().min(1), z.record(z.string(), z.string())], {
        error: (issue) =>
          `must be the name of a code table or the codes written out ({ A: X, B: Y }) (found ${found(issue.input)})`,
      }),
      /** What to do with a code not in the table: a problem (default), keep it as is, or treat it as empty. */
      unknown: z.enum(['error', 'keep', 'empty']).default('error'),
    })
    .strict(),
  match: z.object({ match: regex }).strict(),
  exclude: z.object({ exclude: regex }).strict(),
  replace: z.object({ replace: z.object({ pattern: regex, with: z.string() }).strict() }).strict(),
  split: z.object({ split: z.string().min(1) }).strict(),
  prefix: z.object({ prefix: z.string() }).strict(),
  suffix: z.object({ suffix: z.string() }).strict(),
};
const objectTransformNames = Object.keys(objectTransforms) as Array<keyof typeof objectTransforms>;
const knownTransforms = `${simpleTransforms.join(', ')}, ${objectTransformNames.map((n) => `{ ${n}: ... }`).join(', ')}`;
const isObjectTransform = (key: string): key is keyof typeof objectTransforms => key in objectTransforms;

const simpleTransform = z.enum(simpleTransforms, {
  error: (issue) =>
    typeof issue.input === 'string' && isObjectTransform(issue.input)
      ? `transform "${issue.input}" needs a value: write it as { ${issue.input}: ... }`
      : `unknown transform ${JSON.stringify(issue.input)}${didYouMean(issue.input, [...simpleTransforms, ...objectTransformNames])}; known: ${knownTransforms}`,
});

export type TransformSpec =
  z.output<typeof simpleTransform> | z.output<(typeof objectTransforms)[keyof typeof objectTransforms]>;

/** The one schema a transform is checked with, chosen by its shape, or what is wrong with it. */
function transformKind(value: unknown): z.ZodType<TransformSpec> | string {
  if (typeof value === 'string') return simpleTransform;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `must be a transform such as trim or { date: dd-mm-yyyy } (found ${found(value)}); known: ${knownTransforms}`;
  }
  const keys = Object.keys(value);
  const kinds = keys.filter(isObjectTransform);
  if (kinds.length === 1) return objectTransforms[kinds[0]!];
  if (kinds.length > 1) {
    return `holds ${kinds.length} transforms (${kinds.join(', ')}); write each as its own item of the list`;
  }
  const [first] = keys;
  if (keys.length === 1 && first !== undefined) {
    return `unknown transform "${first}"${didYouMean(first, [...objectTransformNames, ...simpleTransforms])}; known: ${knownTransforms}`;
  }
  return `is not a transform (keys ${keys.map((k) => `"${k}"`).join(', ') || 'none'}); known: ${knownTransforms}`;
}

/**
 * A transform, checked against the one kind its shape names (a name, or an object by its key), so an
 * error says what is wrong with that transform (`date format "mm/dd/yyyy" is not known; known: ...`)
 * instead of a union's "matches none of the alternatives".
 */
export const transformSchema = z.unknown().transform((value, ctx): TransformSpec => {
  const kind = transformKind(value);
  if (typeof kind === 'string') {
    ctx.addIssue({ code: 'custom', message: kind });
    return z.NEVER;
  }
  const checked = kind.safeParse(value, { error: mappingIssueMessage });
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

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
    /** Only map this field when that source path has no value. */
    unless: sourcePath.optional(),
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
  .strict()
  .superRefine((g, ctx) => {
    // Without a group there are no items to filter: the record itself is always taken.
    if (g.where && !g.each)
      ctx.addIssue({ code: 'custom', path: ['where'], message: '`where` needs `each`' });
  });

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
