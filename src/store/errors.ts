import { AppError } from '../errors.js';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

/** Turns PostgreSQL constraint violations into domain errors (409/400); anything else is rethrown. */
export function mapStoreError(err: unknown, what = 'record'): never {
  const pgErr = err as PgError;
  switch (pgErr?.code) {
    case '23505':
      throw new AppError(
        'conflict',
        `A ${what} with the same key already exists.`,
        { constraint: pgErr.constraint },
        { cause: err },
      );
    case '23503':
      throw new AppError(
        'conflict',
        `The ${what} refers to something that does not exist or is still in use.`,
        { constraint: pgErr.constraint },
        { cause: err },
      );
    case '23514':
    case '23P01':
      throw new AppError(
        'validation_failed',
        `The ${what} breaks a rule of the data (${pgErr.constraint ?? 'check'}).`,
        { constraint: pgErr.constraint },
        { cause: err },
      );
    default:
      throw err;
  }
}
