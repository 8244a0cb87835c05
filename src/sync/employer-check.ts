import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Link } from './link.js';
import type { SourceRecord } from './types.js';

/** The employer ids a SIVI record carries (`Wrkgvr`), with the link's employer field each must match. */
const employerIds = [
  { source: 'Lhnr', field: 'payrollTaxNumber', label: 'loonheffingennummer' },
  { source: 'IdWrkgvrArbdnst', field: 'arboEmployerId', label: 'arbodienst employer id (IdWrkgvrArbdnst)' },
] as const;

/** `Wrkgvr` as far as the check needs it; other sources (CSV) carry none and are not checked. */
const recordEmployerSchema = z.object({
  Wrkgvr: z.object({ Lhnr: z.string().optional(), IdWrkgvrArbdnst: z.string().optional() }),
});

/** Ids are compared without surrounding spaces and case, as senders differ in both. */
function normal(id: string): string {
  return id.trim().toUpperCase();
}

/**
 * Why a record belongs to another employer than the link's, or undefined when it does not (or does
 * not say). Only ids set on both sides are compared.
 */
export function otherEmployer(employer: Link['employer'], record: SourceRecord): string | undefined {
  const parsed = recordEmployerSchema.safeParse(record.data);
  if (!parsed.success) return undefined;
  for (const { source, field, label } of employerIds) {
    const delivered = parsed.data.Wrkgvr[source];
    const expected = employer[field];
    if (delivered && expected && normal(delivered) !== normal(expected)) {
      // A sole trader's loonheffingennummer is built on their BSN: only its end is shown.
      const shown = (id: string) => (source === 'Lhnr' ? `…${normal(id).slice(-5)}` : id.trim());
      return `delivery is for ${label} ${shown(delivered)}, this link is for ${shown(expected)}`;
    }
  }
  return undefined;
}

/**
 * Stops the delivery when a record is another employer's: applying another employer's people would
 * leak their data, so the whole delivery is refused rather than only the record.
 */
export function assertLinkEmployer(employer: Link['employer'], record: SourceRecord): void {
  const reason = otherEmployer(employer, record);
  if (reason) {
    throw new AppError('validation_failed', `${reason} (${record.position})`);
  }
}
