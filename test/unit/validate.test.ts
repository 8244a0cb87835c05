import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCandidate, type CandidateInput } from '../../src/sync/validate.js';

function input(over: Partial<CandidateInput> = {}): CandidateInput {
  return {
    position: 'f.csv:2',
    employee: { personnelNumber: '1', lastName: 'Berg', gender: 'M', birthDate: '1980-02-01' },
    vault: { bsn: '999996708', postcode: '1234 ab' },
    employments: [{ externalId: 'E1', startDate: '2020-01-01', hoursPerWeek: 36, contractType: 'O' }],
    departments: [{ code: 'FIN', name: 'Financiën' }],
    ...over,
  };
}

const labels = new Map([
  ['employee.birthDate', 'Geboortedatum'],
  ['employments[1].endDate', 'Datum uit dienst'],
  ['employments[1].startDate', 'Datum in dienst'],
  ['employments[1].hoursPerWeek', 'Uren per week'],
  ['vault.bsn', 'BSN'],
  ['vault.postcode', 'Postcode'],
]);

function problems(i: CandidateInput) {
  const r = validateCandidate(i, labels);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('validateCandidate', () => {
  it('When the change time is not an existing date and time, then it is a problem of the record', () => {
    const at = (changedAt: string) =>
      validateCandidate(input({ employee: { ...input().employee, changedAt } }));
    for (const good of [
      '2024-03-01T14:30:00',
      '2024-03-01 14:30',
      '2024-03-01T14:30:00.123+01:00',
      '2024-03-01T13:30Z',
      '2024-03-01',
    ])
      expect(at(good).ok, good).toBe(true);
    for (const bad of [
      '1',
      '1.5',
      '2024-02-30T10:00:00',
      '12-01-2024',
      '2024-03-01T24:00',
      '2024-03-01T14:60',
      'gisteren',
    ]) {
      const r = at(bad);
      expect(r.ok ? [] : r.problems, bad).toEqual([
        {
          field: 'employee.changedAt',
          reason: `changedAt "${bad}" is not a date and time as 2024-03-01T14:30:00 (a zone such as Z or +01:00 may follow)`,
        },
      ]);
    }
  });

  it('When everything is right, then the candidate comes back normalised', () => {
    const r = validateCandidate(input());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.candidate.employee.vault).toEqual({ bsn: '999996708', postcode: '1234AB' });
      expect(r.candidate.position).toBe('f.csv:2');
      expect(r.candidate.partialEmployee).toBeUndefined();
    }
  });

  it('When an eight-digit BSN passes the check, then it gets its leading zero', () => {
    const r = validateCandidate(input({ vault: { bsn: '12345672' } }));
    expect(r.ok && r.candidate.employee.vault.bsn).toBe('012345672');
  });

  it('When any BSN fails the 11-check, then the problem says so and never contains the number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (bsn) => {
        const r = validateCandidate(input({ vault: { bsn } }), labels);
        if (r.ok) return;
        const text = JSON.stringify(r.problems);
        expect(text).not.toContain(bsn);
        expect(r.problems).toContainEqual({ field: 'vault.bsn', reason: 'BSN fails the 11-check' });
      }),
    );
  });

  it("When the personnel number or source id is the person's BSN, then the record is refused without the number", () => {
    const cases: Array<[Partial<CandidateInput['employee']>, CandidateInput['vault'], string]> = [
      [{ personnelNumber: '999996708' }, { bsn: '999996708' }, 'employee.personnelNumber'],
      [{ personnelNumber: '9999.96.708' }, { bsn: '999996708' }, 'employee.personnelNumber'],
      [{ personnelNumber: '12345672' }, { bsn: '012345672' }, 'employee.personnelNumber'],
      [{ remoteId: '999996708' }, { bsn: '9999 96 708' }, 'employee.remoteId'],
    ];
    for (const [employee, vault, field] of cases) {
      const i = input({ employee: { ...input().employee, ...employee }, vault });
      // Both the quick path and the full one refuse it.
      expect(validateCandidate(i, labels).ok).toBe(false);
      expect(validateCandidate(i, labels, { fastPath: false }).ok).toBe(false);
      const found = problems(i);
      expect(found).toEqual([
        { field, reason: expect.stringMatching(/is the person's BSN \(value not shown\)/) },
      ]);
      expect(JSON.stringify(found)).not.toMatch(/\d{6}/);
    }
    // An employment id that is the person's BSN is refused the same way.
    const employment = input({ vault: { bsn: '999996708' } });
    employment.employments[0]!.externalId = '9999.96.708';
    expect(validateCandidate(employment, labels).ok).toBe(false);
    const byId = problems(employment);
    expect(byId).toEqual([
      {
        field: 'employments[1].externalId',
        reason: expect.stringMatching(/is the person's BSN \(value not shown\): .* gives the employment$/),
      },
    ]);
    expect(JSON.stringify(byId)).not.toMatch(/\d{6}/);
    // Another nine-digit number, or the BSN of nobody in the record, is a fine personnel number.
    expect(
      validateCandidate(input({ employee: { ...input().employee, personnelNumber: '123456782' } })).ok,
    ).toBe(true);
  });

  it('When the end date is before the start date, then the problem names both', () => {
    expect(
      problems(
        input({ employments: [{ externalId: 'E1', startDate: '2020-01-01', endDate: '2019-12-31' }] }),
      ),
    ).toEqual([
      {
        field: 'employments[1].endDate',
        reason:
          'Datum uit dienst 2019-12-31 is before Datum in dienst 2020-01-01: an employment cannot end before it starts',
      },
    ]);
  });

  it('When an employment date has a year outside 1900-2099, then it is refused as a typing error', () => {
    const i = input({
      employments: [
        { externalId: 'E1', startDate: '0215-03-01', endDate: '2215-01-01', validFrom: '1899-12-31' },
      ],
    });
    expect(validateCandidate(i, labels).ok).toBe(false);
    expect(problems(i).map((p) => [p.field, p.reason])).toEqual([
      ['employments[1].startDate', expect.stringMatching(/is before 1900$/)],
      ['employments[1].endDate', expect.stringMatching(/is after 2099$/)],
      ['employments[1].validFrom', expect.stringMatching(/is before 1900$/)],
    ]);
    const edges = input({
      employments: [{ externalId: 'E1', startDate: '1900-01-01', endDate: '2099-12-31' }],
    });
    expect(validateCandidate(edges, labels).ok).toBe(true);
  });

  it('When the end date equals the start date, then that is fine (a one-day employment)', () => {
    expect(
      validateCandidate(
        input({ employments: [{ externalId: 'E1', startDate: '2020-01-01', endDate: '2020-01-01' }] }),
      ).ok,
    ).toBe(true);
  });

  it('When a change takes effect before the employment starts, then it is a problem', () => {
    const p = problems(
      input({ employments: [{ externalId: 'E1', startDate: '2020-01-01', validFrom: '2019-01-01' }] }),
    );
    expect(p[0]!.field).toBe('employments[1].validFrom');
  });

  it.each([
    [-1, false],
    [0, true],
    [40, true],
    [80, true],
    [80.01, false],
    [Number.NaN, false],
  ])('When hours per week are %s, then valid is %s', (hours, valid) => {
    const r = validateCandidate(
      input({ employments: [{ externalId: 'E1', startDate: '2020-01-01', hoursPerWeek: hours }] }),
      labels,
    );
    expect(r.ok).toBe(valid);
    if (!r.ok)
      expect(r.problems[0]!.reason).toMatch(
        /^Uren per week .* (must be between 0 and 80 hours a week|is not a number)/,
      );
  });

  it('When a date does not exist in the calendar, then the problem gives the field and value', () => {
    expect(
      problems(input({ employee: { personnelNumber: '1', lastName: 'B', birthDate: '1980-02-30' } })),
    ).toEqual([
      { field: 'employee.birthDate', reason: 'Geboortedatum "1980-02-30" is not an existing calendar date' },
    ]);
  });

  it('When a birth date lies in the future, then it is a problem', () => {
    expect(
      problems(input({ employee: { personnelNumber: '1', lastName: 'B', birthDate: '2999-01-01' } }))[0]!
        .reason,
    ).toMatch(/lies in the future/);
  });

  it('When the postcode is not 1234AB, then the problem does not show the value (a vault field)', () => {
    const p = problems(input({ vault: { postcode: '12345' } }));
    expect(p).toEqual([
      {
        field: 'vault.postcode',
        reason: 'Postcode (a protected field; value not shown) is not a Dutch postcode such as 1234AB',
      },
    ]);
  });

  it('When gender or contract codes are not M/V/O and B/O, then the problem says which codes are allowed', () => {
    const p = problems(
      input({
        employee: { personnelNumber: '1', lastName: 'B', gender: 'X' },
        employments: [{ externalId: 'E1', startDate: '2020-01-01', contractType: 'F' }],
      }),
    );
    expect(p.map((x) => x.reason)).toEqual([
      'gender "X" is not a gender code M, V or O',
      'contractType "F" is not a contract code B (fixed term) or O (indefinite)',
    ]);
  });

  it('When the personnel number or last name is missing, then each is required', () => {
    const p = problems(input({ employee: {} }));
    expect(p).toEqual([
      { field: 'employee.personnelNumber', reason: 'personnelNumber is required' },
      { field: 'employee.lastName', reason: 'lastName is required' },
    ]);
  });

  it('When the source carries no names (partial), then lastName may be absent and the candidate is flagged', () => {
    const r = validateCandidate(input({ employee: { personnelNumber: '1' }, vault: {}, partial: true }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.candidate.partialEmployee).toBe(true);
      expect(r.candidate.employee.lastName).toBe('');
    }
  });

  it('When a record has no employment, then it is rejected', () => {
    expect(problems(input({ employments: [] }))[0]!.reason).toMatch(/has no employment/);
  });

  it('When a department names itself as parent, then it is a problem', () => {
    expect(problems(input({ departments: [{ code: 'A', parentCode: 'A' }] }))[0]!.reason).toMatch(
      /cannot be its own parent/,
    );
  });

  it('When a value is too long for its field, then the problem gives the limit', () => {
    expect(
      problems(
        input({ employments: [{ externalId: 'E1', startDate: '2020-01-01', functionCode: 'X'.repeat(16) }] }),
      )[0]!.reason,
    ).toMatch(/is longer than 15 characters/);
  });
});
