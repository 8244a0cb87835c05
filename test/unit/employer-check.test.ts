import { describe, expect, it } from 'vitest';
import { assertLinkEmployer, otherEmployer } from '../../src/sync/employer-check.js';

const employer = {
  code: 'acme',
  name: 'Acme BV',
  payrollTaxNumber: '123456789L01',
  arboEmployerId: 'WG-4711',
};
const record = (data: Record<string, unknown>) => ({ position: 'd.xml:3', data });

describe('employer check of delivered records', () => {
  it('When the record names the same employer (other case, spaces), then it passes', () => {
    const r = record({ Wrkgvr: { Lhnr: ' 123456789l01 ', IdWrkgvrArbdnst: 'wg-4711' } });
    expect(otherEmployer(employer, r)).toBeUndefined();
  });

  it('When the record or the link names no employer ids, then nothing is compared', () => {
    expect(otherEmployer(employer, record({ Achternaam: 'Jansen' }))).toBeUndefined();
    expect(otherEmployer(employer, record({ Wrkgvr: {} }))).toBeUndefined();
    expect(
      otherEmployer({ code: 'acme', name: 'Acme BV' }, record({ Wrkgvr: { Lhnr: '987654321L01' } })),
    ).toBeUndefined();
  });

  it('When the record names another loonheffingennummer, then the delivery is refused naming the end of each (a sole trader’s is their BSN)', () => {
    const r = record({ Wrkgvr: { Lhnr: '987654321L01', IdWrkgvrArbdnst: 'WG-4711' } });
    expect(() => assertLinkEmployer(employer, r)).toThrow(
      'delivery is for loonheffingennummer …21L01, this link is for …89L01 (d.xml:3)',
    );
  });
});
