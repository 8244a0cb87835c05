import { addDays, daysBetween } from './dates.js';
import { workingDayOnOrAfter } from './workdays.js';

/** The Poortwachter steps, in the order they fall due. */
export const taskKinds = [
  'report_to_arbodienst',
  'problem_analysis',
  'plan_of_action',
  'evaluation',
  'uwv_42_week_report',
  'first_year_evaluation',
  'wia_application',
  'end_of_wage_payment',
] as const;
export type TaskKind = (typeof taskKinds)[number];

export const taskTitles: Record<TaskKind, string> = {
  report_to_arbodienst: 'Report the sickness to the arbodienst (week 1)',
  problem_analysis: 'Problem analysis by the company doctor (week 6)',
  plan_of_action: 'Draw up the plan of action with the employee (week 8)',
  evaluation: 'Evaluate the plan of action (every 6 weeks)',
  uwv_42_week_report: '42nd-week report to UWV (first working day after week 42)',
  first_year_evaluation: 'First-year evaluation (week 52)',
  wia_application: 'WIA application: reintegration report to the employee (before week 91)',
  end_of_wage_payment: 'End of the obligation to continue wage payment (week 104)',
};

export interface ScheduledTask {
  kind: TaskKind;
  /** Distinguishes repeated steps (the n-th evaluation); 1 for single steps. */
  occurrence: number;
  /** The week of the count the step belongs to (week 1 starts on the first sick day). */
  week: number;
  dueDate: string;
}

/**
 * A stretch without sickness between two cases of one count (samentelling): from the day after the
 * earlier case's last sick day until the day before the later case's first sick day.
 */
export interface CountGap {
  lastSickDay: string;
  nextFirstSickDay: string;
}

/**
 * Last day of week `week` of a count that starts on `countStart` (week 1 = countStart .. +6). The
 * periods of a count are added together (BW 7:629 lid 10): the days between its cases do not count,
 * so a week that ends after a gap ends that many days later.
 */
export function endOfWeek(countStart: string, week: number, gaps: readonly CountGap[] = []): string {
  let day = addDays(countStart, 7 * week - 1);
  for (const gap of [...gaps].sort((a, b) => (a.lastSickDay < b.lastSickDay ? -1 : 1))) {
    if (day > gap.lastSickDay) day = addDays(day, daysBetween(gap.lastSickDay, gap.nextFirstSickDay) - 1);
  }
  return day;
}

const evaluationEvery = 6;
const planWeek = 8;
const lastWeek = 104;

/**
 * The Poortwachter schedule of a sickness counted from `countStart` (the first sick day, or the
 * first sick day of the earliest case it continues by samentelling, with the `gaps` between the
 * count's cases left out: see `endOfWeek`). UWV practice: weeks 6 and 8
 * are fixed by law; evaluations follow the plan of action every 6 weeks until week 104.
 */
export function poortwachterSchedule(countStart: string, gaps: readonly CountGap[] = []): ScheduledTask[] {
  const at = (kind: TaskKind, week: number, occurrence = 1): ScheduledTask => ({
    kind,
    occurrence,
    week,
    dueDate: endOfWeek(countStart, week, gaps),
  });
  const tasks: ScheduledTask[] = [
    at('report_to_arbodienst', 1),
    at('problem_analysis', 6),
    at('plan_of_action', planWeek),
  ];
  let n = 1;
  for (let week = planWeek + evaluationEvery; week < lastWeek; week += evaluationEvery) {
    tasks.push(at('evaluation', week, n++));
  }
  tasks.push({
    kind: 'uwv_42_week_report',
    occurrence: 1,
    week: 43,
    dueDate: workingDayOnOrAfter(addDays(endOfWeek(countStart, 42, gaps), 1)),
  });
  tasks.push(at('first_year_evaluation', 52));
  tasks.push(at('wia_application', 90));
  tasks.push(at('end_of_wage_payment', lastWeek));
  return tasks.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0));
}

export const taskStatuses = ['open', 'done', 'postponed', 'dropped', 'closed'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** Where a task stands for the user today: overdue (red), due now (yellow) or future (black). */
export type TaskUrgency = 'overdue' | 'due_now' | 'future';

/** How many days before its due date a task counts as "due now". */
export const dueNowWindowDays = 7;

/** Classifies an actionable task by its effective due date (the postponed-to date when postponed). */
export function taskUrgency(effectiveDue: string, today: string): TaskUrgency {
  if (effectiveDue < today) return 'overdue';
  if (effectiveDue <= addDays(today, dueNowWindowDays)) return 'due_now';
  return 'future';
}
