import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/store.js';
import { appTestBed } from '../helpers/http.js';
import { removeLeftUploads, uploadsDir, uploadsInUse } from '../../src/api/sync-runs.js';
import { insertRun } from '../../src/sync/runs.js';

/** Deliveries uploaded to start a run: bounded, and never left on disk (they hold BSNs). */

const dataDir = mkdtempSync(join(tmpdir(), 'koppeling-uploads-'));
const config = testConfig({ dataDir, uploadLimitMb: 1 });
const bed = appTestBed(config);
const token = config.adminToken!;
const path = '/api/v1/employers/upload-bv/sync-runs?wait=true';
const uploads = () => readdirSync(uploadsDir(dataDir), { withFileTypes: true }).map((d) => d.name);
let employerId = '';

beforeAll(async () => {
  const put = await bed.server.request('PUT', '/api/v1/employers/upload-bv/link', {
    token,
    body: {
      employer: { code: 'upload-bv', name: 'Upload BV' },
      connector: 'csv',
      source: { file: '/nonexistent/delivery.csv' },
      mapping: 'mappings/csv-standard.yaml',
      delivery: 'mutations',
      key: 'personnelNumber',
    },
  });
  expect(put.status).toBe(200);
  employerId = put.body.employer.id;
  mkdirSync(uploadsDir(dataDir), { recursive: true });
});

/** Sends `chunks` as a chunked body, stopping (the connection torn down) after them when `abort`. */
function chunked(chunks: Buffer[], abort: boolean): Promise<number | 'aborted'> {
  return new Promise((resolve) => {
    const req = httpRequest(
      `${bed.server.url}${path}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve('aborted'));
    for (const c of chunks) req.write(c);
    if (abort) setTimeout(() => (req.destroy(), resolve('aborted')), 200);
    else req.end();
  });
}

async function settled(): Promise<string[]> {
  // The server removes what it wrote once it has seen the request end.
  for (let i = 0; i < 50 && uploads().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return uploads();
}

describe('uploaded deliveries', () => {
  it('When an upload is larger than the limit, then 413, nothing stays on disk and no run is recorded', async () => {
    const big = 'Personeelsnummer;Achternaam\n' + '1;Jansen\n'.repeat(150_000);
    const res = await bed.server.request('POST', path, {
      token,
      body: big,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe(
      'The delivery is larger than 1 MB (KOPPELING_UPLOAD_LIMIT_MB); nothing was stored and no run was started.',
    );
    // Chunked, the limit is counted as it arrives (the client may see the connection end first).
    expect([413, 'aborted']).toContain(await chunked([Buffer.from(big)], false));
    expect(await settled()).toEqual([]);
    expect(await bed.store.db('sync_runs').where({ employer_id: employerId })).toEqual([]);
  });

  it('When an upload breaks off, then what arrived is removed and no run is recorded', async () => {
    expect(await chunked([Buffer.from('Personeelsnummer;Achternaam;BSN\n1;Jansen;111222333\n')], true)).toBe(
      'aborted',
    );
    expect(await settled()).toEqual([]);
    expect(uploadsInUse.size).toBe(0);
    expect(await bed.store.db('sync_runs').where({ employer_id: employerId })).toEqual([]);
  });

  it('When uploads are swept, then those of ended runs and old unrecorded ones go, and those of running runs unless another instance may run them', async () => {
    const ids = {
      ended: '7f0c2b1e-0000-4000-8000-000000000001',
      running: '7f0c2b1e-0000-4000-8000-000000000002',
      unrecordedOld: '7f0c2b1e-0000-4000-8000-000000000003',
      unrecordedNew: '7f0c2b1e-0000-4000-8000-000000000004',
      // Its folder is old, but the file is still being written: an upload still arriving.
      arriving: '7f0c2b1e-0000-4000-8000-000000000005',
      // Old and without a run record, but still used by this process (a dry run waiting its turn).
      ofThisProcess: '7f0c2b1e-0000-4000-8000-000000000006',
    };
    for (const id of [ids.ended, ids.running])
      await insertRun(bed.store.db, {
        id,
        employerId,
        trigger: 'api',
        connector: 'csv',
        delivery: 'mutations',
      });
    await bed.store.db('sync_runs').where({ id: ids.ended }).update({ status: 'abandoned' });
    for (const id of Object.values(ids)) {
      mkdirSync(join(uploadsDir(dataDir), id));
      writeFileSync(join(uploadsDir(dataDir), id, 'delivery.csv'), 'x');
    }
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const id of [ids.unrecordedOld, ids.ofThisProcess]) {
      utimesSync(join(uploadsDir(dataDir), id, 'delivery.csv'), old, old);
      utimesSync(join(uploadsDir(dataDir), id), old, old);
    }
    utimesSync(join(uploadsDir(dataDir), ids.arriving), old, old);
    uploadsInUse.add(ids.ofThisProcess);
    try {
      expect(await removeLeftUploads(bed.store.db, dataDir, true)).toBe(2);
      expect(uploads().sort()).toEqual(
        [ids.running, ids.unrecordedNew, ids.arriving, ids.ofThisProcess].sort(),
      );
      // On the embedded store no other process can be running it: a run left running is gone, one
      // of this process stays.
      expect(await removeLeftUploads(bed.store.db, dataDir, false)).toBe(1);
      expect(uploads().sort()).toEqual([ids.unrecordedNew, ids.arriving, ids.ofThisProcess].sort());
    } finally {
      uploadsInUse.delete(ids.ofThisProcess);
    }
  });
});
