import { describe, expect, it } from 'vitest';
import { loadMapping, mapDraft, mapRecord, parseMapping } from '../../src/sync/mapping/index.js';
import type { MappingOutcome } from '../../src/sync/types.js';

/** A mapping whose `employee` list ends with `extra`, and a record of it. */
function mapping(extra: string) {
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
`,
    'mappings/t.yaml',
  );
}

const record = (data: Record<string, unknown>) => ({
  position: 't.csv:2',
  data: { Nr: '1', Naam: 'Jansen', Start: '1-1-2020', ...data },
});

function ok(outcome: MappingOutcome) {
  if (!outcome.ok) throw new Error(outcome.problems.map((p) => `${p.field}: ${p.reason}`).join('\n'));
  return outcome.candidate;
}

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

  it('When parts are joined with a separator, then empty parts and their constants leave no double separator', () => {
    const spaced = mapping(`  - { target: vault.legalFirstNames, concat: [A, { constant: '&' }, B, C] }`);
    const first = (a: string, b: string, c: string) =>
      ok(mapRecord(spaced, record({ A: a, B: b, C: c }))).employee.vault.legalFirstNames;
    expect(first('Jan', 'Piet', 'Klaas')).toBe('Jan & Piet Klaas');
    expect(first('Jan', '', 'Klaas')).toBe('Jan & Klaas');
    expect(first('', 'Piet', '')).toBe('Piet');
    expect(first('Jan', '', '')).toBe('Jan');
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
