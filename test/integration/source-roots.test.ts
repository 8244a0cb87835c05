import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/store.js';
import { appTestBed } from '../helpers/http.js';
import { csvHeader, csvRow } from '../helpers/csv-delivery.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';
import {
  assertMappingWithinRoots,
  assertSourceWithinRoots,
  checkStoredLink,
  connectorConfig,
} from '../../src/sync/link-check.js';

/** KOPPELING_SOURCE_ROOTS: the folders the delivery files and drop folders of links must lie in. */

const base = mkdtempSync(join(tmpdir(), 'koppeling-roots-'));
const root = join(base, 'deliveries');
const outside = join(base, 'elsewhere');
mkdirSync(root);
mkdirSync(outside);
writeFileSync(join(outside, 'secret.csv'), 'not a delivery\n');
// A link inside the root that points out of it.
symlinkSync(outside, join(root, 'escape'));

const linkTo = (code: string, source: Record<string, unknown>) => ({
  employer: { code, name: `${code} BV` },
  connector: 'csv',
  source,
  mapping: 'mappings/csv-standard.yaml',
  delivery: 'mutations',
  key: 'personnelNumber',
});

describe('source roots', () => {
  const check =
    (source: Record<string, unknown>, roots = [root]) =>
    () =>
      assertSourceWithinRoots(connectorConfig(linkSchema.parse(linkTo('x', source))).config, roots, 'link');

  it('When roots are set, then a file or folder outside them is refused, also through .. or a symbolic link', () => {
    expect(check({ file: join(root, 'a.csv') })).not.toThrow();
    expect(check({ folder: join(root, 'drop', 'not-made-yet') })).not.toThrow();
    expect(check({ file: join(outside, 'secret.csv') })).toThrow(
      `link: source.file ${join(outside, 'secret.csv')} lies outside the folders deliveries may come from (KOPPELING_SOURCE_ROOTS).`,
    );
    expect(check({ file: join(root, '..', 'elsewhere', 'secret.csv') })).toThrow(/lies outside/);
    // The system follows the link before going up: such a path is refused as it stands.
    expect(check({ file: `${root}/escape/../elsewhere/secret.csv` })).toThrow(
      `link: source.file ${root}/escape/../elsewhere/secret.csv goes up a folder (..), which is not allowed while KOPPELING_SOURCE_ROOTS is set.`,
    );
    // The path checked is the one the connector reads (trimmed), not the text as sent.
    expect(check({ file: ` ${join(outside, 'secret.csv')}` }, [process.cwd(), root])).toThrow(/lies outside/);
    expect(check({ file: join(root, 'escape', 'secret.csv') })).toThrow(/source\.file .* lies outside/);
    expect(check({ folder: join(root, 'escape') })).toThrow(/source\.folder .* lies outside/);
    // A folder named like the root is not inside it.
    expect(check({ file: `${root}-other/a.csv` })).toThrow(/lies outside/);
    // Without roots any path goes.
    expect(check({ file: join(outside, 'secret.csv') }, [])).not.toThrow();
  });

  it('When roots are set, then a mapping file outside mappings/ and the roots is refused before it is read', () => {
    const mapping =
      (path: string, roots = [root]) =>
      () =>
        assertMappingWithinRoots(path, roots, 'link');
    expect(mapping('mappings/csv-standard.yaml')).not.toThrow();
    expect(mapping(join(process.cwd(), 'mappings', 'csv-standard.yaml'))).not.toThrow();
    expect(mapping(join(root, 'acme.yaml'))).not.toThrow();
    expect(mapping(join(outside, 'secret.csv'))).toThrow(
      `link: mapping ${join(outside, 'secret.csv')} lies outside the folders mapping files may come from (mappings/ and KOPPELING_SOURCE_ROOTS).`,
    );
    expect(mapping('mappings/../package.json')).toThrow(/goes up a folder/);
    expect(mapping('mappings-old/csv-standard.yaml')).toThrow(/lies outside/);
    expect(mapping(join(outside, 'secret.csv'), [])).not.toThrow();
  });

  it('When a stored link lies outside the roots, then links check says it cannot run', async () => {
    const link = linkSchema.parse(linkTo('x', { file: join(outside, 'secret.csv') }));
    expect(await checkStoredLink({ code: 'x', link }, [root])).toEqual({
      employer: 'x',
      ok: false,
      message: `the link of x: source.file ${join(outside, 'secret.csv')} lies outside the folders deliveries may come from (KOPPELING_SOURCE_ROOTS).`,
    });
    expect((await checkStoredLink({ code: 'x', link }, [])).ok).toBe(true);
  });

  describe('over the API', () => {
    const config = testConfig({
      dataDir: mkdtempSync(join(tmpdir(), 'koppeling-roots-api-')),
      sourceRoots: [root],
    });
    const token = config.adminToken!;

    const bed = appTestBed(config);

    it('When a link outside the roots is PUT, then 400 says so and nothing is stored', async () => {
      const refused = await bed.server.request('PUT', '/api/v1/employers/roots-out/link', {
        token,
        body: linkTo('roots-out', { file: join(outside, 'secret.csv') }),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(
        `link: source.file ${join(outside, 'secret.csv')} lies outside the folders deliveries may come from (KOPPELING_SOURCE_ROOTS).`,
      );
      expect(await bed.store.db('employers').where({ code: 'roots-out' })).toEqual([]);
      const inside = await bed.server.request('PUT', '/api/v1/employers/roots-in/link', {
        token,
        body: linkTo('roots-in', { file: join(root, 'a.csv') }),
      });
      expect(inside.status).toBe(200);
    });

    it('When a link names a file outside the roots as its mapping, then 400 says so without what the file holds', async () => {
      const refused = await bed.server.request('PUT', '/api/v1/employers/roots-map/link', {
        token,
        body: { ...linkTo('roots-map', { file: join(root, 'a.csv') }), mapping: join(outside, 'secret.csv') },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(
        `link: mapping ${join(outside, 'secret.csv')} lies outside the folders mapping files may come from (mappings/ and KOPPELING_SOURCE_ROOTS).`,
      );
      expect(JSON.stringify(refused.body)).not.toContain('not a delivery');
      expect(await bed.store.db('employers').where({ code: 'roots-map' })).toEqual([]);
    });

    it('When a stored link lies outside the roots, then a run of it is refused, while an uploaded delivery runs', async () => {
      const link = linkSchema.parse(linkTo('roots-stored', { file: join(outside, 'secret.csv') }));
      await saveLink(bed.store.db, link, 'file');
      const refused = await bed.server.request('POST', '/api/v1/employers/roots-stored/sync-runs', { token });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toContain('lies outside the folders deliveries may come from');
      const body =
        [csvHeader.join(';'), csvHeader.map((h) => csvRow('1')[h] ?? '').join(';')].join('\n') + '\n';
      const uploaded = await bed.server.request(
        'POST',
        '/api/v1/employers/roots-stored/sync-runs?wait=true',
        {
          token,
          body,
          headers: { 'content-type': 'text/csv' },
        },
      );
      expect(uploaded.status).toBe(200);
      expect(uploaded.body).toMatchObject({ status: 'completed', created: 1 });
    });
  });
});
