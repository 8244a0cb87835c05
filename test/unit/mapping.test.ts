import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMapping, mapRecord, parseMapping, sourceColumns } from '../../src/sync/mapping/index.js';
import {
  baseMapping,
  candidateOf as ok,
  problemsOf as problems,
  refusedMapping,
} from '../helpers/mapping.js';

const base = baseMapping;
const loadError = (text: string, file?: string) => refusedMapping(text, file).message;

describe('loading mapping files', () => {
  it.each([
    'mappings/csv-standard.yaml',
    'mappings/sivi-dienstverbanden.yaml',
    'mappings/sivi-werknemersgegevens.yaml',
  ])('When the shipped mapping %s is loaded, then it is valid', async (file) => {
    const m = await loadMapping(file);
    expect(m.file).toBe(file);
    expect(m.employee.length).toBeGreaterThan(0);
  });

  it('When a key is misspelt, then the error names the file, the path and the key', () => {
    const text = base.replace(
      'required: true }\n  - { target: lastName',
      'required: true, trasforms: [trim] }\n  - { target: lastName',
    );
    expect(loadError(text)).toMatch(/mappings\/t\.yaml:5: employee\[0\]: unknown key "trasforms"/);
  });

  it('When a top-level key is unknown, then it is rejected', () => {
    expect(loadError(base + 'extra: 1\n')).toMatch(
      /mappings\/t\.yaml:10: \(top level\): unknown key "extra"/,
    );
  });

  it('When a target does not exist, then the error lists the known targets', () => {
    expect(loadError(base.replace('target: lastName', 'target: lastname'))).toMatch(
      /employee\[1\]\.target: unknown target "lastname"; known targets here: personnelNumber, .*vault\.bsn/,
    );
  });

  it('When an entry has both source and constant, or neither, then it is rejected', () => {
    expect(loadError(base.replace('source: Naam,', 'source: Naam, constant: X,'))).toMatch(
      /employee\[1\]: has source and constant; give only one/,
    );
    expect(loadError(base.replace('source: Naam, ', ''))).toMatch(
      /employee\[1\]: needs one of source, firstOf, concat or constant/,
    );
  });

  it('When a date format or transform is unknown, then the error says which ones exist', () => {
    expect(loadError(base.replace('date: d-m-yyyy', 'date: mm/dd/yyyy'))).toMatch(
      /employments\.fields\[0\]\.transforms\[0\]/,
    );
    expect(loadError(base.replace('{ date: d-m-yyyy }', 'reverse'))).toMatch(
      /transforms\[0\]: unknown transform "reverse"; known: trim, upper/,
    );
  });

  it('When a code table is not defined, then the error names it', () => {
    const text = base.replace(
      'source: Naam, required: true',
      'source: Naam, required: true, transforms: [{ codes: colours }]',
    );
    expect(loadError(text)).toMatch(/employee\[1\]\.transforms\[0\]\.codes: unknown code table "colours"/);
  });

  it('When a needed target is missing, then the mapping is rejected', () => {
    expect(loadError(base.replace(/ {2}- \{ target: lastName.*\n/, ''))).toMatch(
      /employee: has no entry with target "lastName"/,
    );
  });

  it('When the YAML is broken or a key is repeated, then the error has the line', () => {
    expect(loadError('version: 1\nname: [\n')).toMatch(/^mappings\/t\.yaml:\d+: not valid YAML/);
    expect(loadError('version: 1\nversion: 1\n')).toMatch(/not valid YAML/);
  });

  it('When a code or constant is written as a number with a leading zero, then the file is refused with the line', () => {
    const table = (key: string) => `version: 1\nname: t\ncodeTables:\n  afd: { map: { ${key}: FIN } }\n`;
    expect(loadError(table('010'))).toBe(
      "mappings/t.yaml:4: 010 is read as the number 10, which is another code: write it in quotes ('010') to keep it as written.",
    );
    expect(loadError(table('0x1'))).toMatch(/^mappings\/t\.yaml:4: 0x1 is read as the number 1/);
    expect(loadError(`${base}    - { target: externalId, constant: 0012 }\n`)).toMatch(
      /^mappings\/t\.yaml:10: 0012 is read as the number 12/,
    );
    // A code-table key is a code: any number that does not read back as written is refused.
    expect(loadError(table('2.10'))).toMatch(/^mappings\/t\.yaml:4: 2\.10 is read as the number 2\.1,/);
    expect(loadError(table('1.0'))).toMatch(/1\.0 is read as the number 1,/);
    expect(loadError(table('1e2'))).toMatch(/1e2 is read as the number 100,/);
    expect(loadError(`${base}    - { target: functionCode, constant: +31 }\n`)).toMatch(
      /\+31 is read as the number 31,/,
    );
    // A constant or default of a text target is a code too: a function code 2.10 is not 2.1.
    expect(loadError(`${base}    - { target: functionCode, source: F, default: 2.10 }\n`)).toMatch(
      /^mappings\/t\.yaml:10: 2\.10 is read as the number 2\.1,/,
    );
    expect(loadError(`${base}    - { target: departmentCode, constant: 10.0 }\n`)).toMatch(
      /10\.0 is read as the number 10,/,
    );
    // Quoted, or a number that reads as written (32.0 is 32), it is fine.
    const fine = `${base}    - { target: hoursPerWeek, constant: 32.0 }\ncodeTables:\n  afd: { map: { '010': FIN } }\n`;
    expect(() => parseMapping(fine, 't.yaml')).not.toThrow();
  });

  it('When a regular expression is invalid, then it is rejected', () => {
    const text = base.replace(
      'source: Naam, required: true',
      "source: Naam, required: true, transforms: [{ match: '(' }]",
    );
    expect(loadError(text)).toMatch(/transforms\[0\]\.match: not a valid regular expression/);
  });

  it('When the file does not exist, then the error says where mapping files live', async () => {
    await expect(loadMapping('mappings/nope.yaml')).rejects.toThrow(/mapping file not found.*mappings\//);
  });

  it('When the documentation shows a whole mapping file, then it loads', () => {
    const doc = readFileSync('connectors/README.md', 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => b.startsWith('version: 1'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks)
      expect(parseMapping(block, 'connectors/README.md').employee.length).toBeGreaterThan(0);
  });

  it('When a mapping is JSON, then it loads the same way', () => {
    const m = parseMapping(
      JSON.stringify({
        version: 1,
        name: 'j',
        employee: [
          { target: 'personnelNumber', source: 'Nr' },
          { target: 'lastName', source: 'Naam' },
        ],
        employments: { fields: [{ target: 'startDate', source: 'Start' }] },
      }),
      'x.json',
    );
    expect(m.name).toBe('j');
  });
});

describe('mapping records', () => {
  const m = parseMapping(
    `
version: 1
name: t
codeTables:
  afdeling: { map: { 'Fin.': FIN, Verkoop: SALES } }
employee:
  - { target: personnelNumber, source: Nr, transforms: [trim], required: true }
  - { target: lastName, source: Naam, transforms: [collapseSpaces], required: true }
  - { target: namePrefix, source: Tussenvoegsel, transforms: [lower] }
  - { target: firstName, firstOf: [Roepnaam, Voornaam] }
  - { target: gender, source: Geslacht, transforms: [{ codes: gender }], default: O }
  - { target: vault.bsn, source: BSN, transforms: [digits] }
  - { target: vault.legalLastName, concat: [Tussenvoegsel, Naam], transforms: [collapseSpaces] }
  - { target: vault.emailAddresses, firstOf: [Mail1, Mail2] }
  - { target: vault.country, constant: NL, when: Postcode }
  - { target: vault.postcode, source: Postcode }
employments:
  fields:
    - { target: externalId, concat: [Nr, { constant: '-' }, Volgnr], separator: '' }
    - { target: startDate, source: Start, transforms: [{ date: [d-m-yyyy, yyyymmdd] }], required: true }
    - { target: endDate, source: Einde, transforms: [{ date: d-m-yyyy }] }
    - { target: hoursPerWeek, source: Uren, transforms: [decimalComma] }
    - { target: departmentCode, source: Afdeling, transforms: [{ codes: afdeling, unknown: keep }] }
    - { target: noRiskPolicy, source: NoRisk }
departments:
  - fields:
      - { target: code, source: Afdeling, transforms: [{ codes: afdeling, unknown: keep }] }
      - { target: name, source: Afdeling }
`,
    't.yaml',
  );
  const row = (over: Record<string, string> = {}) => ({
    position: 'f.csv:2',
    data: {
      Nr: ' 42 ',
      Naam: 'Berg  ',
      Tussenvoegsel: 'Van der',
      Roepnaam: '',
      Voornaam: 'Johannes',
      Geslacht: '',
      BSN: '9999.96.708',
      Mail1: '',
      Mail2: 'j@example.nl',
      Postcode: '1234 ab',
      Volgnr: '1',
      Start: '20200101',
      Einde: '',
      Uren: '1.000,5',
      Afdeling: 'Fin.',
      NoRisk: 'J',
      ...over,
    },
  });

  it('When a record is mapped, then transforms, firstOf, concat, constants, defaults and code tables apply', () => {
    const c = ok(mapRecord(m, row({ Uren: '32,5' })));
    expect(c.employee).toMatchObject({
      personnelNumber: '42',
      lastName: 'Berg',
      namePrefix: 'van der',
      firstName: 'Johannes',
      gender: 'O',
    });
    expect(c.employee.vault).toEqual({
      bsn: '999996708',
      legalLastName: 'Van der Berg',
      emailAddresses: ['j@example.nl'],
      country: 'NL',
      postcode: '1234AB',
    });
    expect(c.employments).toEqual([
      {
        externalId: '42-1',
        startDate: '2020-01-01',
        hoursPerWeek: 32.5,
        departmentCode: 'FIN',
        noRiskPolicy: true,
      },
    ]);
    expect(c.departments).toEqual([{ code: 'FIN', name: 'Fin.' }]);
  });

  it('When a conditional source is empty, then the field is left out', () => {
    const c = ok(mapRecord(m, row({ Postcode: '', Uren: '36' })));
    expect(c.employee.vault.country).toBeUndefined();
  });

  it('When a code is not in a table with unknown: keep, then it is kept as written', () => {
    const c = ok(mapRecord(m, row({ Afdeling: 'HR', Uren: '36' })));
    expect(c.employments[0]!.departmentCode).toBe('HR');
  });

  it('When a required column is missing from the file, then the problem says to check the header and the delimiter', () => {
    const r = row({ Uren: '36' });
    delete (r.data as Record<string, string>).Naam;
    const p = problems(mapRecord(m, r));
    expect(p).toContainEqual({
      field: 'employee.lastName',
      reason:
        'Naam is missing: the delivery has no such column or element (check the header row and the delimiter)',
    });
  });

  it('When several fields are wrong, then every problem is reported with the source name and value', () => {
    const p = problems(mapRecord(m, row({ Nr: '', Start: '31-02-2020', Uren: 'veel', NoRisk: 'misschien' })));
    expect(p.map((x) => x.field).sort()).toEqual([
      'employee.personnelNumber',
      'employments[1].hoursPerWeek',
      'employments[1].noRiskPolicy',
      'employments[1].startDate',
    ]);
    expect(p.find((x) => x.field === 'employments[1].startDate')!.reason).toBe(
      'Start "31-02-2020" is not an existing calendar date',
    );
    expect(p.find((x) => x.field === 'employments[1].hoursPerWeek')!.reason).toBe(
      'Uren "veel" is not a number with a decimal comma (such as 32,5)',
    );
  });

  it('When a record is rejected, then its key is still given so a complete delivery does not end the employee', () => {
    const outcome = mapRecord(m, row({ Start: 'gisteren' }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.key).toEqual({ personnelNumber: '42', remoteId: undefined });
  });

  it('When the BSN fails the 11-check, then no problem contains it, in any form', () => {
    const outcome = mapRecord(m, row({ BSN: '9999.98.620', Uren: '36' }));
    const text = JSON.stringify(outcome);
    expect(text).not.toMatch(/999998620|9999\.98\.620/);
    expect(problems(outcome)).toEqual([{ field: 'vault.bsn', reason: 'BSN fails the 11-check' }]);
  });

  it.each(['onbekend', 'n.v.t.', '12345678a'])(
    'When the BSN holds text (%s), then the record is rejected rather than read as no BSN',
    (bsn) => {
      const outcome = mapRecord(m, row({ BSN: bsn, Uren: '36' }));
      expect(problems(outcome)).toEqual([
        {
          field: 'vault.bsn',
          reason: 'BSN (BSN) holds characters other than digits and separators (space . - / + ( ))',
        },
      ]);
      expect(JSON.stringify(outcome)).not.toContain(bsn);
    },
  );

  it.each([
    ['32,5', 32.5],
    ['6.5', 6.5],
    ['32.00', 32],
    ['1.000,5', 1000.5],
    ['1.000', 1000],
  ])(
    'When decimalComma reads "%s", then the hours are %s, a lone dot being a decimal point',
    (text, hours) => {
      const outcome = mapRecord(m, row({ Uren: text }));
      const mapped = outcome.ok ? outcome.candidate.employments[0]!.hoursPerWeek : undefined;
      if (hours <= 80) expect(mapped).toBe(hours);
      else
        expect(problems(outcome)).toEqual([
          expect.objectContaining({ field: 'employments[1].hoursPerWeek' }),
        ]);
    },
  );

  it.each(['1,234.5', '12.34,5', '1,2,3'])(
    'When decimalComma reads "%s", where dots do not group thousands before the comma, then it is a problem',
    (text) => {
      expect(problems(mapRecord(m, row({ Uren: text })))).toEqual([
        expect.objectContaining({
          field: 'employments[1].hoursPerWeek',
          reason: `Uren "${text}" is not a number with a decimal comma (such as 32,5)`,
        }),
      ]);
    },
  );

  it('When a department code is not in its code table, then the record has the problem instead of losing the department', () => {
    const strict = parseMapping(
      `${base}    - { target: departmentCode, source: Afd }
departments:
  - fields:
      - { target: code, source: Afd, transforms: [{ codes: afd }] }
      - { target: name, source: Afdnaam }
codeTables:
  afd: { map: { 'Fin.': FIN } }
`,
      't.yaml',
    );
    const outcome = mapRecord(strict, {
      position: 'f.csv:2',
      data: { Nr: '1', Naam: 'A', Start: '1-1-2020', Afd: 'Verkoop', Afdnaam: 'Verkoop NL' },
    });
    expect(problems(outcome).map((p) => p.field)).toEqual(['departments[1].code']);
  });

  it('When the BSN is written with separators or left empty, then digits reads it', () => {
    expect(ok(mapRecord(m, row({ BSN: ' 1112.22-333 ', Uren: '36' }))).employee.vault.bsn).toBe('111222333');
    expect(ok(mapRecord(m, row({ BSN: '', Uren: '36' }))).employee.vault.bsn).toBeUndefined();
  });

  it('When an employment has no id, then one is made from the personnel number and start date', () => {
    const c = ok(mapRecord(m, row({ Nr: '42', Volgnr: '', Uren: '36' })));
    // concat drops a constant whose neighbour is empty ("42", not "42-"); the fallback needs no id at all
    const noId = parseMapping(
      `version: 1
name: n
employee: [{ target: personnelNumber, source: Nr }, { target: lastName, source: Naam }]
employments:
  fields: [{ target: externalId, source: Volgnr }, { target: startDate, source: Start, transforms: [{ date: yyyymmdd }] }]
`,
      'n.yaml',
    );
    expect(c.employments[0]!.externalId).toBe('42');
    expect(ok(mapRecord(noId, row({ Volgnr: '' }))).employments[0]!.externalId).toBe('42-2020-01-01');
    // The longest personnel number still gives an id that is accepted.
    const longest = 'P'.repeat(35);
    expect(ok(mapRecord(noId, row({ Nr: longest, Volgnr: '' }))).employments[0]!.externalId).toBe(
      `${longest}-2020-01-01`,
    );
  });

  it('When sourceColumns is asked, then it lists the columns the mapping reads', () => {
    expect(sourceColumns(m)).toEqual(
      expect.arrayContaining(['Nr', 'Naam', 'Roepnaam', 'Voornaam', 'Postcode', 'Start', 'Volgnr']),
    );
  });
});
