import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import iconv from 'iconv-lite';
import { siviNamespaces } from '../../connectors/sivi/transport.js';
import { csvHeader } from './csv-delivery.js';

/**
 * Generators of large, realistic deliveries for memory tests and benchmarks: names with prefixes
 * and diacritics, valid BSNs, about 2% second employments, a department tree. Written as a stream,
 * so generating a million rows needs no more memory than reading them. Deterministic per seed.
 */

const firstNames = [
  'Jan',
  'Sanne',
  'Mohammed',
  'Émilie',
  'Daan',
  'Fleur',
  'Çağla',
  'Lars',
  'Zoë',
  'Bram',
  'Ayşe',
  'Niels',
  'Anaïs',
  'Sem',
  'Lotte',
];
const lastNames = [
  'Jansen',
  'Berg',
  'Müller',
  'Çelik',
  "d'Ançay",
  'Vries',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'Dekker',
  'Yılmaz',
  'Brouwer',
  'Hoek',
  'Dijk',
];
const prefixes = ['', '', '', 'van', 'de', 'van der', 'van den', 'ter', "in 't"];
const streets = ['Dorpsstraat', 'Kerkweg', 'Stationsplein', 'Lange Nieuwstraat', 'Oudegracht', 'Hoofdstraat'];
const towns = ['Utrecht', 'Amsterdam', 'Zwolle', "'s-Hertogenbosch", 'Leeuwarden', 'Ede'];
const functions: Array<[string, string]> = [
  ['F01', 'Bakker'],
  ['F02', 'Verkoopmedewerker'],
  ['F03', 'Planner'],
  ['F04', 'Controller'],
  ['F05', 'Chauffeur'],
];

/** Small deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A BSN that passes the 11-check. */
export function makeBsn(rnd: () => number): string {
  for (;;) {
    const d = Array.from({ length: 8 }, () => Math.floor(rnd() * 10));
    if (d[0] === 0 && d[1] === 0) continue;
    const sum = d.reduce((s, v, i) => s + v * (9 - i), 0);
    const last = sum % 11;
    if (last === 10) continue;
    return d.join('') + String(last);
  }
}

