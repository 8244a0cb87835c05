import { employerCapabilities, type EmployerCapability } from './capabilities.js';
import { employerRoles, roleHas, roleNames } from './roles.js';

/** What each capability means, for the generated matrix table. */
export const capabilityDescriptions: Record<EmployerCapability, string> = {
  'users.manage': 'Manage users of the own employer(s) (Gebruikersbeheer)',
  'masterdata.edit':
    'Add / edit employees, employments, departments by hand (never while an HR link owns them)',
  'dossier.view': 'View dossiers in scope',
  'employees.find': 'Find employees in scope (names and numbers, to report on)',
  'absence.report': 'Sick / recovery reports',
  'pregnancy.report': 'Pregnancy reports',
  'casefile.write': 'Notes / documents in the case file',
  'tasks.use': 'Tasks (Poortwachter)',
  'statistics.view': 'Reports / statistics',
  'signals.receive': 'Receives signals',
};

/** The role matrix as a Markdown table, generated from the same data the authorization layer reads. */
export function roleMatrixMarkdown(): string {
  const header = ['Capability', ...employerRoles.map((r) => `${roleNames[r].nl} (\`${r}\`)`)];
  const rows = employerCapabilities.map((cap) => [
    `${capabilityDescriptions[cap]} (\`${cap}\`)`,
    ...employerRoles.map((role) => (roleHas(role, cap) ? 'yes' : '-')),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** The role matrix as plain text columns for a terminal. */
export function roleMatrixText(): string {
  const width = Math.max(...employerCapabilities.map((c) => c.length));
  const head = `${''.padEnd(width)}  ${employerRoles.map((_r, i) => String(i + 1).padStart(2)).join(' ')}`;
  const legend = employerRoles.map((r, i) => `  ${i + 1}. ${roleNames[r].nl} (${r})`).join('\n');
  const rows = employerCapabilities.map(
    (cap) => `${cap.padEnd(width)}  ${employerRoles.map((r) => (roleHas(r, cap) ? ' x' : ' -')).join(' ')}`,
  );
  return [head, ...rows, '', legend, ''].join('\n');
}
