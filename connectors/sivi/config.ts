import { z } from 'zod';
import { exactlyOneFileOrFolder, fileSourceShape } from '../file-source.js';

export const siviMessages = ['Dienstverbanden', 'WerknemersGegevens', 'auto'] as const;

/** Settings of the `sivi` connector in an employer link file (`source:`). */
export const siviConfigSchema = z
  .object({
    ...fileSourceShape,
    message: z
      .enum(siviMessages)
      .default('auto')
      .describe('Which SIVI Verzuimstandaard 2022 message the delivery is; auto accepts either'),
  })
  .strict()
  .superRefine(exactlyOneFileOrFolder);

export type SiviConfig = z.infer<typeof siviConfigSchema>;
