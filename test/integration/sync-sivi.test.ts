import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSiviDelivery } from '../helpers/deliveries.js';
import { storedState, testLink, syncTestStore } from '../helpers/sync.js';
import { saveLink } from '../../src/store/links.js';
import { syncDelivery } from '../../src/sync/delivery.js';
import type { Link } from '../../src/sync/link.js';
import { findRun } from '../../src/sync/runs.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sivi');
const bed = syncTestStore('sivi');

async function sync(
  code: string,
  file: string,
  mapping: string,
  ids: Partial<Link['employer']> = {},
  delivery: Link['delivery'] = 'mutations',
) {
  const link = testLink(code, {
    employer: { code, name: `${code} BV`, ...ids },
    connector: 'sivi',
    source: { file: resolve(fixtures, file) },
    mapping: `mappings/${mapping}.yaml`,
    delivery,
  });
  const employer = await saveLink(bed.store.db, link, 'file');
  const run = () =>
    syncDelivery({ store: bed.store, vault: bed.vault, employerId: employer.id, link, trigger: 'cli' });
  return { employer, run };
}

/** Temporary folders of the tests that write their own delivery text; removed after the file. */
const folders: string[] = [];
afterAll(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

async function ownFolder(code: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `koppeling-${code}-`));
  folders.push(dir);
  return dir;
}

/**
 * A WerknemersGegevens link reading `werknemers.xml` in a folder of its own: `run(xml)` writes that
 * text as the delivery and syncs it (`forcedBy`: past the guards).
 */
async function siviText(code: string, overrides: Parameters<typeof testLink>[1] = {}) {
  const file = join(await ownFolder(code), 'werknemers.xml');
  const link = testLink(code, {
    connector: 'sivi',
    source: { file },
    mapping: 'mappings/sivi-werknemersgegevens.yaml',
    ...overrides,
  });
  const employer = await saveLink(bed.store.db, link, 'file');
  const run = async (xml: string, forcedBy?: string) => {
    await writeFile(file, xml);
    return (await syncDelivery({
      store: bed.store,
      vault: bed.vault,
      employerId: employer.id,
      link,
      trigger: 'cli',
      forcedBy,
    }))!;
  };
  return { employer, run };
}

/** A generated WerknemersGegevens delivery of `employees` people, each with a BSN, address and e-mail. */
async function generatedXml(employees: number): Promise<string> {
  const file = join(await ownFolder('sivi-generated'), 'generated.xml');
  await writeSiviDelivery(file, employees);
  return readFile(file, 'utf8');
}

/** `xml` without the element `name` (a leaf or a whole group), except in its first `keep` places. */
function without(xml: string, name: string, keep = 0): string {
  let seen = 0;
  return xml.replace(new RegExp(`[ \\t]*<${name}>[\\s\\S]*?</${name}>\\n`, 'g'), (found) =>
    seen++ < keep ? found : '',
  );
}

