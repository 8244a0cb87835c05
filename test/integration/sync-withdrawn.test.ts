import { describe, expect, it } from 'vitest';
import { person, syncTestStore } from '../helpers/sync.js';

/** Contracts that have not started when a complete delivery no longer has them: a hire called off. */

const bed = syncTestStore('withdrawn');

async function employeeState(employerId: string, personnelNumber: string) {
  const e = await bed.store
    .db('employees')
    .where({ employer_id: employerId, personnel_number: personnelNumber })
    .first('id', 'in_service', 'remote_deleted_at');
  const employments = await bed.store
    .db('employments')
    .where({ employee_id: e.id })
    .orderBy('external_id')
    .select('external_id', 'end_date');
  return { inService: e.in_service as boolean, deleted: e.remote_deleted_at !== null, employments };
}

describe('contracts not started', () => {
  it('When a complete delivery no longer has a hire that has not started, then the contract is withdrawn and the employee is out of service', async () => {
    const { employer: e, run } = await bed.employer();
    await run([person('1'), person('2', { employments: [{ startDate: '2027-01-01' }] })]);
    expect((await employeeState(e.id, '2')).inService).toBe(true);
    const r = await run([person('1')], { deliveryDate: '2026-11-29' });
    expect(r.status).toBe('completed');
    expect(r.notices).toEqual([
      {
        position: '',
        field: 'employment',
        message:
          'employment 2-1 (from 2027-01-01) is missing from the complete delivery and had not started: it was withdrawn',
      },
    ]);
    expect(await employeeState(e.id, '2')).toEqual({ inService: false, deleted: true, employments: [] });
    const audit = await bed.store
      .db('audit_events')
      .where({ employer_id: e.id, action: 'employment.withdrawn' });
    expect(audit.map((a: { details: unknown }) => a.details)).toEqual([
      {
        runId: r.runId,
        externalId: '2-1',
        startDate: '2027-01-01',
        endDate: null,
        reason: 'missing from complete delivery before its start',
      },
    ]);
    // After the start date no contract that never ran is ended.
    const later = await run([person('1')], { deliveryDate: '2027-01-02' });
    expect(later.counts).toMatchObject({ ended: 0, rowsWritten: 0 });
  });

  it('When an employee leaves the delivery with a running contract and a follow-up one, then the first ends, the second is withdrawn', async () => {
    // One of two employees leaves: above the default guard of 10%.
    const { employer: e, run } = await bed.employer({ guard: 1 });
    const both = person('2', {
      employments: [
        { externalId: '2-1', startDate: '2020-01-01', endDate: '2026-12-31' },
        { externalId: '2-2', startDate: '2027-01-01' },
      ],
    });
    await run([person('1'), both]);
    const r = await run([person('1')], { deliveryDate: '2026-11-29' });
    expect(r.counts.ended).toBe(1);
    expect(await employeeState(e.id, '2')).toEqual({
      inService: false,
      deleted: true,
      employments: [{ external_id: '2-1', end_date: '2026-11-29' }],
    });
  });

  it('When a contract that has not started has a case, then it is kept with a notice, and a rerun counts no update', async () => {
    const { employer: e, run } = await bed.employer();
    await run([person('1'), person('2', { employments: [{}, { startDate: '2027-01-01' }] })]);
    const m = await bed.store.db('employments').where({ employer_id: e.id, external_id: '2-2' }).first();
    await bed.store.db('absence_cases').insert({
      employer_id: e.id,
      employee_id: m.employee_id,
      employment_id: m.id,
      first_sick_day: '2027-01-04',
      count_start: '2027-01-04',
      classification: 'illness',
    });
    // The employee is delivered with the running contract only.
    const first = await run([person('1'), person('2')]);
    expect(first.notices.map((n) => n.message)).toEqual([
      'employment 2-2 (from 2027-01-01) is missing from the complete delivery and has not started; it was kept, as it has an absence or pregnancy case',
    ]);
    expect((await employeeState(e.id, '2')).employments).toEqual([
      { external_id: '2-1', end_date: null },
      { external_id: '2-2', end_date: null },
    ]);
    const again = await run([person('1'), person('2')]);
    expect(again.counts).toMatchObject({ rowsWritten: 0, updated: 0, unchanged: 2 });
  });

  it('When a mutation delivery leaves a contract out, or a complete one keeps it, then nothing is withdrawn', async () => {
    const mutations = await bed.employer({ delivery: 'mutations' });
    await mutations.run([person('2', { employments: [{ startDate: '2027-01-01' }] })]);
    await mutations.run([person('1')]);
    expect((await employeeState(mutations.employer.id, '2')).employments).toHaveLength(1);
    const complete = await bed.employer();
    const hire = person('2', { employments: [{ startDate: '2027-01-01' }] });
    await complete.run([person('1'), hire]);
    const again = await complete.run([person('1'), hire]);
    expect(again.counts.rowsWritten).toBe(0);
    expect(again.notices).toEqual([]);
  });
});
