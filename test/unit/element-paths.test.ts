import { describe, expect, it } from 'vitest';
import { elementPaths, loadMapping } from '../../src/sync/mapping/index.js';
import { compilePath, reachesValue } from '../../src/sync/mapping/paths.js';

describe('element paths a mapping reads', () => {
  it('When a SIVI mapping is read, then each element path it reads is listed once, keyed from the record', async () => {
    const keys = elementPaths(await loadMapping('mappings/sivi-werknemersgegevens.yaml')).map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['SofiNr', 'Adres/Pc', 'Com/NrCom', 'Dnstvbnd/OrgeenhCd']));
    expect(keys.slice(0, 3)).toEqual(['Dnstvbnd/PersNr', 'IdWrknmr', 'Voorl']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain('Dnstvbnd');
    expect(keys).not.toContain('OrgeenhCd');
  });

  it('When a chain of paths is followed, then any item of a repeated group with a non-blank value is enough', () => {
    const chain = (...paths: string[]) => paths.map(compilePath);
    const record = {
      Dnstvbnd: [{ OrgeenhCd: ' ' }, { OrgeenhCd: 'KEUKEN', Kostenplaats: [{ Cd: '' }, { Cd: 'K1' }] }],
      Adres: { Pc: '1234AB', Huisnr: 12 },
      Leeg: { Pc: '' },
      'Met/Slash': 'x',
    };
    expect(reachesValue(record, chain('Dnstvbnd', 'OrgeenhCd'))).toBe(true);
    expect(reachesValue(record, chain('Dnstvbnd/OrgeenhCd'))).toBe(true);
    expect(reachesValue(record, chain('Dnstvbnd', 'Kostenplaats/Cd'))).toBe(true);
    expect(reachesValue(record, chain('Dnstvbnd', 'Kostenplaats', 'Nm'))).toBe(false);
    expect(reachesValue(record, chain('Adres/Pc'))).toBe(true);
    expect(reachesValue(record, chain('Adres/Huisnr'))).toBe(true);
    expect(reachesValue(record, chain('Leeg/Pc'))).toBe(false);
    // A group is not a value; a key written with a slash is read as written.
    expect(reachesValue(record, chain('Adres'))).toBe(false);
    expect(reachesValue(record, chain('Met/Slash'))).toBe(true);
    expect(reachesValue(record, [])).toBe(false);
  });
});
