import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../src/sync/sql.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

describe('bulk loading into staging', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('When rows hold tabs, newlines, backslashes, nulls and accents, then COPY stores them unchanged', async () => {
    const data = [
      [1, 'tab\there', 'line\nbreak\r\n', true, 32.5],
      [2, 'back\\slash \\N', null, false, 0],
      [3, 'Zoë Çelik-Öztürk', '', null, null],
    ];
    const stored = await store.db.transaction(async (trx) => {
      await trx.raw(
        `create temp table bulk_probe (n int, a text, b text, c boolean, d numeric) on commit drop`,
      );
      await bulkLoad(trx, store.kind, 'bulk_probe', ['n', 'a', 'b', 'c', 'd'], data);
      return (await trx.raw(`select n, a, b, c, d::float8 as d from bulk_probe order by n`)) as {
        rows: Array<Record<string, unknown>>;
      };
    });
    expect(stored.rows).toEqual([
      { n: 1, a: 'tab\there', b: 'line\nbreak\r\n', c: true, d: 32.5 },
      { n: 2, a: 'back\\slash \\N', b: null, c: false, d: 0 },
      { n: 3, a: 'Zoë Çelik-Öztürk', b: '', c: null, d: null },
    ]);
  });
});
