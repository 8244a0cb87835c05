/**
 * What a caller may do. Employer roles get employer capabilities through the role matrix
 * (`src/domain/roles.ts`); the arbodienst operator has the operator capabilities.
 */
export const employerCapabilities = [
  /** Create and manage user accounts of the own employer(s). */
  'users.manage',
  /** Add and edit employees, employments and departments by hand (not while an HR link owns them). */
  'masterdata.edit',
  /** See employee dossiers (cases, timelines, history) in scope. */
  'dossier.view',
  /** Find employees in scope to report on (names and numbers only). */
  'employees.find',
  /** Sick, correction, (partial) recovery and other-end reports. */
  'absence.report',
  /** Pregnancy reports. */
  'pregnancy.report',
  /** Notes and documents in the case file. */
  'casefile.write',
  /** Poortwachter tasks: see and act on them. */
  'tasks.use',
  /** Reports and statistics. */
  'statistics.view',
  /** Receives signal e-mails. */
  'signals.receive',
] as const;

export const operatorCapabilities = ['employers.manage', 'syncruns.view', 'tokens.manage'] as const;

export type EmployerCapability = (typeof employerCapabilities)[number];
export type OperatorCapability = (typeof operatorCapabilities)[number];
export type Capability = EmployerCapability | OperatorCapability;
