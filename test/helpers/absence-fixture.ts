import type { Store } from '../../src/store/db.js';
import { addDays, todayIn } from '../../src/domain/dates.js';
import { computeLeave } from '../../src/domain/pregnancy.js';
import { poortwachterSchedule } from '../../src/domain/poortwachter.js';

export interface AbsenceFixture {
  caseId: string;
  taskId: string;
  pregnancyId: string;
  /** Another last working day within the pregnancy's leave window (a correction of it). */
  pregnancyLastWorkingDay: string;
  today: string;
  yesterday: string;
}

/** The report dates the example bodies use. */
export function reportDays(): { today: string; yesterday: string } {
  const today = todayIn('Europe/Amsterdam');
  return { today, yesterday: addDays(today, -1) };
}

/**
 * An open absence case (sick since a week, with its first task) and an open pregnancy on a second
 * employment of the employee, so that a new report on the first employment is still possible.
 * Written with plain inserts: the role matrix makes one per request and must stay fast.
 */
export async function absenceFixture(
  store: Store,
  employerId: string,
  employeeId: string,
  unique: string,
): Promise<AbsenceFixture> {
  const db = store.db;
  const today = todayIn('Europe/Amsterdam');
  const sickSince = addDays(today, -7);
  const [{ id: employmentId }] = (await db('employments')
    .insert({
      employer_id: employerId,
      employee_id: employeeId,
      external_id: `B-${unique}`,
      start_date: '2020-01-01',
    })
    .returning('id')) as [{ id: string }];
  const owner = { employer_id: employerId, employee_id: employeeId, employment_id: employmentId };
  const [{ id: caseId }] = (await db('absence_cases')
    .insert({ ...owner, first_sick_day: sickSince, count_start: sickSince, classification: 'illness' })
    .returning('id')) as [{ id: string }];
  await db('absence_periods').insert({ case_id: caseId, from_date: sickSince, percentage: 100 });
  const first = poortwachterSchedule(sickSince)[0]!;
  const [{ id: taskId }] = (await db('poortwachter_tasks')
    .insert({
      employer_id: employerId,
      employee_id: employeeId,
      case_id: caseId,
      kind: first.kind,
      week: first.week,
      due_date: first.dueDate,
    })
    .returning('id')) as [{ id: string }];
  // Expected in two months, so a delivery today is a plausible one (premature).
  const expectedDate = addDays(today, 60);
  const pregnancy = { expectedDate, multiple: false, lastWorkingDay: addDays(expectedDate, -42) };
  const leave = computeLeave(pregnancy);
  const [{ id: pregnancyId }] = (await db('pregnancy_cases')
    .insert({
      ...owner,
      expected_date: pregnancy.expectedDate,
      last_working_day: pregnancy.lastWorkingDay,
      leave_start: leave.start,
      leave_end: leave.end,
    })
    .returning('id')) as [{ id: string }];
  return {
    caseId,
    taskId,
    pregnancyId,
    pregnancyLastWorkingDay: addDays(expectedDate, -35),
    ...reportDays(),
  };
}
