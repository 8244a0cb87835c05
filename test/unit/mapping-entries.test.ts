import { describe, expect, it } from 'vitest';
import { loadMapping, mapDraft, mapRecord, parseMapping } from '../../src/sync/mapping/index.js';
import { candidateOf as ok, problemsOf as problems, refusedMapping } from '../helpers/mapping.js';

/** A mapping whose `employee` list ends with `extra` (and its employment fields with `employment`). */
function mapping(extra: string, employment = '') {
  return parseMapping(
    `version: 1
name: t
employee:
  - { target: personnelNumber, source: Nr, required: true }
  - { target: lastName, source: Naam, required: true }
${extra}
employments:
  fields:
    - { target: startDate, source: Start, transforms: [{ date: d-m-yyyy }], required: true }
${employment}`,
    'mappings/t.yaml',
  );
}

const record = (data: Record<string, unknown>) => ({
  position: 't.csv:2',
  data: { Nr: '1', Naam: 'Jansen', Start: '1-1-2020', ...data },
});

describe('concat', () => {
  const m = mapping(`  - target: vault.legalLastName
    concat: [Achternaam, { constant: '-' }, AchternaamPartner]
    separator: ''
  - target: firstName
    concat: [{ constant: 'de heer' }, Voornaam, { constant: en }, Partner, { constant: c.s. }]`);
  const name = (own: string, partner: string) =>
    ok(mapRecord(m, record({ Achternaam: own, AchternaamPartner: partner }))).employee.vault.legalLastName;
  const names = (first: string, partner: string) =>
    ok(mapRecord(m, record({ Voornaam: first, Partner: partner }))).employee.firstName;

  it('When a neighbour of a constant is empty, then the constant is left out', () => {
    expect(name('Jansen', 'Pietersen')).toBe('Jansen-Pietersen');
    expect(name('Jansen', '')).toBe('Jansen');
    expect(name('', 'Pietersen')).toBe('Pietersen');
    expect(name(' ', '')).toBeUndefined();
  });

  it('When constants lead, sit between or trail, then each needs a value on the sides that have sources', () => {
    expect(names('Jan', 'Piet')).toBe('de heer Jan en Piet c.s.');
    expect(names('Jan', '')).toBe('de heer Jan c.s.');
    expect(names('', 'Piet')).toBe('de heer Piet c.s.');
    expect(names('', '')).toBeUndefined();
  });

  it('When a constant opens a bracket that another closes, then both go when either goes', () => {
    const bracketed = mapping(`  - target: firstName
    concat: [A, { constant: ' (' }, B, { constant: ')' }, C, { constant: ' [NL]' }]
    separator: ''`);
    const first = (a: string, b: string, c: string) =>
      ok(mapRecord(bracketed, record({ A: a, B: b, C: c }))).employee.firstName;
    expect(first('Jan', 'Piet', '')).toBe('Jan (Piet) [NL]');
    expect(first('Jan', '', '')).toBe('Jan [NL]');
    expect(first('', 'Piet', '')).toBe('(Piet) [NL]');
    expect(first('Jan', '', 'Klaas')).toBe('Jan Klaas [NL]');
    expect(first('', '', '')).toBeUndefined();
  });

  it('When a constant closes one pair of brackets and opens the next, then each pair stays or goes on its own', () => {
    const pairs = mapping(`  - target: firstName
    concat: [{ constant: '(' }, A, { constant: ') (' }, B, { constant: ')' }, { constant: ' - ' }, C]
    separator: ''`);
    const first = (a: string, b: string, c: string) =>
      ok(mapRecord(pairs, record({ A: a, B: b, C: c }))).employee.firstName;
    expect(first('Jan', 'Piet', 'Klaas')).toBe('(Jan) (Piet) - Klaas');
    expect(first('Jan', '', '')).toBe('(Jan)');
    expect(first('Jan', '', 'Klaas')).toBe('(Jan) - Klaas');
    expect(first('', 'Piet', '')).toBe('(Piet)');
  });

  it('When parts are joined with a separator, then empty parts and their constants leave no double separator', () => {
    const spaced = mapping(`  - { target: vault.legalFirstNames, concat: [A, { constant: '&' }, B, C] }`);
    const first = (a: string, b: string, c: string) =>
      ok(mapRecord(spaced, record({ A: a, B: b, C: c }))).employee.vault.legalFirstNames;
    expect(first('Jan', 'Piet', 'Klaas')).toBe('Jan & Piet Klaas');
    expect(first('Jan', '', 'Klaas')).toBe('Jan & Klaas');
    expect(first('', 'Piet', '')).toBe('Piet');
    expect(first('Jan', '', '')).toBe('Jan');
    // A constant's own spaces and the separator after them are one space.
    const dashed = mapping(`  - { target: firstName, concat: [A, { constant: ' - ' }, B] }`);
    expect(ok(mapRecord(dashed, record({ A: 'Jansen', B: 'Bakker' }))).employee.firstName).toBe(
      'Jansen - Bakker',
    );
  });

  it.each([
    ['mappings/csv-standard.yaml', 'Voorvoegsels', 'Achternaam'],
    ['mappings/sivi-werknemersgegevens.yaml', 'Voorv', 'SignNm'],
  ])('When %s joins prefix and surname, then the legal last name has both', async (file, prefix, surname) => {
    const shipped = await loadMapping(file);
    const legal = (p: string, s: string) =>
      mapDraft(shipped, { position: 'x:1', data: { [prefix]: p, [surname]: s } }).draft.vault.legalLastName;
    expect(legal('van  der', 'Berg')).toBe('van der Berg');
    expect(legal('', 'Berg')).toBe('Berg');
    expect(legal('', '')).toBeUndefined();
  });
});

