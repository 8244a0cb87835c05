import { describe, expect, it } from 'vitest';
import { employerCapabilities } from '../../src/domain/capabilities.js';
import { employerRoles, roleCapabilities, roleHas, roleNames, roleWithin } from '../../src/domain/roles.js';

// The interpretation of the manual's matrix, written out independently of src/domain/roles.ts.
const table = `
users.manage      SU SUns SUl SUlns SUlso
masterdata.edit   SU SUns
dossier.view      SU SUns SUl SUlns MgrR MgrV
employees.find    SU SUns SUl SUlns SUlso MgrR MgrV Rep
absence.report    SU SUns SUl SUlns SUlso MgrR Rep
pregnancy.report  SU SUns SUl SUlns SUlso MgrR Rep
casefile.write    SU SUns SUl SUlns MgrR
tasks.use         SU SUns SUl SUlns MgrR MgrV
statistics.view   SU SUns SUl SUlns MgrR MgrV
signals.receive   SU SUl MgrR MgrV
`;
const short = {
  SU: 'superuser',
  SUns: 'superuser_no_signals',
  SUl: 'superuser_linked',
  SUlns: 'superuser_linked_no_signals',
  SUlso: 'superuser_linked_sick_only',
  MgrR: 'manager_reports',
  MgrV: 'manager_view',
  Rep: 'absence_reporter',
} as const;

describe('role matrix data', () => {
  it('When the matrix is read, then it grants exactly the capabilities of the documented table', () => {
    const expected = new Map(
      table
        .trim()
        .split('\n')
        .map((line) => {
          const [cap, ...roles] = line.trim().split(/\s+/);
          return [cap!, new Set(roles.map((r) => short[r as keyof typeof short]))];
        }),
    );
    for (const cap of employerCapabilities) {
      for (const role of employerRoles) {
        expect(roleHas(role, cap), `${role} / ${cap}`).toBe(expected.get(cap)!.has(role));
      }
    }
  });

  it('When roles are named, then the Dutch names are those of the manual', () => {
    expect(roleNames.superuser_linked_sick_only.nl).toBe('Supergebruiker koppeling alleen ziek/hersteld');
    expect(roleNames.absence_reporter.nl).toBe('Verzuimmelder');
    expect(Object.keys(roleNames)).toHaveLength(9);
  });

  it('When a role is compared with another, then only a subset of capabilities counts as within', () => {
    expect(roleWithin('absence_reporter', 'superuser_linked_sick_only')).toBe(true);
    expect(roleWithin('manager_view', 'superuser_linked_sick_only')).toBe(false);
    expect(roleWithin('superuser', 'superuser_no_signals')).toBe(false);
    expect(roleCapabilities.absence_reporter.has('dossier.view')).toBe(false);
  });
});

describe('role documentation', () => {
  it('When the README is read, then its matrix table is the one generated from the data', async () => {
    const { readFileSync } = await import('node:fs');
    const { roleMatrixMarkdown } = await import('../../src/domain/role-table.js');
    const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- role-matrix:start -->\n([\s\S]*?)<!-- role-matrix:end -->/.exec(doc)?.[1];
    expect(table).toBe(roleMatrixMarkdown());
  });
});
