import { writeFileSync } from 'node:fs';

export const csvHeader = [
  'Personeelsnummer',
  'Voorletters',
  'Roepnaam',
  'Voorvoegsels',
  'Achternaam',
  'Geslacht',
  'Geboortedatum',
  'BSN',
  'Straat',
  'Huisnummer',
  'Toevoeging',
  'Postcode',
  'Woonplaats',
  'Telefoon',
  'E-mail',
  'IBAN',
  'Dienstverband-id',
  'Datum in dienst',
  'Datum uit dienst',
  'Reden uit dienst',
  'Afdelingscode',
  'Afdelingsnaam',
  'Bovenliggende afdeling',
  'Functiecode',
  'Functienaam',
  'Soort contract',
  'Uren per week',
  'Normale uren per week',
  'Ingangsdatum wijziging',
  'No-riskpolis',
] as const;

export type CsvColumn = (typeof csvHeader)[number];
export type CsvRow = Partial<Record<CsvColumn, string>>;

/** One csv-standard row for employee `nr`, with fields overridden. */
export function csvRow(nr: string, overrides: CsvRow = {}): CsvRow {
  return {
    Personeelsnummer: nr,
    Voorletters: 'J.',
    Roepnaam: 'Joke',
    Voorvoegsels: 'van',
    Achternaam: `Dijk ${nr}`,
    Geslacht: 'V',
    Geboortedatum: '17-05-1980',
    Postcode: '3511 AB',
    Woonplaats: 'Utrecht',
    'Dienstverband-id': `DV-${nr}`,
    'Datum in dienst': '01-01-2020',
    Afdelingscode: 'KEUKEN',
    Afdelingsnaam: 'Keuken',
    'Soort contract': 'O',
    'Uren per week': '32',
    ...overrides,
  };
}

/** Writes a `;`-separated csv-standard delivery. */
export function writeCsvDelivery(file: string, rows: CsvRow[]): void {
  const quote = (v: string) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [csvHeader.join(';'), ...rows.map((r) => csvHeader.map((h) => quote(r[h] ?? '')).join(';'))];
  writeFileSync(file, lines.join('\r\n') + '\r\n', 'utf8');
}