describe('firstOf', () => {
  const m =
    mapping(`  - { target: firstName, firstOf: [Roepnaam, Voornaam], transforms: [{ exclude: '^(-|onbekend)$' }] }
  - target: gender
    firstOf: [GeslachtNieuw, Geslacht]
    transforms: [{ codes: { M: M, V: V, '?': '' } }]
    default: O
  - { target: namePrefix, firstOf: [Voorv1, Voorv2], transforms: [{ match: '^[a-z ]+$' }], required: true }
  - { target: vault.emailAddresses, firstOf: [Mail1, Mail2], transforms: [{ match: '@' }] }`);
  const data = { Roepnaam: 'Jan', Voornaam: 'Johannes', Geslacht: 'V', Voorv1: 'van', Mail1: 'j@x.nl' };
  const map = (over: Record<string, string>) => mapRecord(m, record({ ...data, ...over }));

  it('When the transforms empty the first source, then the next source that gives a value is used', () => {
    expect(ok(map({ Roepnaam: '-' })).employee.firstName).toBe('Johannes');
    expect(ok(map({ Roepnaam: 'onbekend' })).employee.firstName).toBe('Johannes');
    expect(ok(map({ GeslachtNieuw: '?' })).employee.gender).toBe('V');
    expect(ok(map({ Voorv1: 'VAN', Voorv2: 'van der' })).employee.namePrefix).toBe('van der');
  });

  it('When the first source gives a value, then the later sources are not used', () => {
    expect(ok(map({ Voornaam: 'onbekend' })).employee.firstName).toBe('Jan');
    expect(ok(map({ GeslachtNieuw: 'M' })).employee.gender).toBe('M');
  });

  it('When every source transforms to empty, then the default applies, or a required entry is a problem', () => {
    expect(ok(map({ Roepnaam: '-', Voornaam: 'onbekend' })).employee.firstName).toBeUndefined();
    expect(ok(map({ GeslachtNieuw: '?', Geslacht: '' })).employee.gender).toBe('O');
    const outcome = map({ Voorv1: 'VAN', Voorv2: '' });
    expect(outcome.ok ? [] : outcome.problems).toEqual([
      { field: 'employee.namePrefix', reason: 'Voorv1 / Voorv2 is empty, and a value is required' },
    ]);
  });

  it('When a transform fails on a source, then it is a problem, not a reason to take the next source', () => {
    const outcome = map({ GeslachtNieuw: 'Q', Geslacht: 'V' });
    expect(outcome.ok ? [] : outcome.problems).toEqual([
      {
        field: 'employee.gender',
        reason: 'GeslachtNieuw / Geslacht "Q" is not a known code (expected one of M, V, ?)',
      },
    ]);
    const later = map({ GeslachtNieuw: '?', Geslacht: 'Q' });
    expect(later.ok ? [] : later.problems.map((p) => p.reason)).toEqual([
      expect.stringContaining('"Q" is not a known code'),
    ]);
  });

  it('When firstOf reads inside a repeated group (each), then its sources are read from the items', () => {
    const grouped = mapping(`  - { target: firstName, each: Namen, firstOf: [Roep, Voor] }`);
    const named = (Namen: unknown) => ok(mapRecord(grouped, record({ Namen }))).employee.firstName;
    expect(named([{ Voor: 'Johannes' }])).toBe('Johannes');
    expect(named([{ Roep: '' }, { Roep: 'Jan', Voor: 'Johannes' }])).toBe('Jan');
  });

  it('When the transforms empty a value inside a repeated group, then the next source or item is used', () => {
    const grouped = mapping(`  - target: firstName
    each: Namen
    firstOf: [Roep, Voor]
    transforms: [{ exclude: '^(-|onbekend)$' }]
  - { target: initials, each: Namen, source: Voorl, transforms: [{ exclude: '^-$' }] }`);
    const mapped = (Namen: unknown) => ok(mapRecord(grouped, record({ Namen }))).employee;
    expect(mapped([{ Roep: '-', Voor: 'Johannes' }]).firstName).toBe('Johannes');
    expect(mapped([{ Roep: 'onbekend' }, { Roep: 'Jan' }]).firstName).toBe('Jan');
    expect(mapped([{ Roep: '-', Voor: 'onbekend' }]).firstName).toBeUndefined();
    expect(mapped([{ Voorl: '-' }, { Voorl: 'J.' }]).initials).toBe('J.');
  });

  it('When a list target has firstOf, then every source that gives a value adds one', () => {
    expect(ok(map({ Mail1: 'geen', Mail2: 'p@x.nl' })).employee.vault.emailAddresses).toEqual(['p@x.nl']);
    expect(ok(map({ Mail2: 'p@x.nl' })).employee.vault.emailAddresses).toEqual(['j@x.nl', 'p@x.nl']);
  });
});

