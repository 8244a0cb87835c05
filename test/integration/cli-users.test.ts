import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo as io } from '../helpers/cli.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime } from '../../src/runtime.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { findUserByLogin, activeMemberships } from '../../src/store/users.js';
import { sentMails } from '../helpers/mail.js';
import { testStoreKind } from '../helpers/store.js';

// The CLI opens the embedded store in a data folder; PostgreSQL runs cover the same code through the API tests.
describe.skipIf(testStoreKind !== 'pglite')('koppeling users commands', () => {
  it('When the arbodienst creates the first superuser and links the login to a second employer, then both roles are active and a password link was mailed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'koppeling-cli-'));
    const env = { KOPPELING_DATA_DIR: dataDir, KOPPELING_SCRYPT_COST: '1024', LOG_LEVEL: 'error' };
    const setup = await openRuntime(loadConfig(env));
    await upsertEmployer(setup.store.db, { code: 'acme', name: 'Acme BV' });
    await upsertEmployer(setup.store.db, { code: 'beta', name: 'Beta BV' });
    await setup.close();

    const create = io(env);
    const args = [
      'users',
      'create-superuser',
      '--employer',
      'acme',
      '--login',
      'hoofd',
      '--first-name',
      'Henk',
    ];
    const created = await main([...args, '--last-name', 'de Boer', '--email', 'henk@example.nl'], create.io);
    expect(create.err.join('')).toBe('');
    expect(created.code).toBe(0);
    const again = io(env);
    expect(
      (await main([...args, '--last-name', 'de Boer', '--email', 'henk@example.nl'], again.io)).code,
    ).toBe(2);
    expect(again.err.join('')).toContain('koppeling users link --login hoofd');
    const link = io(env);
    const linked = await main(
      ['users', 'link', '--login', 'hoofd', '--employer', 'beta', '--role', 'superuser_linked'],
      link.io,
    );
    expect(linked.code).toBe(0);

    const check = await openRuntime(loadConfig(env));
    const user = (await findUserByLogin(check.store.db, 'hoofd'))!;
    const roles = (await activeMemberships(check.store.db, user.id, new Date())).map((m) => [
      m.employer.code,
      m.membership.role,
    ]);
    await check.close();
    expect(roles).toEqual([
      ['acme', 'superuser'],
      ['beta', 'superuser_linked'],
    ]);
    expect(sentMails(dataDir).map((m) => m.to)).toEqual(['henk@example.nl']);
  });

  it('When the role matrix is printed as Markdown, then it has a row per capability and a column per role', async () => {
    const t = io({});
    expect((await main(['roles', 'matrix', '--markdown'], t.io)).code).toBe(0);
    const lines = t.out.join('').trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]!.split('|').length - 2).toBe(9);
  });

  it('When create-superuser misses its e-mail, then it exits 2 naming the flag', async () => {
    const t = io({});
    const r = await main(
      [
        'users',
        'create-superuser',
        '--employer',
        'acme',
        '--login',
        'abc',
        '--first-name',
        'A',
        '--last-name',
        'B',
      ],
      t.io,
    );
    expect(r.code).toBe(2);
    expect(t.err.join('')).toContain('--email');
  });
});
