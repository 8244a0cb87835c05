import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { employerOfEmployee } from '../../src/store/employees.js';

describe('the employer of an employee, as authorization looks it up', () => {
  let store: TestStore;
  const queries: string[] = [];
  const count = (q: { sql: string }) => queries.push(q.sql);

  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(async () => store?.close());

  it('When one employee of an employer is looked up, then the others of that employer need no query and another employer’s stay theirs', async () => {
    const acme = await seedEmployer(store.db);
    const other = await seedEmployer(store.db);
    const [a, b, c] = [
      await seedEmployee(store.db, { employerId: acme.employerId }),
      await seedEmployee(store.db, { employerId: acme.employerId }),
      await seedEmployee(store.db, { employerId: acme.employerId }),
    ];
    const stranger = await seedEmployee(store.db, { employerId: other.employerId });
    store.db.on('query', count);
    try {
      expect(await employerOfEmployee(store.db, a.employeeId, acme.employerId)).toBe(acme.employerId);
      const afterFirst = queries.length;
      expect(await employerOfEmployee(store.db, b.employeeId, acme.employerId)).toBe(acme.employerId);
      expect(await employerOfEmployee(store.db, c.employeeId, acme.employerId)).toBe(acme.employerId);
      expect(queries.length).toBe(afterFirst);
      // Asked within the wrong employer, an employee still answers with their own employer.
      expect(await employerOfEmployee(store.db, stranger.employeeId, acme.employerId)).toBe(other.employerId);
      expect(
        await employerOfEmployee(store.db, '00000000-0000-4000-8000-000000000000', acme.employerId),
      ).toBe(undefined);
      // An employee added after the employer was read is found with one query of its own.
      const late = await seedEmployee(store.db, { employerId: acme.employerId });
      const before = queries.length;
      expect(await employerOfEmployee(store.db, late.employeeId, acme.employerId)).toBe(acme.employerId);
      expect(queries.length).toBe(before + 1);
    } finally {
      store.db.removeListener('query', count);
    }
  });
});