describe('split', () => {
  const m = mapping(`  - target: vault.emailAddresses
    source: Mail
    transforms: [lower, { split: ' of ' }, { replace: { pattern: '\\s', with: '' } }, { match: '@' }]
  - target: vault.phoneNumbers
    source: Tel
    transforms: [{ replace: { pattern: ' ?/ ?', with: ';' } }, { split: ';' }, digits]`);
  const vault = (data: Record<string, string>) => ok(mapRecord(m, record(data))).employee.vault;

  it('When a transform comes before split, then it applies to the whole value first', () => {
    expect(vault({ Mail: 'A@X.nl OF B @Y.nl' }).emailAddresses).toEqual(['a@x.nl', 'b@y.nl']);
    expect(vault({ Tel: '06-12345678 / 020-1234567' }).phoneNumbers).toEqual(['0612345678', '0201234567']);
  });

  it('When transforms come after split, then they apply to each part', () => {
    expect(vault({ Mail: 'a@x.nl of geen' }).emailAddresses).toEqual(['a@x.nl']);
    const outcome = mapRecord(m, record({ Tel: '0612345678/onbekend' }));
    expect(outcome.ok ? [] : outcome.problems.map((p) => p.field)).toEqual(['vault.phoneNumbers']);
  });

  it('When the shipped CSV mapping splits phone numbers and e-mail addresses, then each is trimmed', async () => {
    const shipped = await loadMapping('mappings/csv-standard.yaml');
    const { draft } = mapDraft(shipped, {
      position: 'x:1',
      data: { Telefoon: ' 0612345678 ,, 020-1234567', 'E-mail': 'A@X.nl, b@y.nl ' },
    });
    expect(draft.vault.phoneNumbers).toEqual(['0612345678', '020-1234567']);
    expect(draft.vault.emailAddresses).toEqual(['a@x.nl', 'b@y.nl']);
  });

  it('When split is used on a target that takes one value, then the mapping is refused when it is loaded', () => {
    const refused = (extra: string, employment = '') =>
      refusedMapping('', 'mappings/t.yaml', () => mapping(extra, employment)).message;
    expect(refused(`  - { target: firstName, source: Voornamen, transforms: [trim, { split: ' ' }] }`)).toBe(
      'Mapping file is not valid:\nmappings/t.yaml:6: employee[2].transforms[1]: split gives several values, ' +
        'but target "firstName" takes one value (only vault.phoneNumbers, vault.emailAddresses and ' +
        'vault.ibans take several): remove the split, or pick one part with match or replace',
    );
    expect(
      refused('', `    - { target: departmentCode, firstOf: [A, B], transforms: [{ split: ',' }] }`),
    ).toMatch(
      /^Mapping file is not valid:\nmappings\/t\.yaml:10: employments\.fields\[1\]\.transforms\[0\]: .*"departmentCode"/,
    );
  });
});

