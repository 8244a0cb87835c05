import type { Connector } from '../../src/sync/types.js';
import { checkFileSource, deliveryFile } from '../file-source.js';
import { siviConfigSchema, type SiviConfig } from './config.js';
import { peekSiviMessage, readSiviFile } from './transport.js';

/**
 * SIVI Verzuimstandaard 2022 deliveries (`Dienstverbanden`, `WerknemersGegevens`): one source record
 * per `Wrknmr`, with its employer (`Wrkgvr`) and message header (`BrAlg`) as context.
 */
export const sivi: Connector<SiviConfig> = {
  name: 'sivi',
  configSchema: siviConfigSchema,
  async check(config) {
    const source = await checkFileSource(config);
    if (!source.ok || !config.file) return source;
    try {
      const message = await peekSiviMessage(config.file, config.message);
      return { ok: true, message: `${source.message} SIVI message ${message}.` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  },
  read(config, options) {
    return readSiviFile(deliveryFile(config, options?.file), {
      message: config.message,
      signal: options?.signal,
    });
  },
};