describe('SIVI deliveries end to end (sivi connector + shipped mappings + engine)', () => {
  it('When a Dienstverbanden file follows WerknemersGegevens, then employments are stored, names are kept and the rerun writes nothing', async () => {
    const ids = { payrollTaxNumber: '123456789L01', arboEmployerId: 'WG-4711' };
    const people = await sync('sivi-dv', 'werknemersgegevens.xml', 'sivi-werknemersgegevens', ids);
    expect((await people.run())!.status).toBe('completed');
    const names = await bed.store
      .db('employees')
      .where({ employer_id: people.employer.id })
      .orderBy('personnel_number')
      .select('personnel_number', 'last_name', 'first_name');
    expect(names.length).toBeGreaterThan(0);
    const { employer, run } = await sync('sivi-dv', 'dienstverbanden.xml', 'sivi-dienstverbanden', ids);
    const first = (await run())!;
    expect(first.status).toBe('completed');
    expect(first.counts).toMatchObject({ created: 0, rejected: 0 });
    const employments = await bed.store.db('employments').where({ employer_id: employer.id });
    expect(employments.map((m: { external_id: string }) => m.external_id)).toContain('DV-1002-2');
    const after = await bed.store
      .db('employees')
      .where({ employer_id: employer.id })
      .orderBy('personnel_number')
      .select('personnel_number', 'last_name', 'first_name');
    expect(after).toEqual(names);
    const again = (await run())!;
    expect(again.counts).toMatchObject({ created: 0, updated: 0, rowsWritten: 0 });
  });

  it('When a Dienstverbanden file comes before the people are known, then its records are quarantined and nothing is created', async () => {
    const { employer, run } = await sync('sivi-dv-first', 'dienstverbanden.xml', 'sivi-dienstverbanden');
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 0, rejected: 3 });
    expect(new Set(r.rejects.map((x) => x.reason))).toEqual(
      new Set(['employee unknown: deliver WerknemersGegevens (or a full record) first']),
    );
    expect(await bed.store.db('employees').where({ employer_id: employer.id })).toHaveLength(0);
  });

  it("When a delivery names another employer's loonheffingennummer or arbodienst id, then the run fails and nothing is applied", async () => {
    for (const [code, ids, expected] of [
      [
        'sivi-other-lh',
        { payrollTaxNumber: '987654321L01' },
        'delivery is for loonheffingennummer …89L01, this link is for …21L01',
      ],
      [
        'sivi-other-arbo',
        { arboEmployerId: 'WG-0815' },
        'delivery is for arbodienst employer id (IdWrkgvrArbdnst) WG-4711, this link is for WG-0815',
      ],
    ] as const) {
      const { employer, run } = await sync(code, 'werknemersgegevens.xml', 'sivi-werknemersgegevens', ids);
      const r = (await run())!;
      expect(r.status).toBe('failed');
      expect(r.message).toContain(expected);
      expect(await bed.store.db('employees').where({ employer_id: employer.id })).toHaveLength(0);
      const row = await bed.store.db('sync_runs').where({ id: r.runId }).first();
      expect(row.status).toBe('failed');
    }
  });

  it('When a WerknemersGegevens file is synced, then the people are stored', async () => {
    const { run } = await sync('sivi-wg', 'werknemersgegevens.xml', 'sivi-werknemersgegevens');
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.counts.created + r.counts.rejected).toBeGreaterThan(0);
  });

  it('When the XML is truncated or declares entities, then the run fails and nothing is applied', async () => {
    for (const [code, file] of [
      ['sivi-trunc', 'truncated.xml'],
      ['sivi-laughs', 'doctype-billion-laughs.xml'],
    ] as const) {
      const { employer, run } = await sync(code, file, 'sivi-dienstverbanden');
      const r = (await run())!;
      expect(r.status).toBe('failed');
      expect(await bed.store.db('employees').where({ employer_id: employer.id })).toHaveLength(0);
    }
  });

  it('When a complete delivery has a record that breaks the SIVI schema, then that record is quarantined, its employee kept as stored and the rest applied', async () => {
    const code = 'sivi-schema';
    const first = await sync(code, 'werknemersgegevens.xml', 'sivi-werknemersgegevens', {}, 'complete');
    expect((await first.run())!.status).toBe('completed');
    const before = await bed.store
      .db('employees')
      .where({ employer_id: first.employer.id })
      .orderBy('personnel_number')
      .select('personnel_number', 'last_name', 'in_service', 'remote_deleted_at');
    const xml = await readFile(join(fixtures, 'werknemersgegevens.xml'), 'utf8');
    const changed = xml
      .replace('<sivi:SignNm>Berg</sivi:SignNm>', '<sivi:SignNm>Bergen</sivi:SignNm>')
      .replace('<sivi:GslchtCd>M</sivi:GslchtCd>', '<sivi:Geslacht>M</sivi:Geslacht>')
      .replace('<sivi:SignNm>Çelik</sivi:SignNm>', '<sivi:SignNm>Çelik-Yilmaz</sivi:SignNm>');
    const { run } = await siviText(code, { delivery: 'complete' });
    const r = await run(changed);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ rejected: 1, updated: 1, ended: 0 });
    expect(r.rejects).toEqual([
      {
        position: 'werknemers.xml:21 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]',
        field: 'Wrknmr',
        reason:
          'line 29: <Geslacht> is not an element of <Wrknmr> in the SIVI WerknemersGegevens 2022 schema',
      },
      {
        position: 'werknemers.xml:21 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]',
        field: 'Wrknmr',
        reason:
          'line 30: <Wrknmr> lacks <GslchtCd> before <IdWrknmr>, which the SIVI WerknemersGegevens 2022 schema requires',
      },
    ]);
    const after = await bed.store
      .db('employees')
      .where({ employer_id: first.employer.id })
      .orderBy('personnel_number')
      .select('personnel_number', 'last_name', 'in_service', 'remote_deleted_at');
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual({ ...before[1], last_name: 'Çelik-Yilmaz' });
    expect(after.slice(2)).toEqual(before.slice(2));
  });

  it("When a SIVI link keys on IdWrknmr and a person's employments carry different PersNr, then ending one renumbers the person instead of refusing them", async () => {
    const xml = await readFile(join(fixtures, 'werknemersgegevens.xml'), 'utf8');
    // Jan's second employment, DV-1002-2 open and with a personnel number of its own.
    const two = xml
      .replace(
        '<sivi:PersNr>1002</sivi:PersNr>\n        <sivi:OrgeenhCd>PROD',
        '<sivi:PersNr>5002</sivi:PersNr>\n        <sivi:OrgeenhCd>PROD',
      )
      .replace(
        '<sivi:Enddat>2024-12-31</sivi:Enddat>\n        <sivi:RdEndDnstvbndCd>01</sivi:RdEndDnstvbndCd>\n',
        '',
      );
    const first =
      /<sivi:Dnstvbnd>\s*<sivi:IdDnstvbnd>DV-1002-1<\/sivi:IdDnstvbnd>[\s\S]*?<\/sivi:Dnstvbnd>\s*/;
    const one = two.replace(first, '');
    expect(one).not.toContain('DV-1002-1');
    const { employer, run } = await siviText('sivi-persnr', { key: 'externalId', guardAllowance: 1 });
    expect((await run(two)).counts).toMatchObject({ created: 3, rejected: 0 });
    const r = await run(one);
    expect(r.rejects).toEqual([]);
    expect(r.counts).toMatchObject({ updated: 1, ended: 1, rejected: 0 });
    const ayse = await bed.store
      .db('employees')
      .where({ employer_id: employer.id, remote_id: 'W-1002' })
      .first();
    expect(ayse.personnel_number).toBe('5002');
    const ended = await bed.store
      .db('employments')
      .where({ employer_id: employer.id, external_id: 'DV-1002-1' })
      .first();
    expect(ended.end_reason).toBe('missing from complete delivery');
  });

  it('When the sender renumbers an employment (IdDnstvbndOud), then the stored employment takes the new id with its history', async () => {
    const xml = await readFile(join(fixtures, 'werknemersgegevens.xml'), 'utf8');
    const renumbered = xml.replace(
      '<sivi:IdDnstvbnd>DV-1003-1</sivi:IdDnstvbnd>',
      '<sivi:IdDnstvbnd>DV-1003-9</sivi:IdDnstvbnd><sivi:IdDnstvbndOud>DV-1003-1</sivi:IdDnstvbndOud>',
    );
    const { employer, run } = await siviText('sivi-renumber', { key: 'externalId' });
    await run(xml);
    const before = await bed.store
      .db('employments')
      .where({ employer_id: employer.id, external_id: 'DV-1003-1' })
      .first();
    const r = await run(renumbered);
    expect(r.counts).toMatchObject({ created: 0, ended: 0, rejected: 0, rowsWritten: 1 });
    const after = await bed.store
      .db('employments')
      .where({ employer_id: employer.id, external_id: 'DV-1003-9' })
      .first();
    expect(after).toMatchObject({ id: before.id, start_date: before.start_date, end_date: null });
    expect(
      await bed.store.db('employments').where({ employer_id: employer.id, external_id: 'DV-1003-1' }),
    ).toHaveLength(0);
    expect((await run(renumbered)).counts).toMatchObject({ rowsWritten: 0 });
  });

  describe('a complete delivery that lost an element every record had', () => {
    const recorded = async (runId: string) => (await findRun(bed.store.db, runId))!.columns;
    const storedBsns = async (employerId: string) =>
      (await bed.store.db('employee_vault').where({ employer_id: employerId }).whereNotNull('bsn_index'))
        .length;

    it('When SofiNr is left out of every record after a delivery with BSNs, then nothing is applied and the run names it; forced, it applies', async () => {
      const xml = await generatedXml(12);
      const { employer, run } = await siviText('sivi-emptied', { delivery: 'complete' });
      const first = await run(xml);
      expect(first).toMatchObject({ status: 'completed', counts: { created: 12, rejected: 0 } });
      expect(await recorded(first.runId)).toMatchObject({
        SofiNr: 12,
        IdWrknmr: 12,
        'Adres/Pc': 12,
        'Com/NrCom': 12,
        'Dnstvbnd/PersNr': 12,
        'Dnstvbnd/OrgeenhCd': 12,
        'Dnstvbnd/IdDnstvbndOud': 0,
      });
      const before = await storedState(bed.store.db, employer.id);
      expect(await storedBsns(employer.id)).toBe(12);

      const lost = without(xml, 'SofiNr');
      expect(lost).not.toContain('SofiNr');
      const r = await run(lost);
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toBe(
        'The delivery has no value in any record in the element "SofiNr", which had values in the last completed ' +
          'delivery ("SofiNr" in 12 of 12 records): the fields the mapping reads from it would be emptied for ' +
          'every employee in the delivery. Nothing was applied. Correct the export; if this is on purpose, rerun ' +
          'with --force.',
      );
      expect(await storedState(bed.store.db, employer.id)).toEqual(before);
      expect(await recorded(r.runId)).toMatchObject({ SofiNr: 0, IdWrknmr: 12 });

      // Forced: applied, and the delivery without BSNs is what the next one is compared with.
      const forced = await run(lost, 'cli:operator');
      expect(forced).toMatchObject({ status: 'completed', counts: { updated: 12 } });
      expect(await storedBsns(employer.id)).toBe(0);
      expect(await run(lost)).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });
    });

    it('When the address group and the organisation unit are left out of every record, then the run names each element', async () => {
      const xml = await generatedXml(12);
      const { run } = await siviText('sivi-emptied-groups', { delivery: 'complete' });
      expect((await run(xml)).status).toBe('completed');
      const r = await run(without(without(xml, 'StrAdrNl'), 'OrgeenhCd'));
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toMatch(
        /^The delivery has no value in any record in the elements "Adres\/Pc", .*"Dnstvbnd\/OrgeenhCd", .*which had values in the last completed delivery \("Adres\/Pc" in 12 of 12, /,
      );
      for (const element of ['Adres/StraatLang', 'Adres/Huisnr', 'Adres/Wnpl', 'Adres/Land'])
        expect(r.message).toContain(`"${element}"`);
      // A foreign address's house number was in no record: it is not named.
      expect(r.message).not.toContain('HuisnrBtl');
    });

    it('When a mutation delivery or a first delivery has no SofiNr, then it applies', async () => {
      const xml = await generatedXml(12);
      const mutations = await siviText('sivi-emptied-mutations', { delivery: 'mutations' });
      expect((await mutations.run(xml)).status).toBe('completed');
      const r = await mutations.run(without(xml, 'SofiNr'));
      expect(r).toMatchObject({ status: 'completed', counts: { updated: 12 } });
      expect(await recorded(r.runId)).toMatchObject({ SofiNr: 0, IdWrknmr: 12 });

      const fresh = await siviText('sivi-emptied-first', { delivery: 'complete' });
      const first = await fresh.run(without(xml, 'SofiNr'));
      expect(first).toMatchObject({ status: 'completed', counts: { created: 12 } });
      expect(await recorded(first.runId)).toMatchObject({ SofiNr: 0, IdWrknmr: 12 });
    });

    it('When SofiNr had values in fewer than ten records or half of them, then a delivery without it applies', async () => {
      // 9 of 12 records: under ten.
      const twelve = await generatedXml(12);
      const few = await siviText('sivi-emptied-few', { delivery: 'complete' });
      expect(await recorded((await few.run(without(twelve, 'SofiNr', 9))).runId)).toMatchObject({
        SofiNr: 9,
      });
      expect(await few.run(without(twelve, 'SofiNr'))).toMatchObject({
        status: 'completed',
        counts: { updated: 9 },
      });

      // 11 of 24 records: under half.
      const many = await generatedXml(24);
      const sparse = await siviText('sivi-emptied-sparse', { delivery: 'complete' });
      expect(await recorded((await sparse.run(without(many, 'SofiNr', 11))).runId)).toMatchObject({
        SofiNr: 11,
      });
      expect(await sparse.run(without(many, 'SofiNr'))).toMatchObject({
        status: 'completed',
        counts: { updated: 11 },
      });
    });

    it('When IngdatMut and IdDnstvbndOud were in every record and are gone the next day, then the delivery applies: nothing is lost', async () => {
      const xml = await generatedXml(12);
      const { run } = await siviText('sivi-emptied-transient', { delivery: 'complete' });
      expect((await run(xml)).status).toBe('completed');
      // A change for everyone from 1 January, and every employment renumbered, in one delivery.
      const changed = xml.replace(
        /<Dnstvbnd>\n(\s*)<IdDnstvbnd>([^<]*)<\/IdDnstvbnd>/g,
        (_all, indent: string, id: string) =>
          `<Dnstvbnd>\n${indent}<IngdatMut>2026-01-01</IngdatMut>\n${indent}<IdDnstvbnd>${id}-N</IdDnstvbnd>\n${indent}<IdDnstvbndOud>${id}</IdDnstvbndOud>`,
      );
      const renumbered = await run(changed);
      expect(renumbered).toMatchObject({ status: 'completed', counts: { rejected: 0 } });
      expect(await recorded(renumbered.runId)).toMatchObject({
        'Dnstvbnd/IngdatMut': 12,
        'Dnstvbnd/IdDnstvbndOud': 12,
      });
      const next = await run(without(without(changed, 'IngdatMut'), 'IdDnstvbndOud'));
      expect(next).toMatchObject({ status: 'completed', counts: { rejected: 0 } });
    });
  });
});