export interface GeneratedEmployee {
  personnelNumber: string;
  initials: string;
  firstName: string;
  prefix: string;
  lastName: string;
  gender: 'M' | 'V' | 'O';
  birthDate: string;
  bsn: string;
  street: string;
  houseNumber: string;
  postcode: string;
  town: string;
  email: string;
  employments: Array<{
    id: string;
    start: string;
    end?: string;
    department: string;
    parentDepartment: string;
    functionCode: string;
    functionName: string;
    contract: 'B' | 'O';
    hours: number;
  }>;
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The i-th employee of a generated delivery (departments: 10 divisions of 10 teams each). */
export function employee(i: number, rnd: () => number): GeneratedEmployee {
  const firstName = pick(rnd, firstNames);
  const lastName = pick(rnd, lastNames);
  const division = Math.floor(rnd() * 10);
  const jobs = rnd() < 0.02 ? 2 : 1;
  const employments: GeneratedEmployee['employments'] = [];
  for (let j = 1; j <= jobs; j++) {
    const [functionCode, functionName] = pick(rnd, functions);
    employments.push({
      id: `E${i}-${j}`,
      start: `${2000 + Math.floor(rnd() * 24)}-${pad(1 + Math.floor(rnd() * 12))}-${pad(1 + Math.floor(rnd() * 28))}`,
      ...(rnd() < 0.03 ? { end: '2025-12-31' } : {}),
      department: `D${division}-${Math.floor(rnd() * 10)}`,
      parentDepartment: `D${division}`,
      functionCode,
      functionName,
      contract: rnd() < 0.3 ? 'B' : 'O',
      hours: Math.round((8 + rnd() * 32) * 2) / 2,
    });
  }
  return {
    personnelNumber: String(100000 + i),
    initials: `${firstName[0]}.`,
    firstName,
    prefix: pick(rnd, prefixes),
    lastName,
    gender: pick(rnd, ['M', 'V', 'V', 'M', 'O'] as const),
    birthDate: `${1955 + Math.floor(rnd() * 50)}-${pad(1 + Math.floor(rnd() * 12))}-${pad(1 + Math.floor(rnd() * 28))}`,
    bsn: makeBsn(rnd),
    street: pick(rnd, streets),
    houseNumber: String(1 + Math.floor(rnd() * 300)),
    postcode: `${1000 + Math.floor(rnd() * 9000)}${String.fromCharCode(65 + Math.floor(rnd() * 26))}${String.fromCharCode(65 + Math.floor(rnd() * 26))}`,
    town: pick(rnd, towns),
    email: `medewerker${i}@example.nl`,
    employments,
  };
}

async function writeAll(
  file: string,
  encoding: 'utf-8' | 'windows-1252',
  lines: Iterable<string>,
): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let chunk = '';
  const flush = async () => {
    const buf = encoding === 'utf-8' ? Buffer.from(chunk, 'utf8') : iconv.encode(chunk, 'win1252');
    bytes += buf.length;
    chunk = '';
    if (!out.write(buf)) await once(out, 'drain');
  };
  for (const line of lines) {
    chunk += line;
    if (chunk.length > 256 * 1024) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return bytes;
}

const dmy = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

/** Writes a csv-standard delivery of `employees` employees (one row per employment). Returns rows and bytes. */
export async function writeCsvDelivery(
  file: string,
  employees: number,
  options: { seed?: number; encoding?: 'utf-8' | 'windows-1252' } = {},
): Promise<{ rows: number; bytes: number }> {
  const rnd = random(options.seed ?? 1);
  let rows = 0;
  function* lines() {
    yield csvHeader.join(';') + '\r\n';
    for (let i = 0; i < employees; i++) {
      const e = employee(i, rnd);
      for (const j of e.employments) {
        rows++;
        yield (
          [
            e.personnelNumber,
            e.initials,
            e.firstName,
            e.prefix,
            e.lastName,
            e.gender,
            dmy(e.birthDate),
            e.bsn,
            e.street,
            e.houseNumber,
            '',
            e.postcode,
            e.town,
            '',
            e.email,
            '',
            j.id,
            dmy(j.start),
            j.end ? dmy(j.end) : '',
            '',
            j.department,
            `Team ${j.department}`,
            j.parentDepartment,
            j.functionCode,
            j.functionName,
            j.contract,
            String(j.hours).replace('.', ','),
            '40',
            '',
            rnd() < 0.05 ? 'ja' : 'nee',
          ]
            .map((v) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
            .join(';') + '\r\n'
        );
      }
    }
  }
  const bytes = await writeAll(file, options.encoding ?? 'utf-8', lines());
  return { rows, bytes };
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Writes a SIVI WerknemersGegevens 2022 delivery with `employees` Wrknmr elements. */
export async function writeSiviDelivery(
  file: string,
  employees: number,
  options: { seed?: number } = {},
): Promise<{ bytes: number }> {
  const rnd = random(options.seed ?? 1);
  function* lines() {
    yield `<?xml version="1.0" encoding="UTF-8"?>\n<WerknemerGegevens xmlns="${siviNamespaces.WerknemersGegevens}">\n`;
    yield '  <BrAlg><BrCd>00600</BrCd><VnrBrCd>00004</VnrBrCd><AandatBr>2025-03-01</AandatBr><AantijdBr>02:00:00</AantijdBr><IdInzndr>BENCH</IdInzndr><GebrSwPakket>Generator</GebrSwPakket><IdOntvngr>ARBO</IdOntvngr><Berrefnr>BENCH-1</Berrefnr><TestJN>J</TestJN><OntvngstbevJN>N</OntvngstbevJN></BrAlg>\n';
    yield '  <Wrkgvr>\n    <HndlsnmOrg>Bench &amp; Co B.V.</HndlsnmOrg>\n    <IdWrkgvrArbdnst>WG-1</IdWrkgvrArbdnst>\n    <AansltnrGeguitwlngArbdnst>AC-1</AansltnrGeguitwlngArbdnst>\n    <Lhnr>123456789L01</Lhnr>\n';
    for (let i = 0; i < employees; i++) {
      const e = employee(i, rnd);
      let x = `    <Wrknmr>\n      <SofiNr>${e.bsn}</SofiNr>\n      <Gebdat>${e.birthDate}</Gebdat>\n      <SignNm>${esc(e.lastName)}</SignNm>\n      <Voorl>${e.initials}</Voorl>\n`;
      if (e.prefix) x += `      <Voorv>${esc(e.prefix)}</Voorv>\n`;
      x += `      <Roepnaam>${esc(e.firstName)}</Roepnaam>\n      <NmvrkrCd>01</NmvrkrCd>\n      <GslchtCd>${e.gender}</GslchtCd>\n      <IdWrknmr>W${e.personnelNumber}</IdWrknmr>\n`;
      x += `      <StrAdrNl>\n        <SrtAdrsCd>01</SrtAdrsCd>\n        <Pc>${e.postcode}</Pc>\n        <Wnpl>${esc(e.town)}</Wnpl>\n        <StraatLang>${esc(e.street)}</StraatLang>\n        <Huisnr>${e.houseNumber}</Huisnr>\n      </StrAdrNl>\n`;
      x += `      <Com>\n        <SrtComCd>09</SrtComCd>\n        <NrCom>${e.email}</NrCom>\n      </Com>\n`;
      for (const j of e.employments) {
        x += `      <Dnstvbnd>\n        <IdDnstvbnd>${j.id}</IdDnstvbnd>\n        <Ingdat>${j.start}</Ingdat>\n`;
        if (j.end) x += `        <Enddat>${j.end}</Enddat>\n`;
        x += `        <PersNr>${e.personnelNumber}</PersNr>\n        <Fnctcd>${j.functionCode}</Fnctcd>\n        <NmFnct>${j.functionName}</NmFnct>\n        <NmOrgeenh>Divisie ${j.parentDepartment}</NmOrgeenh>\n        <OrgeenhCd>${j.parentDepartment}</OrgeenhCd>\n        <OndOrgeenhCd>${j.department}</OndOrgeenhCd>\n        <OndOrgeenhCdNm>Team ${j.department}</OndOrgeenhCdNm>\n        <CdBepTd>${j.contract}</CdBepTd>\n        <AantCtrcturenPWk>${j.hours.toFixed(2)}</AantCtrcturenPWk>\n        <AantUNormWk>40.00</AantUNormWk>\n      </Dnstvbnd>\n`;
      }
      yield x + '    </Wrknmr>\n';
    }
    yield '  </Wrkgvr>\n</WerknemerGegevens>\n';
  }
  return { bytes: await writeAll(file, 'utf-8', lines()) };
}
