import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { csv } from '../../connectors/csv/index.js';
import { sivi } from '../../connectors/sivi/index.js';
import { loadMapping, mapRecord } from '../../src/sync/mapping/index.js';
import type { Connector } from '../../src/sync/types.js';
import { writeCsvDelivery, writeSiviDelivery } from '../helpers/deliveries.js';

/**
 * Reading + mapping a large delivery must not grow the heap with the file: records are streamed
 * one at a time. The bound is generous (GC timing varies) but far below what holding the file or
 * its records would take (hundreds of MB for these files).
 */
const EMPLOYEES = 50_000;
const MAX_GROWTH = 96 * 1024 * 1024;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'koppeling-large-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function measure(connector: Connector<unknown>, settings: unknown, mappingFile: string) {
  const mapping = await loadMapping(mappingFile);
  const config = connector.configSchema.parse(settings);
  const baseline = process.memoryUsage().heapUsed;
  let peak = 0;
  let records = 0;
  let ok = 0;
  for await (const record of connector.read(config)) {
    if (mapRecord(mapping, record).ok) ok++;
    if (++records % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
  }
  return { records, ok, peak };
}

describe('large deliveries', () => {
  it('When a 50k-employee CSV is read and mapped, then the heap stays bounded', async () => {
    const file = path.join(tmp, 'large.csv');
    const { rows, bytes } = await writeCsvDelivery(file, EMPLOYEES, { encoding: 'windows-1252' });
    expect(bytes).toBeGreaterThan(8 * 1024 * 1024);
    const r = await measure(csv as Connector<unknown>, { file }, 'mappings/csv-standard.yaml');
    expect(r.records).toBe(rows);
    expect(r.ok).toBe(rows);
    expect(r.peak).toBeLessThan(MAX_GROWTH);
  }, 120_000);

  it('When a 50k-employee SIVI file is read and mapped, then the heap stays bounded', async () => {
    const file = path.join(tmp, 'large.xml');
    const { bytes } = await writeSiviDelivery(file, EMPLOYEES);
    expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
    const r = await measure(sivi as Connector<unknown>, { file }, 'mappings/sivi-werknemersgegevens.yaml');
    expect(r.records).toBe(EMPLOYEES);
    expect(r.ok).toBe(EMPLOYEES);
    expect(r.peak).toBeLessThan(MAX_GROWTH);
  }, 120_000);

  it('When a small generated SIVI delivery is checked against the XSD, then it is valid', async () => {
    const file = path.join(tmp, 'small.xml');
    await writeSiviDelivery(file, 60, { seed: 7 });
    const result = await validateXML({
      xml: { fileName: 'small.xml', contents: await readFile(file, 'utf8') },
      schema: {
        fileName: 'WerknemersGegevens.xsd',
        contents: readFileSync('connectors/sivi/xsd/WerknemersGegevens.xsd', 'utf8'),
      },
    });
    expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
  });
});
