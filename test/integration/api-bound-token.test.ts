import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/store.js';
import { appTestBed } from '../helpers/http.js';
import { insertRun } from '../../src/sync/runs.js';

/** A machine token bound to one employer: its operator capabilities reach that employer only. */

const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'koppeling-bound-')) });
const bed = appTestBed(config);
const admin = config.adminToken!;
const runs: Record<string, string> = {
  acme: '0e7c1f1e-5b3a-4c1e-9a51-1d1f0b6a0001',
  other: '0e7c1f1e-5b3a-4c1e-9a51-1d1f0b6a0002',
};
let bound = '';

const link = (code: string) => ({
  employer: { code, name: `${code} BV` },
  connector: 'csv',
  source: { file: '/nonexistent/delivery.csv' },
  mapping: 'mappings/csv-standard.yaml',
  delivery: 'complete',
  key: 'personnelNumber',
});

beforeAll(async () => {
  for (const code of ['acme', 'other']) {
    const put = await bed.server.request('PUT', `/api/v1/employers/${code}/link`, {
      token: admin,
      body: link(code),
    });
    expect(put.status).toBe(200);
    await insertRun(bed.store.db, {
      id: runs[code]!,
      employerId: put.body.employer.id,
      trigger: 'api',
      connector: 'csv',
      delivery: 'complete',
    });
  }
  const created = await bed.server.request('POST', '/api/v1/tokens', {
    token: admin,
    body: { name: 'acme hr', capabilities: ['employers.manage', 'syncruns.view'], employer: 'acme' },
  });
  expect(created.status).toBe(201);
  bound = created.body.token;
});

describe('a machine token bound to one employer', () => {
  it('When it lists or reads employers, then it sees its own employer only', async () => {
    const list = await bed.server.request('GET', '/api/v1/employers', { token: bound });
    expect(list.status).toBe(200);
    expect(list.body.employers.map((e: { code: string }) => e.code)).toEqual(['acme']);
    expect((await bed.server.request('GET', '/api/v1/employers/acme', { token: bound })).status).toBe(200);
    const other = await bed.server.request('GET', '/api/v1/employers/other', { token: bound });
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe('No employer with code "other".');
  });

  it('When it reads sync runs, then only its own employer’s runs exist for it', async () => {
    expect((await bed.server.request('GET', `/api/v1/sync-runs/${runs.acme}`, { token: bound })).status).toBe(
      200,
    );
    for (const path of [`/api/v1/sync-runs/${runs.other}`, `/api/v1/sync-runs/${runs.other}/rejects`]) {
      const res = await bed.server.request('GET', path, { token: bound });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(`No sync run ${runs.other}.`);
    }
    // The operator reaches every employer's runs.
    expect(
      (await bed.server.request('GET', `/api/v1/sync-runs/${runs.other}`, { token: admin })).status,
    ).toBe(200);
  });

  it('When it changes a link or starts a run of another employer, or creates one, then that employer does not exist for it; its own link it cannot change', async () => {
    const put = await bed.server.request('PUT', '/api/v1/employers/other/link', {
      token: bound,
      body: link('other'),
    });
    expect(put.status).toBe(404);
    const created = await bed.server.request('PUT', '/api/v1/employers/newco/link', {
      token: bound,
      body: link('newco'),
    });
    expect(created.status).toBe(404);
    expect(await bed.store.db('employers').where({ code: 'newco' })).toEqual([]);
    const start = await bed.server.request('POST', '/api/v1/employers/other/sync-runs', { token: bound });
    expect(start.status).toBe(404);
    // Its own link names the files the service reads: that stays with the arbodienst's operators.
    const own = await bed.server.request('PUT', '/api/v1/employers/acme/link', {
      token: bound,
      body: link('acme'),
    });
    expect(own.status).toBe(403);
    expect(own.body.error.message).toBe(
      'A token bound to one employer cannot change its link; an operator of the arbodienst does.',
    );
  });
});
