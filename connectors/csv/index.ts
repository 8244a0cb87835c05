import type { Connector } from '../../src/sync/types.js';
import { checkFileSource, deliveryFile } from '../file-source.js';
import { csvConfigSchema, type CsvConfig } from './config.js';
import { readCsvFile, sniffCsv } from './transport.js';

/** CSV / Excel exports: one record per row, keyed by the header names. */
export const csv: Connector<CsvConfig> = {
  name: 'csv',
  configSchema: csvConfigSchema,
  async check(config) {
    const source = await checkFileSource(config);
    if (!source.ok || !config.file) return source;
    try {
      const { delimiter } = await sniffCsv(config.file, normalizeDelimiter(config.delimiter));
      return {
        ok: true,
        message: `${source.message} Delimiter ${delimiter === '\t' ? 'tab' : `"${delimiter}"`}.`,
      };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  },
  read(config, options) {
    return readCsvFile(deliveryFile(config, options?.file), {
      delimiter: normalizeDelimiter(config.delimiter),
      encoding: config.encoding,
      signal: options?.signal,
      onColumns: options?.onColumns,
    });
  },
};

function normalizeDelimiter(d: CsvConfig['delimiter']): ';' | ',' | '\t' | 'auto' {
  return d === 'tab' ? '\t' : d;
}
