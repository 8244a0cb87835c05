import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvHeader, type CsvRow } from '../helpers/csv-delivery.js';

const firstNames = [
  'Jan',
  'Sanne',
  'Daan',
  'Emma',
  'Zoë',
  'Noël',
  'Ömer',
  'Fenna',
  'Joëlle',
  'Bram',
  'Aïcha',
  'Thijs',
  'Chloé',
  'Lars',
];
const prefixes = ['', '', '', 'van', 'de', 'van der', 'van den', 'ter', "in 't", 'den'];
const lastNames = [
  'Jansen',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'Müller',
  'Brouwer',
  'Dijk',
  'Çelik',
  'Hoek',
  'Berg',
  'Öztürk',
  'Willems',
  'Koç',
];
const towns = [
  'Utrecht',
  'Amsterdam',
  "'s-Hertogenbosch",
  'Leeuwarden',
  'Zwolle',
  'Maastricht',
  'Den Haag',
  'Groningen',
];

/** A deterministic pseudo-random generator, so two runs of the benchmark generate the same delivery. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The i-th valid BSN (11-check) of a deterministic sequence. */
export function bsnFor(i: number): string {
  for (let n = 100_000_000 + i * 11; ; n++) {
    const d = String(n).padStart(9, '0');
    let sum = 0;
    for (let k = 0; k < 8; k++) sum += Number(d[k]) * (9 - k);
    sum -= Number(d[8]);
    if (sum % 11 === 0) return d;
  }
}

/** A department tree: 1 root, 8 divisions, 8 departments each. */
export function departments(): Array<{ code: string; name: string; parent?: string }> {
  const list: Array<{ code: string; name: string; parent?: string }> = [{ code: 'HQ', name: 'Hoofdkantoor' }];
  for (let d = 1; d <= 8; d++) {
    list.push({ code: `DIV${d}`, name: `Divisie ${d}`, parent: 'HQ' });
    for (let a = 1; a <= 8; a++)
      list.push({ code: `D${d}${a}`, name: `Afdeling ${d}.${a} Zuid-Oost`, parent: `DIV${d}` });
  }
  return list;
}

export interface Variant {
  /** Share of employees with a changed record (last name and hours). */
  changed?: number;
  /** Share of employees left out (a complete delivery ends them). */
  missing?: number;
}

/** Writes a csv-standard delivery of `employees` people (2% with a second employment); returns the rows written. */
export async function writeDelivery(file: string, employees: number, variant: Variant = {}): Promise<number> {
  const random = rng(42);
  const deps = departments().filter((d) => d.code.startsWith('D') && !d.code.startsWith('DIV'));
  const out = createWriteStream(file, 'utf8');
  const quote = (v: string) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const write = async (row: CsvRow) => {
    if (!out.write(csvHeader.map((h) => quote(row[h] ?? '')).join(';') + '\r\n')) await once(out, 'drain');
  };
  out.write(csvHeader.join(';') + '\r\n');
  const step = (share?: number) => (share ? Math.round(1 / share) : 0);
  const changeEvery = step(variant.changed);
  const missEvery = step(variant.missing);
  let rows = 0;
  for (let i = 1; i <= employees; i++) {
    const r = () => random();
    const first = firstNames[Math.floor(r() * firstNames.length)]!;
    const prefix = prefixes[Math.floor(r() * prefixes.length)]!;
    const last = lastNames[Math.floor(r() * lastNames.length)]!;
    const dep = deps[Math.floor(r() * deps.length)]!;
    const parent = `DIV${dep.code[1]}`;
    const hours = String(8 + Math.floor(r() * 33));
    const second = r() < 0.02;
    const gender = r() < 0.5 ? 'M' : 'V';
    const birthDate = `${1 + Math.floor(r() * 28)}-${1 + Math.floor(r() * 12)}-${1960 + Math.floor(r() * 45)}`;
    // Every random draw happens before skipping, so variants of a delivery describe the same people.
    if (missEvery && i % missEvery === 1) continue;
    const changed = changeEvery && i % changeEvery === 2;
    const row: CsvRow = {
      Personeelsnummer: String(100000 + i),
      Voorletters: `${first[0]}.`,
      Roepnaam: first,
      Voorvoegsels: prefix,
      Achternaam: changed ? `${last}-Nieuw` : last,
      Geslacht: gender,
      Geboortedatum: birthDate,
      BSN: bsnFor(i),
      Straat: 'Kerkstraat',
      Huisnummer: String(1 + (i % 200)),
      Postcode: `${1000 + (i % 8999)} AB`,
      Woonplaats: towns[i % towns.length]!,
      'E-mail': `medewerker${i}@example.nl`,
      'Dienstverband-id': `DV-${i}-1`,
      'Datum in dienst': `1-${1 + (i % 12)}-${2000 + (i % 25)}`,
      Afdelingscode: dep.code,
      Afdelingsnaam: dep.name,
      'Bovenliggende afdeling': parent,
      Functiecode: `F${i % 40}`,
      Functienaam: 'Medewerker',
      'Soort contract': i % 3 === 0 ? 'B' : 'O',
      'Uren per week': changed ? String(Number(hours) + 1) : hours,
    };
    await write(row);
    rows++;
    if (second) {
      await write({
        ...row,
        'Dienstverband-id': `DV-${i}-2`,
        'Uren per week': '8',
        Afdelingscode: deps[0]!.code,
        Afdelingsnaam: deps[0]!.name,
        'Bovenliggende afdeling': 'DIV1',
      });
      rows++;
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}