describe('repeated groups', () => {
  const m = parseMapping(
    `
version: 1
name: groups
employee:
  - { target: personnelNumber, firstOf: [Dnstvbnd/PersNr, IdWrknmr], required: true }
  - { target: lastName, source: SignNm, required: true }
  - { target: vault.phoneNumbers, each: Com, source: NrCom, transforms: [{ exclude: '@' }] }
  - { target: vault.emailAddresses, each: Com, where: { SrtComCd: ['08', '09'] }, source: NrCom }
employments:
  each: Dnstvbnd
  fields:
    - { target: externalId, source: IdDnstvbnd, required: true }
    - { target: startDate, source: Ingdat, transforms: [{ date: xsd:date }], required: true }
    - { target: departmentCode, firstOf: [OndOrgeenhCd, OrgeenhCd] }
    - { target: functionName, source: /Functie }
departments:
  - each: Dnstvbnd
    fields:
      - { target: code, source: OndOrgeenhCd }
      - { target: parentCode, source: OrgeenhCd }
`,
    'g.yaml',
  );
  const record = {
    position: 'x.xml:5 /Dienstverbanden/Wrkgvr[1]/Wrknmr[1]',
    data: {
      IdWrknmr: 'W1',
      SignNm: 'Jansen',
      Functie: 'Bakker',
      Com: [
        { SrtComCd: '06', NrCom: '0612345678' },
        { SrtComCd: '08', NrCom: 'a@example.nl' },
      ],
      Dnstvbnd: [
        { IdDnstvbnd: 'D1', Ingdat: '2020-01-01', OrgeenhCd: 'A', OndOrgeenhCd: 'A1' },
        { IdDnstvbnd: 'D2', Ingdat: '2021-01-01', OrgeenhCd: 'B', PersNr: '77' },
      ],
    },
  };

  it('When a Wrknmr has two Dnstvbnd, then it gives two employments and the sub-departments', () => {
    const c = ok(mapRecord(m, record));
    expect(c.employee.personnelNumber).toBe('77');
    expect(c.employee.vault).toEqual({ phoneNumbers: ['0612345678'], emailAddresses: ['a@example.nl'] });
    expect(c.employments).toEqual([
      { externalId: 'D1', startDate: '2020-01-01', departmentCode: 'A1', functionName: 'Bakker' },
      { externalId: 'D2', startDate: '2021-01-01', departmentCode: 'B', functionName: 'Bakker' },
    ]);
    expect(c.departments).toEqual([{ code: 'A1', parentCode: 'A' }]);
  });

  it('When one employment of a group is wrong, then the problem names its item', () => {
    const bad = structuredClone(record);
    bad.data.Dnstvbnd[1]!.Ingdat = '2021-13-01';
    expect(problems(mapRecord(m, bad))).toEqual([
      {
        field: 'employments[2].startDate',
        reason: 'Dnstvbnd[2]/Ingdat "2021-13-01" is not an existing calendar date',
      },
    ]);
  });

  it('When two employments share an id, then the record is rejected', () => {
    const bad = structuredClone(record);
    bad.data.Dnstvbnd[1]!.IdDnstvbnd = 'D1';
    expect(problems(mapRecord(m, bad))[0]!.reason).toMatch(/"D1" is used by employments 1 and 2/);
  });
});
