import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { log } from '../../src/log.js';
import { captureIo } from '../helpers/cli.js';
import type * as employersModule from '../../src/store/employers.js';
import type * as exportModule from '../../src/sync/export.js';

type Employers = typeof employersModule;
type Exporting = typeof exportModule;

// An export that fails after its first employee, as one does when the database goes away.
vi.mock('../../src/runtime.js', () => ({
  openRuntime: async () => ({ store: { db: {} }, close: async () => undefined }),
}));
vi.mock('../../src/store/employers.js', async (original) => ({
  ...(await original<Employers>()),
  findEmployerByCode: async () => ({ id: '00000000-0000-0000-0000-000000000001', code: 'acme' }),
}));
vi.mock('../../src/sync/export.js', async (original) => ({
  ...(await original<Exporting>()),
  exportSnapshot: async (_db: unknown, _employerId: string, each: (e: unknown) => Promise<void>) => {
    await each({ personnelNumber: '1' });
    throw new Error('the connection to the database was lost');
  },
}));

describe('koppeling export', () => {
  it('When the export fails after it began its document, then stdout is still one JSON object, ending with the error', async () => {
    const env = { KOPPELING_DATA_DIR: mkdtempSync(join(tmpdir(), 'koppeling-export-')), LOG_LEVEL: 'error' };
    const t = captureIo(env);
    const logged = vi.spyOn(log, 'error').mockImplementation(() => log);
    const { code } = await main(['export', '--employer', 'acme', '--json'], t.io);
    logged.mockRestore();
    expect(code).toBe(1);
    const printed = JSON.parse(t.out.join('')) as unknown;
    expect(printed).toEqual({
      employer: 'acme',
      employees: [{ personnelNumber: '1' }],
      error: 'failed: the connection to the database was lost',
    });
    expect(t.err.join('')).toMatch(/koppeling export: failed: the connection to the database was lost/);
  });
});
