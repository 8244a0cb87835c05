import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testVault, type TestStore } from '../helpers/store.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';
import { prepareDelivery, runDelivery, syncDelivery } from '../../src/sync/delivery.js';
import { onEmploymentsEnded } from '../../src/sync/hooks.js';

/** Where a drop-folder delivery goes after a run that did not complete. */

let store: TestStore;
let vault: ReturnType<typeof testVault>;
beforeAll(async () => {
  store = await createTestStore();
  vault = testVault(store);
});
afterAll(() => store.close());

async function dropFolderRun(code: string, write: (file: string) => void) {
  const folder = mkdtempSync(join(tmpdir(), `koppeling-${code}-`));
  const file = join(folder, 'a.csv');
  write(file);
  const link = linkSchema.parse({
    employer: { code, name: `${code} BV` },
    connector: 'csv',
    source: { folder, settleSeconds: 0 },
    mapping: 'mappings/csv-standard.yaml',
    delivery: 'mutations',
    key: 'personnelNumber',
  });
  const employer = await saveLink(store.db, link, 'file');
  const run = () => syncDelivery({ store, vault, employerId: employer.id, link, trigger: 'cli' });
  return { folder, file, run, link, employerId: employer.id };
}

/**
 * A folder whose first delivery completed, with a second that ends the employment, read while the
 * engine's hooks fail with `error` (an internal error, not one of the delivery).
 */
async function failingSecondDelivery(code: string, error: Error) {
  const { folder, run } = await dropFolderRun(code, (f) => writeCsvDelivery(f, [csvRow('1')]));
  expect((await run())!.status).toBe('completed');
  const file = join(folder, 'b.csv');
  writeCsvDelivery(file, [csvRow('1', { 'Datum uit dienst': '01-02-2026' })]);
  const whileFailing = async <T>(fn: () => Promise<T>): Promise<T> => {
    const hook = async () => {
      throw error;
    };
    onEmploymentsEnded.push(hook);
    try {
      return await fn();
    } finally {
      onEmploymentsEnded.splice(onEmploymentsEnded.indexOf(hook), 1);
    }
  };
  return { folder, file, run, whileFailing };
}

/** A run of `file` as a process that died while it read it leaves it: recorded, still `running`. */
const leftRunning = (employerId: string, file: string, startedAt: Date) => ({
  id: randomUUID(),
  employer_id: employerId,
  trigger: 'schedule',
  connector: 'csv',
  delivery: 'mutations',
  source_name: file,
  status: 'running',
  started_at: startedAt,
});

