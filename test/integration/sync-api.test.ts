import { mkdtempSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig, testVault } from '../helpers/store.js';
import { appTestBed, startTestServer } from '../helpers/http.js';
import { createApp } from '../../src/api/app.js';
import { uploadName } from '../../src/api/sync-runs.js';
import type { Turn } from '../../src/jobs/limit.js';
import { csvHeader, csvRow } from '../helpers/csv-delivery.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';
import { storedRunReport } from '../../src/sync/report.js';
import { findRun } from '../../src/sync/runs.js';

const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'koppeling-api-')) });
const token = config.adminToken!;

const link = {
  employer: { code: 'api-bv', name: 'API BV', kvkNumber: '12345678' },
  connector: 'csv',
  source: { file: '/nonexistent/delivery.csv' },
  mapping: 'mappings/csv-standard.yaml',
  delivery: 'complete',
  key: 'personnelNumber',
  guard: 0.1,
  schedule: '0 2 * * *',
};

function csvBody(rows: ReturnType<typeof csvRow>[]): string {
  return (
    [csvHeader.join(';'), ...rows.map((r) => csvHeader.map((h) => r[h] ?? '').join(';'))].join('\n') + '\n'
  );
}

const bed = appTestBed(config);

describe('employer links and sync runs over the API', () => {
  it('When a link is PUT, then GET /employers and GET /employers/{code} show it; bad documents are refused', async () => {
    const put = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', { token, body: link });
    expect(put.status).toBe(200);
    const list = await bed.server.request('GET', '/api/v1/employers', { token });
    expect(list.body.employers.find((e: { code: string }) => e.code === 'api-bv')).toMatchObject({
      linkMode: 'hr',
      link: { connector: 'csv', delivery: 'complete', schedule: '0 2 * * *', managedBy: 'api' },
      lastRun: null,
    });
    const one = await bed.server.request('GET', '/api/v1/employers/api-bv', { token });
    expect(one.body.link).toMatchObject({ mapping: 'mappings/csv-standard.yaml', guard: 0.1 });
    const bad = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', {
      token,
      body: { ...link, key: 'bsn', extra: 1 },
    });
    expect(bad.status).toBe(400);
    const badSource = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', {
      token,
      body: { ...link, source: { file: 'a.csv', folder: 'drop' } },
    });
    expect(badSource.status).toBe(400);
    expect(badSource.body.error.message).toContain('source');
    const typo = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', {
      token,
      body: { ...link, source: { file: 'a.csv', delimitor: ';' } },
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toBe('link: source.delimitor: unknown setting');
    // A document sent as YAML or text is refused for what it is, not for fields it seems to lack.
    const yaml = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', {
      token,
      body: 'employer:\n  code: api-bv\n',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yaml.status).toBe(415);
    expect(yaml.body.error.message).toBe('Send the request body as JSON (Content-Type: application/json).');
    const other = await bed.server.request('PUT', '/api/v1/employers/other/link', { token, body: link });
    expect(other.status).toBe(400);
    expect((await bed.server.request('PUT', '/api/v1/employers/api-bv/link', { body: link })).status).toBe(
      401,
    );
  });

  it('When a stored link no longer fits the link schema, then the employer lists still answer and say what is wrong with it', async () => {
    const put = await bed.server.request('PUT', '/api/v1/employers/api-old/link', {
      token,
      body: { ...link, employer: { code: 'api-old', name: 'Old BV' } },
    });
    expect(put.status).toBe(200);
    await bed.store
      .db('employer_links')
      .where({ employer_id: put.body.employer.id })
      .update({
        document: JSON.stringify({ ...link, employer: { code: 'api-old', name: 'Old BV' }, key: 'bsn' }),
      });
    const list = await bed.server.request('GET', '/api/v1/employers', { token });
    expect(list.status).toBe(200);
    expect(list.body.employers.find((e: { code: string }) => e.code === 'api-old').link).toEqual({
      managedBy: 'api',
      problem: expect.stringMatching(/^the stored link does not fit this version of Koppeling \(key: /),
    });
    const one = await bed.server.request('GET', '/api/v1/employers/api-old', { token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ link: null, linkProblem: expect.stringContaining('store it again') });
  });

  it('When a PUT link names a mapping file that cannot be loaded, then 400 names it and the stored link stays', async () => {
    const before = (await bed.server.request('GET', '/api/v1/employers/api-bv', { token })).body.link;
    const res = await bed.server.request('PUT', '/api/v1/employers/api-bv/link', {
      token,
      body: { ...link, mapping: 'mappings/csv-standrd.yaml', schedule: '0 3 * * *' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(
      'link: mapping: mappings/csv-standrd.yaml: mapping file not found',
    );
    expect((await bed.server.request('GET', '/api/v1/employers/api-bv', { token })).body.link).toEqual(
      before,
    );
  });

  it('When a delivery is posted as the body, then the run applies it and its rejects can be listed', async () => {
    const body = csvBody([csvRow('1'), csvRow('2'), csvRow('3', { BSN: '123456789' })]);
    const res = await bed.server.request('POST', '/api/v1/employers/api-bv/sync-runs?wait=true', {
      token,
      body,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', created: 2, rejected: 1 });
    const run = await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}`, { token });
    expect(run.body).toMatchObject({ status: 'completed', trigger: 'api', employerCode: 'api-bv' });
    const rejects = await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}/rejects`, { token });
    expect(rejects.body).toMatchObject({ records: 1, total: 1, problems: 1, offset: 0 });
    expect(rejects.body.rejects).toHaveLength(1);
    expect(rejects.body.rejects[0].field).toMatch(/bsn/i);
    expect(JSON.stringify(rejects.body)).not.toContain('123456789');
  });

  it('When a delivery is posted with its file name, then positions and the run name that file and the upload is removed', async () => {
    const body = csvBody([csvRow('1'), csvRow('3', { BSN: '123456789' })]);
    const res = await bed.server.request(
      'POST',
      `/api/v1/employers/api-bv/sync-runs?wait=true&filename=${encodeURIComponent('../werknemers 29-11.csv')}`,
      { token, body, headers: { 'content-type': 'text/csv' } },
    );
    expect(res.status).toBe(200);
    expect(res.body.rejects[0].position).toBe('werknemers 29-11.csv:3');
    const run = await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}`, { token });
    expect(run.body.sourceName).toBe('upload werknemers 29-11.csv');
    await expect(stat(join(config.dataDir, 'uploads', res.body.runId))).rejects.toThrow(/ENOENT/);
    const disposition = await bed.server.request('POST', '/api/v1/employers/api-bv/sync-runs?wait=true', {
      token,
      body,
      headers: { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="hr-export.csv"' },
    });
    expect(disposition.body.rejects[0].position).toBe('hr-export.csv:3');
    expect(uploadName(undefined, undefined, 'application/xml')).toBe('delivery.xml');
    expect(uploadName('..', undefined, 'text/csv')).toBe('delivery.csv');
    expect(uploadName('a/b\\c<d>.csv', undefined, 'text/csv')).toBe('c_d_.csv');
  });

  it('When a run has rejects, then its report lists the same problems as its rejects', async () => {
    const body = csvBody([csvRow('1'), csvRow('3', { BSN: '123456789' })]);
    const res = await bed.server.request('POST', '/api/v1/employers/api-bv/sync-runs?wait=true', {
      token,
      body,
      headers: { 'content-type': 'text/csv' },
    });
    const run = await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}`, { token });
    const rejects = await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}/rejects`, { token });
    expect(run.body.counts.rejected).toBe(1);
    expect(run.body.report.rejects).toHaveLength(1);
    expect(run.body.report.rejects).toEqual(rejects.body.rejects);
    expect(run.body.report.moreRejects).toBeUndefined();
    // Past the limit a report lists, the rest are counted rather than left out unsaid.
    const stored = await findRun(bed.store.db, res.body.runId);
    expect(await storedRunReport(bed.store.db, stored!, 0)).toMatchObject({ rejects: [], moreRejects: 1 });
  });

  it('When a run is started without waiting, then 202 with a run id that can be polled until it ends', async () => {
    const res = await bed.server.request('POST', '/api/v1/employers/api-bv/sync-runs', {
      token,
      body: csvBody([csvRow('1'), csvRow('2')]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(202);
    let status = 'running';
    for (let i = 0; i < 100 && status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await bed.server.request('GET', `/api/v1/sync-runs/${res.body.runId}`, { token })).body
        .status;
    }
    expect(status).toBe('completed');
    expect(
      (await bed.server.request('GET', '/api/v1/sync-runs/00000000-0000-4000-8000-000000000000', { token }))
        .status,
    ).toBe(404);
  });
});

describe('runs that cannot start are refused at once', () => {
  const runsOf = async (code: string) => {
    const employer = await bed.store.db('employers').where({ code }).first();
    return bed.store.db('sync_runs').where({ employer_id: employer.id });
  };

  it('When nothing is waiting in the drop folder, then 409 says so and no run id is given', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-empty-drop-'));
    const empty = { ...link, employer: { code: 'empty-bv', name: 'Empty BV' }, source: { folder } };
    expect(
      (await bed.server.request('PUT', '/api/v1/employers/empty-bv/link', { token, body: empty })).status,
    ).toBe(200);
    for (const query of ['', '?wait=true']) {
      const res = await bed.server.request('POST', `/api/v1/employers/empty-bv/sync-runs${query}`, { token });
      expect(res.status).toBe(409);
      expect(res.body.runId).toBeUndefined();
      expect(res.body.error.message).toContain(`No delivery waiting in ${folder}`);
    }
    expect(await runsOf('empty-bv')).toHaveLength(0);
  });

  it('When the mapping file of the stored link cannot be loaded, then 409 names the file and no run id is given', async () => {
    // A link stored before links were checked, or whose mapping file was removed since.
    const stored = linkSchema.parse({
      ...link,
      employer: { code: 'gone-bv', name: 'Gone BV' },
      mapping: 'mappings/csv-standrd.yaml',
    });
    await saveLink(bed.store.db, stored, 'api');
    const res = await bed.server.request('POST', '/api/v1/employers/gone-bv/sync-runs', {
      token,
      body: csvBody([csvRow('1')]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(409);
    expect(res.body.runId).toBeUndefined();
    expect(res.body.error.message).toContain('mappings/csv-standrd.yaml: mapping file not found');
    expect(await runsOf('gone-bv')).toHaveLength(0);
  });

  it('When a run is started, then its id can be looked up as soon as the answer comes', async () => {
    const never: Turn = () => new Promise(() => undefined);
    const waiting = await startTestServer(
      createApp({ config, store: bed.store, vault: testVault(bed.store), syncTurn: never }),
    );
    try {
      const soon = { ...link, employer: { code: 'soon-bv', name: 'Soon BV' } };
      await waiting.request('PUT', '/api/v1/employers/soon-bv/link', { token, body: soon });
      const res = await waiting.request('POST', '/api/v1/employers/soon-bv/sync-runs', {
        token,
        body: csvBody([csvRow('1')]),
        headers: { 'content-type': 'text/csv' },
      });
      expect(res.body).toMatchObject({ status: 'running' });
      const run = await waiting.request('GET', `/api/v1/sync-runs/${res.body.runId}`, { token });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ status: 'running' });
    } finally {
      await waiting.close();
    }
  });
});

describe('runs started through the API take turns with the instance', () => {
  it('When no turn is free, then the run is recorded as running, applies nothing, and runs once its turn comes', async () => {
    // The instance's turns: the n-th run waits until turns[n] is given.
    const gate = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const turns = [gate(), gate()];
    let waiting = 0;
    const syncTurn: Turn = async (task) => {
      await turns[waiting++]!.promise;
      return task();
    };
    const busy = await startTestServer(
      createApp({ config, store: bed.store, vault: testVault(bed.store), syncTurn }),
    );
    const status = async (runId: string) =>
      (await busy.request('GET', `/api/v1/sync-runs/${runId}`, { token })).body;
    const ended = async (runId: string) => {
      for (let i = 0; i < 100; i++) {
        const run = await status(runId);
        if (run.status !== 'running') return run;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`run ${runId} did not end`);
    };
    try {
      await busy.request('PUT', '/api/v1/employers/turn-bv/link', {
        token,
        body: { ...link, employer: { code: 'turn-bv', name: 'Turn BV' } },
      });
      const start = () =>
        busy.request('POST', '/api/v1/employers/turn-bv/sync-runs', {
          token,
          body: csvBody([csvRow('1'), csvRow('2')]),
          headers: { 'content-type': 'text/csv' },
        });
      const first = await start();
      const second = await start();
      expect([first.status, second.status]).toEqual([202, 202]);
      while (waiting < 2) await new Promise((r) => setTimeout(r, 10));
      expect(await status(first.body.runId)).toMatchObject({ status: 'running', trigger: 'api' });
      expect(await status(second.body.runId)).toMatchObject({ status: 'running', trigger: 'api' });
      const employer = await bed.store.db('employers').where({ code: 'turn-bv' }).first();
      expect(await bed.store.db('employees').where({ employer_id: employer.id })).toHaveLength(0);

      turns[0]!.resolve();
      expect(await ended(first.body.runId)).toMatchObject({ status: 'completed', counts: { created: 2 } });
      // Still waiting, and not taken for a run that a stopped process left behind.
      expect(await status(second.body.runId)).toMatchObject({ status: 'running' });
      turns[1]!.resolve();
      expect(await ended(second.body.runId)).toMatchObject({
        status: 'completed',
        counts: { unchanged: 2, rowsWritten: 0 },
      });
    } finally {
      await busy.close();
    }
  });
});
