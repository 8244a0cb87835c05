import { z } from 'zod';
import { classifications, otherEndReasons, percentageSchema } from '../domain/absence.js';
import { isoDateSchema } from '../domain/dates.js';
import { pregnancyEndReasons } from '../domain/pregnancy.js';

/** A free-text note; the "no medical data" rule is stated in the API description and in the warnings. */
export const noteSchema = z
  .string()
  .trim()
  .min(1)
  .max(5000)
  .describe('Free text. No medical data: never a diagnosis, cause, symptoms or nature of the illness.');

const hoursSchema = z
  .number()
  .positive()
  .max(24)
  .describe("Hours not worked on a normal day; converted against the employment's contract hours.");

const oneOfPercentageOrHours = <
  T extends { percentage?: number | undefined; hoursNotWorked?: number | undefined },
>(
  v: T,
  ctx: z.RefinementCtx,
) => {
  if ((v.percentage === undefined) === (v.hoursNotWorked === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['percentage'],
      message: 'give either percentage (1-100) or hoursNotWorked, exactly one of the two',
    });
  }
};

export const sickReportSchema = z
  .object({
    employmentId: z.uuid().optional(),
    firstSickDay: isoDateSchema,
    percentage: percentageSchema.optional(),
    hoursNotWorked: hoursSchema.optional(),
    classification: z.enum(classifications).default('illness'),
    safetyNet: z
      .boolean()
      .default(false)
      .describe('Whether a Ziektewet safety-net case applies (never which one).'),
    lateReason: z.string().trim().min(1).max(500).optional(),
    note: noteSchema.optional(),
  })
  .strict()
  .superRefine(oneOfPercentageOrHours);
export type SickReportInput = z.input<typeof sickReportSchema>;
export type SickReport = z.output<typeof sickReportSchema>;

export const correctionSchema = z
  .object({
    firstSickDay: isoDateSchema.optional(),
    percentage: percentageSchema.optional(),
    classification: z.enum(classifications).optional(),
    safetyNet: z.boolean().optional(),
    /** Why the sickness was reported this late, when the corrected first sick day makes it late. */
    lateReason: z.string().trim().min(1).max(500).optional(),
    note: noteSchema.optional(),
  })
  .strict()
  .refine(
    (v) => [v.firstSickDay, v.percentage, v.classification, v.safetyNet].some((x) => x !== undefined),
    'give at least one of firstSickDay, percentage, classification, safetyNet to correct',
  );
export type CorrectionInput = z.input<typeof correctionSchema>;

export const percentageChangeSchema = z
  .object({
    from: isoDateSchema,
    percentage: percentageSchema.optional(),
    hoursNotWorked: hoursSchema.optional(),
    // No classification: it is corrected only while the case has its first report (see correction).
    note: noteSchema.optional(),
  })
  .strict()
  .superRefine(oneOfPercentageOrHours);
export type PercentageChangeInput = z.input<typeof percentageChangeSchema>;

export const recoverySchema = z
  .object({
    lastSickDay: isoDateSchema.optional(),
    firstDayBack: isoDateSchema.optional(),
    note: noteSchema.optional(),
  })
  .strict();
export type RecoveryInput = z.input<typeof recoverySchema>;

export const otherEndSchema = z
  .object({ lastSickDay: isoDateSchema, reason: z.enum(otherEndReasons), note: noteSchema.optional() })
  .strict();
export type OtherEndInput = z.input<typeof otherEndSchema>;

export const pregnancyReportSchema = z
  .object({
    employmentId: z.uuid().optional(),
    expectedDate: isoDateSchema,
    multiple: z.boolean().default(false),
    lastWorkingDay: isoDateSchema,
    note: noteSchema.optional(),
  })
  .strict();
export type PregnancyReportInput = z.input<typeof pregnancyReportSchema>;

export const pregnancyCorrectionSchema = z
  .object({
    expectedDate: isoDateSchema.optional(),
    multiple: z.boolean().optional(),
    lastWorkingDay: isoDateSchema.optional(),
    note: noteSchema.optional(),
  })
  .strict()
  .refine(
    (v) => v.expectedDate !== undefined || v.multiple !== undefined || v.lastWorkingDay !== undefined,
    'give at least one of expectedDate, multiple, lastWorkingDay to correct',
  );
export type PregnancyCorrectionInput = z.input<typeof pregnancyCorrectionSchema>;

export const deliverySchema = z
  .object({ actualDeliveryDate: isoDateSchema, note: noteSchema.optional() })
  .strict();
export type DeliveryInput = z.input<typeof deliverySchema>;

export const pregnancyEndSchema = z
  .object({ endDate: isoDateSchema, reason: z.enum(pregnancyEndReasons), note: noteSchema.optional() })
  .strict();
export type PregnancyEndInput = z.input<typeof pregnancyEndSchema>;

export const noteInputSchema = z
  .object({ text: noteSchema, absenceCaseId: z.uuid().optional(), pregnancyCaseId: z.uuid().optional() })
  .strict();
export type NoteInput = z.input<typeof noteInputSchema>;
