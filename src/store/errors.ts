import { AppError, type ErrorCode } from '../errors.js';

interface PgError {
  code?: string;
  constraint?: string;
}

/** A refusal tied to one field of the request, in the shape validation errors have. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * What each rule of the data means to the person whose request broke it, keyed by the rule's name
 * in the database. `path` names the request field that fills the column. Only rules a request can
 * reach are here; any other one answers a general message.
 */
const rules = {
  // Departments
  departments_employer_id_code_unique: {
    path: 'code',
    message: 'another department of this employer has this code',
  },
  departments_parent_id_foreign: { path: 'parentId', message: 'the parent department does not exist' },
  departments_not_own_parent: { path: 'parentId', message: 'a department cannot be its own parent' },
  // Employees
  employees_employer_id_personnel_number_unique: {
    path: 'personnelNumber',
    message: 'another employee of this employer has this personnel number',
  },
  employees_gender: { path: 'gender', message: 'the gender is M, V or O' },
  // Employments and their versions
  employments_employer_id_external_id_unique: {
    path: 'externalId',
    message: 'another employment of this employer has this employment id',
  },
  employments_employee_foreign: {
    path: 'employeeId',
    message: 'the employee does not exist at this employer',
  },
  employments_end_after_start: { path: 'endDate', message: 'the end date is before the start date' },
  employment_versions_period: {
    path: 'endDate',
    message: 'the end date is before the date the last change of the employment took effect',
  },
  employment_versions_employment_id_valid_from_unique: {
    path: 'from',
    message: 'the employment already has a version from this date',
  },
  employment_versions_no_overlap: {
    path: 'from',
    message: 'the versions of the employment would overlap; pick a date within one version',
  },
  employment_versions_department_id_foreign: {
    path: 'terms.departmentId',
    message: 'the department does not exist',
  },
  employment_versions_contract: { path: 'terms.contractType', message: 'the contract type is B or O' },
  employment_versions_hours: {
    path: 'terms.hoursPerWeek',
    message: 'the hours per week are between 0 and 80',
  },
  employment_versions_normal_hours: {
    path: 'terms.normalHoursPerWeek',
    message: 'the normal hours per week are between 0 and 80',
  },
  // Users and their roles
  users_login_name: { path: 'loginName', message: 'another user has this login name' },
  users_gender: { path: 'gender', message: 'the gender is M, V or O' },
  users_language: { path: 'language', message: 'the language is nl or en' },
  user_memberships_user_id_employer_id_unique: {
    path: 'role',
    message: 'the user already has a role at this employer',
  },
  user_memberships_role: { path: 'role', message: 'this role does not exist' },
  user_memberships_period: {
    path: 'validUntil',
    message: 'the end of the validity is before its start',
  },
} as const satisfies Record<string, FieldIssue>;

export type StoreRule = keyof typeof rules;

// A rule raised by a trigger carries no name; the overlap of employment versions is the only one
// with this code.
const unnamed: Record<string, StoreRule> = { '23P01': 'employment_versions_no_overlap' };

/** What a refused write keeps of the database's answer: the code and the rule's name, never the row. */
export class StoreRuleViolation extends Error {
  readonly sqlState: string;
  readonly constraint: string | undefined;

  constructor(sqlState: string, constraint: string | undefined) {
    super(`The database refused the write (${sqlState}, ${constraint ?? 'unnamed rule'}).`);
    this.name = 'StoreRuleViolation';
    this.sqlState = sqlState;
    this.constraint = constraint;
  }
}

/** The field-level refusal of a rule, as the database would answer it (a route may check first). */
export function ruleIssue(rule: StoreRule): FieldIssue {
  const { path, message } = rules[rule];
  return { path, message };
}

/** The error for issues of the request's fields: `path: message` for the first, all in `details`. */
export function fieldError(code: ErrorCode, issues: FieldIssue[], options?: { cause?: unknown }): AppError {
  const first = issues[0];
  const message = first ? `${first.path}: ${first.message}` : 'The request is not valid.';
  return new AppError(code, message, issues, options);
}

/** The same refusal for fields nested under `prefix` in the request (an employment in an employee). */
export function nestFieldError(err: unknown, prefix: string): unknown {
  if (!(err instanceof AppError) || !(err.cause instanceof StoreRuleViolation)) return err;
  const issues = (err.details as FieldIssue[] | undefined)?.map((i) => ({
    ...i,
    path: `${prefix}.${i.path}`,
  }));
  return issues ? fieldError(err.code, issues, { cause: err.cause }) : err;
}

const general: Record<string, { code: ErrorCode; message: (what: string) => string }> = {
  '23505': { code: 'conflict', message: (what) => `A ${what} with the same key already exists.` },
  '23503': {
    code: 'conflict',
    message: (what) => `The ${what} refers to something that does not exist or is still in use.`,
  },
  '23514': { code: 'validation_failed', message: (what) => `The ${what} breaks a rule of the data.` },
  '23P01': { code: 'validation_failed', message: (what) => `The ${what} breaks a rule of the data.` },
};

/**
 * Turns PostgreSQL constraint violations into domain errors (409/400) that name the field and what
 * to do, never the rule's name or the values the database quotes; anything else is rethrown.
 */
export function mapStoreError(err: unknown, what = 'record'): never {
  const pgErr = err as PgError | undefined;
  const kind = pgErr?.code ? general[pgErr.code] : undefined;
  if (!pgErr?.code || !kind) throw err;
  const cause = new StoreRuleViolation(pgErr.code, pgErr.constraint);
  const name = pgErr.constraint ?? unnamed[pgErr.code];
  if (name && Object.hasOwn(rules, name))
    throw fieldError(kind.code, [ruleIssue(name as StoreRule)], { cause });
  throw new AppError(kind.code, kind.message(what), undefined, { cause });
}
