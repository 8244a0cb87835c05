import {
  employerCapabilities,
  operatorCapabilities,
  type EmployerCapability,
  type OperatorCapability,
} from './capabilities.js';

/** The eight employer roles of the user manual (rollenmatrix), with English identifiers. */
export const employerRoles = [
  'superuser',
  'superuser_no_signals',
  'superuser_linked',
  'superuser_linked_no_signals',
  'superuser_linked_sick_only',
  'manager_reports',
  'manager_view',
  'absence_reporter',
] as const;

export type EmployerRole = (typeof employerRoles)[number];
/** The arbodienst's own role: manages employers, links and tokens, never sees employee dossiers. */
export const operatorRole = 'operator' as const;
export type Role = EmployerRole | typeof operatorRole;

/** Names as users see them (Dutch as in the manual, English for `en`). */
export const roleNames: Record<Role, { nl: string; en: string }> = {
  superuser: { nl: 'Supergebruiker', en: 'Superuser' },
  superuser_no_signals: { nl: 'Supergebruiker zonder signalen', en: 'Superuser without signals' },
  superuser_linked: { nl: 'Supergebruiker koppeling', en: 'Superuser linked' },
  superuser_linked_no_signals: {
    nl: 'Supergebruiker koppeling zonder signalen',
    en: 'Superuser linked without signals',
  },
  superuser_linked_sick_only: {
    nl: 'Supergebruiker koppeling alleen ziek/hersteld',
    en: 'Superuser linked, sick/recovery only',
  },
  manager_reports: {
    nl: 'Leidinggevende met ziek/hersteld meldingen',
    en: 'Manager with sick/recovery reports',
  },
  manager_view: {
    nl: 'Leidinggevende zonder ziek/hersteld meldingen',
    en: 'Manager, view only',
  },
  absence_reporter: { nl: 'Verzuimmelder', en: 'Absence reporter' },
  operator: { nl: 'Arbodienst-beheerder', en: 'Arbodienst operator' },
};

const Y = true;
const _ = false;

/**
 * The role matrix: which employer capability each role has. Columns in the order of
 * `employerRoles`. This table is the only place roles are turned into permissions; the
 * authorization layer, the tests and the documentation all read it.
 */
const matrixRows: Record<EmployerCapability, readonly boolean[]> = {
  //                  SU SUns SUl SUlns SUlso MgrR MgrV Rep
  'users.manage': [Y, Y, Y, Y, Y, _, _, _],
  'masterdata.edit': [Y, Y, _, _, _, _, _, _],
  'dossier.view': [Y, Y, Y, Y, _, Y, Y, _],
  'employees.find': [Y, Y, Y, Y, Y, Y, Y, Y],
  'absence.report': [Y, Y, Y, Y, Y, Y, _, Y],
  'pregnancy.report': [Y, Y, Y, Y, Y, Y, _, Y],
  'casefile.write': [Y, Y, Y, Y, _, Y, _, _],
  'tasks.use': [Y, Y, Y, Y, _, Y, Y, _],
  'statistics.view': [Y, Y, Y, Y, _, Y, Y, _],
  'signals.receive': [Y, _, Y, _, _, Y, Y, _],
};

/** Capabilities per employer role, derived from the matrix above. */
export const roleCapabilities: Record<EmployerRole, ReadonlySet<EmployerCapability>> = Object.fromEntries(
  employerRoles.map((role, column) => [
    role,
    new Set(employerCapabilities.filter((cap) => matrixRows[cap][column])),
  ]),
) as unknown as Record<EmployerRole, ReadonlySet<EmployerCapability>>;

/** The operator has every operator capability and no employer capability. */
export const operatorRoleCapabilities: ReadonlySet<OperatorCapability> = new Set(operatorCapabilities);

/** True when the employer role grants the capability. */
export function roleHas(role: EmployerRole, capability: EmployerCapability): boolean {
  return roleCapabilities[role].has(capability);
}

/** True when every capability of `granted` is also held by `holder` (no one hands out more than they have). */
export function roleWithin(granted: EmployerRole, holder: EmployerRole): boolean {
  return [...roleCapabilities[granted]].every((cap) => roleCapabilities[holder].has(cap));
}

/** Roles that may create and manage users ("only roles with superuser in their name"). */
export function isSuperuserRole(role: EmployerRole): boolean {
  return roleHas(role, 'users.manage');
}