describe('a drop-folder delivery after a run that did not complete', () => {
  it('When the run fails for a reason other than its delivery, then the file stays for the next run', async () => {
    const { folder, file, run, whileFailing } = await failingSecondDelivery(
      'drop-internal',
      new Error('connection to the database was lost'),
    );
    const r = await whileFailing(run);
    expect(r).toMatchObject({ status: 'failed', retryable: true });
    expect(r!.message).toMatch(/internal error occurred .* The delivery stays in the drop folder\.$/);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(folder, 'failed', 'b.csv'))).toBe(false);
    // The next run reads it again and completes.
    expect((await run())!.status).toBe('completed');
    expect(existsSync(join(folder, 'processed', 'b.csv'))).toBe(true);
  });

  it('When a delivery keeps failing for a reason other than itself, then after three runs it goes to failed/ so the ones after it can run', async () => {
    const { folder, file, run, whileFailing } = await failingSecondDelivery(
      'drop-stuck',
      new TypeError('cannot read properties of undefined'),
    );
    await whileFailing(async () => {
      for (const attempt of [1, 2]) {
        expect((await run())!.message, `attempt ${attempt}`).toMatch(/stays in the drop folder\.$/);
        expect(existsSync(file)).toBe(true);
      }
      expect((await run())!.message).toMatch(
        /It failed 3 times in a row, so it goes to failed\/ and the deliveries after it can run\.$/,
      );
    });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(folder, 'failed', 'b.csv'))).toBe(true);
  });

  it('When two runs of a file died with their process (out of memory, say), then the next run does not read it: it goes to failed/ and the file after it runs', async () => {
    const { folder, file, run, employerId } = await dropFolderRun('drop-killer', (f) =>
      writeCsvDelivery(f, [csvRow('1')]),
    );
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    utimesSync(file, minutesAgo(10), minutesAgo(10));
    writeCsvDelivery(join(folder, 'b.csv'), [csvRow('2')]);
    // Each process died while it read a.csv: its run is left `running`.
    await store
      .db('sync_runs')
      .insert([5, 4].map((m) => ({ ...leftRunning(employerId, file, minutesAgo(m)), process: `gone:${m}` })));
    const r = await run();
    expect(r).toMatchObject({ status: 'failed', file, counts: { records: 0 } });
    expect(r!.retryable).toBeUndefined();
    expect(r!.message).toMatch(/The last 2 runs of this delivery stopped their process before they finished/);
    expect(existsSync(join(folder, 'failed', 'a.csv'))).toBe(true);
    const runs = await store.db('sync_runs').where({ employer_id: employerId }).orderBy('started_at');
    expect(runs.map((x: { status: string }) => x.status)).toEqual(['abandoned', 'abandoned', 'failed']);
    expect(await run()).toMatchObject({ status: 'completed', file: join(folder, 'b.csv') });
  });

  it('When one earlier run of a file died with its process, then the file is read again', async () => {
    const { folder, file, run, employerId } = await dropFolderRun('drop-killed-once', (f) =>
      writeCsvDelivery(f, [csvRow('1')]),
    );
    utimesSync(file, new Date(Date.now() - 600_000), new Date(Date.now() - 600_000));
    await store.db('sync_runs').insert({
      ...leftRunning(employerId, file, new Date(Date.now() - 300_000)),
      process: 'gone:1',
    });
    expect(await run()).toMatchObject({ status: 'completed', file });
    expect(existsSync(join(folder, 'processed', 'a.csv'))).toBe(true);
  });

  it('When the processes that died ran other employers too, then the file is not blamed and is read again', async () => {
    const { file, run, employerId } = await dropFolderRun('drop-killed-with-others', (f) =>
      writeCsvDelivery(f, [csvRow('1')]),
    );
    const other = await dropFolderRun('drop-killed-other', (f) => writeCsvDelivery(f, [csvRow('1')]));
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    utimesSync(file, minutesAgo(10), minutesAgo(10));
    await store.db('sync_runs').insert(
      [5, 4].flatMap((m) => [
        { ...leftRunning(employerId, file, minutesAgo(m)), process: `gone:${m}` },
        { ...leftRunning(other.employerId, other.file, minutesAgo(m)), process: `gone:${m}` },
      ]),
    );
    expect(await run()).toMatchObject({ status: 'completed', file });
  });

  it('When earlier runs of a file were stopped by a signal (a restart), then they do not count toward giving it up', async () => {
    const { folder, file, run, whileFailing } = await failingSecondDelivery(
      'drop-restarts',
      new Error('connection to the database was lost'),
    );
    await whileFailing(async () => {
      for (const attempt of [1, 2])
        expect((await run())!.message, `attempt ${attempt}`).toMatch(/stays in the drop folder\.$/);
    });
    // Those two runs as a stop by SIGTERM records them.
    await store
      .db('sync_runs')
      .where({ status: 'failed' })
      .whereIn('employer_id', store.db('employers').where({ code: 'drop-restarts' }).select('id'))
      .update({
        message:
          'The run was stopped by SIGTERM and nothing was applied; the next run reads the delivery again.',
      });
    await whileFailing(async () => expect((await run())!.message).toMatch(/stays in the drop folder\.$/));
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(folder, 'failed', 'b.csv'))).toBe(false);
  });

  it('When earlier files of the same name went to failed/, then a new one that fails once for another reason stays', async () => {
    const { folder, file, run, whileFailing } = await failingSecondDelivery(
      'drop-same-name',
      new Error('connection to the database was lost'),
    );
    // Two broken deliveries named b.csv, each refused and moved to failed/.
    for (const night of [1, 2]) {
      writeFileSync(file, 'Personeelsnummer;Achternaam\n"1;Jansen\n');
      expect((await run())!.status, `night ${night}`).toBe('failed');
      expect(existsSync(file)).toBe(false);
    }
    // Night three: a good b.csv, read while the database connection is lost.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeCsvDelivery(file, [csvRow('1', { 'Datum uit dienst': '01-02-2026' })]);
    const r = await whileFailing(run);
    expect(r!.message).toMatch(/The delivery stays in the drop folder\.$/);
    expect(existsSync(file)).toBe(true);
    expect((await run())!.status).toBe('completed');
    expect(existsSync(join(folder, 'processed', 'b.csv'))).toBe(true);
  });

  it('When another run took the drop-folder file after this run chose it, then this run says so and moves nothing', async () => {
    const { folder, run, link, employerId } = await dropFolderRun('drop-taken', (f) =>
      writeCsvDelivery(f, [csvRow('1')]),
    );
    // An API run chooses a.csv, then waits for its turn while a scheduled run processes it.
    const prepared = (await prepareDelivery(link))!;
    expect((await run())!.status).toBe('completed');
    const late = await runDelivery({ store, vault, employerId, link, trigger: 'api' }, prepared);
    expect(late.status).toBe('failed');
    expect(late.message).toMatch(
      /a\.csv left the drop folder before this run could read it: another run took it/,
    );
    expect(late.message).not.toMatch(/could not be moved|check the path/);
    expect(existsSync(join(folder, 'processed', 'a.csv'))).toBe(true);
  });

  it('When the delivery itself cannot be read, then the file goes to failed/', async () => {
    const { folder, file, run } = await dropFolderRun('drop-broken', (f) =>
      writeFileSync(f, 'Personeelsnummer;Achternaam\n"1;Jansen\n'),
    );
    const r = await run();
    expect(r!.status).toBe('failed');
    expect(r!.retryable).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(folder, 'failed', 'a.csv'))).toBe(true);
  });
});
