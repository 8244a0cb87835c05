import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLink, readLinkFile } from '../../src/sync/link.js';

const dir = 'config/employers';
const base = {
  employer: { code: 'x', name: 'X BV' },
  connector: 'csv',
  source: { file: 'x.csv' },
  mapping: 'mappings/csv-standard.yaml',
  delivery: 'complete',
};

describe('employer link files', () => {
  it('When the committed example link files are loaded, then each is valid and names a shipped mapping', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const { link } = await readLinkFile(join(dir, file));
      expect(`${link.employer.code}.yaml`).toBe(file);
      expect(existsSync(link.mapping)).toBe(true);
    }
    expect((await readLinkFile(join(dir, 'bakkerij-de-vries.yaml'))).link.guardAllowance).toBe(1);
  });

  it('When the guard allowance is left out, then it is 0; a fraction or a negative number is refused', () => {
    expect(parseLink(base)).toMatchObject({ guard: 0.1, guardAllowance: 0 });
    expect(parseLink({ ...base, guardAllowance: 3 }).guardAllowance).toBe(3);
    expect(() => parseLink({ ...base, guardAllowance: 1.5 })).toThrow(
      /guardAllowance: a whole number of employees/,
    );
    expect(() => parseLink({ ...base, guardAllowance: -1 })).toThrow(/guardAllowance/);
  });
});
