import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csv } from '../../connectors/csv/index.js';
import { sivi } from '../../connectors/sivi/index.js';
import { loadMapping, mapDraft } from '../../src/sync/mapping/index.js';
import type { Connector } from '../../src/sync/types.js';
import { quickValidate, quickVault } from '../../src/sync/validate-fast.js';
import { vaultFieldsSchema } from '../../src/vault/fields.js';
import { validateCandidate, type CandidateInput } from '../../src/sync/validate.js';

/** The quick path must never accept what zod rejects, and must give exactly what zod gives. */
function agree(input: CandidateInput): void {
  const slow = validateCandidate(input, new Map(), { fastPath: false });
  const fast = validateCandidate(input, new Map(), { fastPath: true });
  expect(fast.ok).toBe(slow.ok);
  if (fast.ok && slow.ok) expect(fast.candidate).toEqual(slow.candidate);
}

// Mostly valid values, so that the quick path is really taken, with every kind of odd one mixed in.
const mostly = <T>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 24 }, { arbitrary: odd, weight: 1 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const text = mostly(
  fc.constantFrom('Jan', 'van der', 'Müller', "d'Ançay", 'J.A.', 'Çelik'),
  fc.oneof(
    fc.constantFrom(' padded ', '', 'x'.repeat(36), 'a\tb', 'x'.repeat(201)),
    fc.string({ maxLength: 45 }),
  ),
);
const date = mostly(
  fc
    .date({ min: new Date('1950-01-01'), max: new Date('2020-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2024-02-29', '2023-02-29', '1899-12-31', '2999-01-01', '2020-1-1', ''),
);
const hours = mostly(
  fc.constantFrom(0, 80, 36, 24.5),
  fc.oneof(fc.constantFrom(80.5, -1, Number.NaN), fc.double({ min: -5, max: 100 })),
);

const input = fc.record({
  employee: fc.record(
    {
      personnelNumber: mostly(fc.constantFrom('1', '2001', 'P-9'), fc.constantFrom('', ' 1', undefined)),
      remoteId: maybe(text),
      initials: maybe(text),
      firstName: maybe(text),
      namePrefix: maybe(text),
      lastName: mostly(text, fc.constant(undefined)),
      gender: maybe(mostly(fc.constantFrom('M', 'V', 'O'), fc.constantFrom('X', 'm'))),
      birthDate: maybe(date),
    },
    { requiredKeys: [] },
  ),
  vault: fc.record(
    {
      bsn: maybe(
        mostly(
          fc.constantFrom('999996708', '123456782', '012345672'),
          fc.constantFrom('999998620', '12345672', '9999.96.708', ''),
        ),
      ),
      postcode: maybe(
        mostly(fc.constantFrom('1234AB', '9999ZZ'), fc.constantFrom('1234 ab', '0123AB', '1234ab', '12345')),
      ),
      country: maybe(mostly(fc.constantFrom('NL', 'BE'), fc.constantFrom('nl', 'NLD'))),
      street: maybe(text),
      town: maybe(text),
      houseNumber: maybe(fc.constantFrom('12', '12345678901', ' 1')),
      phoneNumbers: maybe(fc.array(text, { maxLength: 10 })),
      emailAddresses: maybe(
        fc.array(fc.constantFrom('a@example.nl', 'A.B@Example.COM', 'nope', 'a@b', ' a@example.nl'), {
          maxLength: 3,
        }),
      ),
      ibans: maybe(
        fc.array(fc.constantFrom('NL91ABNA0417164300', 'NL91 ABNA 0417 1643 00', 'XX'), { maxLength: 2 }),
      ),
    },
    { requiredKeys: [] },
  ),
  employments: fc.array(
    fc.record(
      {
        externalId: mostly(
          fc.integer({ min: 0, max: 1_000_000 }).map((n) => `E${n}`),
          fc.constantFrom('E1', ' E4', '', undefined),
        ),
        startDate: mostly(fc.constant('1949-12-31'), date),
        endDate: maybe(date),
        validFrom: maybe(date),
        departmentCode: maybe(text),
        functionCode: maybe(text),
        functionName: maybe(text),
        contractType: maybe(mostly(fc.constantFrom('B', 'O'), fc.constant('X'))),
        hoursPerWeek: maybe(hours),
        normalHoursPerWeek: maybe(hours),
        noRiskPolicy: maybe(fc.boolean()),
      },
      { requiredKeys: [] },
    ),
    { minLength: 1, maxLength: 3 },
  ),
  departments: fc.array(
    fc.record(
      {
        code: mostly(fc.constantFrom('A', 'B', 'C'), fc.constantFrom(' C', '', undefined)),
        name: maybe(text),
        parentCode: maybe(mostly(fc.constant('ROOT'), fc.constantFrom('A', 'B'))),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  ),
  partial: fc.boolean(),
});

describe('quick validation', () => {
  it('When any mapped record is validated, then the quick path and zod agree', () => {
    let accepted = 0;
    fc.assert(
      fc.property(input, (i) => {
        const record = { position: 'p', ...(i as Omit<CandidateInput, 'position'>) };
        agree(record);
        if (validateCandidate(record).ok) accepted++;
      }),
      { numRuns: 1500 },
    );
    // Enough valid records went through for the comparison to mean something. About 7% of the
    // generated records are valid (100 to 110 of 1500): the bound leaves room for chance.
    expect(accepted).toBeGreaterThan(60);
  }, 120_000);

  it('When a mostly valid record is validated, then both paths accept it identically', () => {
    const valid: CandidateInput = {
      position: 'x.csv:2',
      employee: {
        personnelNumber: '1',
        lastName: 'Berg',
        initials: 'J.',
        gender: 'M',
        birthDate: '1980-01-01',
      },
      vault: {
        bsn: '999996708',
        postcode: '1234AB',
        country: 'NL',
        emailAddresses: ['j@example.nl'],
        ibans: ['NL91ABNA0417164300'],
      },
      employments: [
        {
          externalId: 'E1',
          startDate: '2020-01-01',
          hoursPerWeek: 36,
          contractType: 'O',
          noRiskPolicy: false,
        },
      ],
      departments: [{ code: 'A', name: 'Afdeling A', parentCode: 'B' }],
    };
    agree(valid);
    expect(validateCandidate(valid).ok).toBe(true);
  });

  it('When a postcode or IBAN has spaces or small letters, then the quick path normalises it as zod does', () => {
    const record: CandidateInput = {
      position: 'x.csv:2',
      employee: { personnelNumber: '1', lastName: 'Berg' },
      vault: { postcode: '1234 ab', ibans: ['nl91 abna 0417 1643 00'] },
      employments: [{ externalId: 'E1', startDate: '2020-01-01' }],
      departments: [],
    };
    const quick = quickValidate(record, '2026-11-28');
    expect(quick?.employee.vault).toEqual({ postcode: '1234AB', ibans: ['NL91ABNA0417164300'] });
    // The input itself is left as it was.
    expect(record.vault.postcode).toBe('1234 ab');
    agree(record);
  });

  it('When vault fields are checked on their own, then the quick check accepts only what the vault schema accepts', () => {
    fc.assert(
      fc.property(input, (i) => {
        const quick = quickVault(i.vault as Record<string, unknown>);
        const slow = vaultFieldsSchema.safeParse(i.vault);
        if (quick) expect(slow.success && slow.data).toEqual(quick);
      }),
      { numRuns: 1000 },
    );
    expect(quickVault({ bsn: '999998620' })).toBeUndefined();
    expect(quickVault({ postcode: '1234 ab', town: 'Utrecht' })).toEqual({
      postcode: '1234AB',
      town: 'Utrecht',
    });
  });

  it.each([
    ['csv', 'mappings/csv-standard.yaml', 'test/fixtures/csv/standard-windows1252.csv'],
    ['csv', 'mappings/csv-standard.yaml', 'test/fixtures/csv/bad-values.csv'],
    ['sivi', 'mappings/sivi-werknemersgegevens.yaml', 'test/fixtures/sivi/werknemersgegevens.xml'],
    ['sivi', 'mappings/sivi-dienstverbanden.yaml', 'test/fixtures/sivi/dienstverbanden.xml'],
  ])(
    'When the %s fixture %s maps %s, then both paths agree on every record',
    async (kind, mappingFile, file) => {
      const connector = (kind === 'csv' ? csv : sivi) as Connector<unknown>;
      const mapping = await loadMapping(mappingFile);
      for await (const record of connector.read(connector.configSchema.parse({ file })))
        agree(mapDraft(mapping, record).draft);
    },
  );
});
