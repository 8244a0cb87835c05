import { z } from 'zod';
import { exactlyOneFileOrFolder, fileSourceShape } from '../file-source.js';

export const csvDelimiters = [';', ',', '\t', 'tab', 'auto'] as const;
export const csvEncodings = ['utf-8', 'windows-1252', 'auto'] as const;

/** Settings of the `csv` connector in an employer link file (`source:`). */
export const csvConfigSchema = z
  .object({
    ...fileSourceShape,
    delimiter: z
      .enum(csvDelimiters)
      .default('auto')
      .describe('Field separator: ";" "," tab, or auto (detected from the header line)'),
    encoding: z
      .enum(csvEncodings)
      .default('auto')
      .describe(
        'utf-8, windows-1252 (Excel "CSV (;)" on Windows), or auto (invalid UTF-8 means Windows-1252)',
      ),
  })
  .strict()
  .superRefine(exactlyOneFileOrFolder);

export type CsvConfig = z.infer<typeof csvConfigSchema>;
