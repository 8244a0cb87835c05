import { describe, expect, it } from 'vitest';
import { loadMapping, mapRecord } from '../../src/sync/mapping/index.js';
import { candidateOf } from '../helpers/mapping.js';

/** The shipped SIVI mappings on single records. */

const person = (extra: Record<string, unknown>, employment: Record<string, unknown>) => ({
  position: 'werknemers.xml:12',
  data: {
    IdWrknmr: 'W-1',
    Gebdat: '1960-04-01',
    SignNm: 'Jansen',
    Voorl: 'J',
    ...extra,
    Dnstvbnd: [{ IdDnstvbnd: 'DV-1', PersNr: '1001', Ingdat: '2010-01-01', OrgeenhCd: 'FIN', ...employment }],
  },
});

describe.each(['mappings/sivi-werknemersgegevens.yaml', 'mappings/sivi-dienstverbanden.yaml'])(
  '%s',
  (file) => {
    const employment = async (extra: Record<string, unknown>, of: Record<string, unknown> = {}) =>
      candidateOf(mapRecord(await loadMapping(file), person(extra, of))).employments[0]!;

    it('When the employee has died (Overldat), then an employment without an end date ends on the date of death', async () => {
      expect(await employment({ Overldat: '2026-10-03' })).toMatchObject({
        endDate: '2026-10-03',
        endReason: 'overleden',
      });
      // An end date and reason of the employment's own stay.
      expect(
        await employment({ Overldat: '2026-10-03' }, { Enddat: '2026-10-31', RdEndDnstvbndCd: '05' }),
      ).toMatchObject({ endDate: '2026-10-31', endReason: 'SIVI RdEndDnstvbndCd 05' });
      // An employment that ended on its own date before the death did not end by it.
      const before = await employment({ Overldat: '2026-10-03' }, { Enddat: '2015-06-30' });
      expect(before.endDate).toBe('2015-06-30');
      expect(before.endReason).toBeUndefined();
      const alive = await employment({});
      expect(alive.endDate).toBeUndefined();
      expect(alive.endReason).toBeUndefined();
    });
  },
);
