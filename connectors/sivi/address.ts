import type { SourceRecord } from '../../src/sync/types.js';

/**
 * The person's address as one whole item, added to each `Wrknmr` record as `Adres`: a SIVI record
 * may carry up to nine Dutch (`StrAdrNl`) and nine foreign (`StrAdrBl`) addresses, current and
 * ended, of several kinds (`SrtAdrsCd`). Mapping each field to the first item that has it would mix
 * them (the street of one, the house number of another). Chosen: an address in force on `today`
 * (no `Ingdat` after it, no `Enddat` before it) over one that is not, then the lowest `SrtAdrsCd`
 * (01, the home address), then the latest `Ingdat`, then Dutch over foreign. `Adres/Land` says
 * which: `NL` for a `StrAdrNl` item, else its `LandCd`.
 */
export function withAddress(record: SourceRecord, today: string): SourceRecord {
  const candidates: Array<{ item: Record<string, unknown>; dutch: boolean }> = [];
  for (const [group, dutch] of [
    ['StrAdrNl', true],
    ['StrAdrBl', false],
  ] as const) {
    const items = record.data[group];
    if (!Array.isArray(items)) continue;
    for (const item of items)
      if (item !== null && typeof item === 'object')
        candidates.push({ item: item as Record<string, unknown>, dutch });
  }
  if (candidates.length === 0) return record;
  const text = (item: Record<string, unknown>, key: string) =>
    typeof item[key] === 'string' ? item[key] : '';
  const current = (item: Record<string, unknown>) => {
    const from = text(item, 'Ingdat').slice(0, 10);
    const to = text(item, 'Enddat').slice(0, 10);
    return (from === '' || from <= today) && (to === '' || to >= today);
  };
  candidates.sort(
    (a, b) =>
      Number(current(b.item)) - Number(current(a.item)) ||
      text(a.item, 'SrtAdrsCd').localeCompare(text(b.item, 'SrtAdrsCd')) ||
      text(b.item, 'Ingdat').localeCompare(text(a.item, 'Ingdat')) ||
      Number(b.dutch) - Number(a.dutch),
  );
  const { item, dutch } = candidates[0]!;
  const land = dutch ? 'NL' : text(item, 'LandCd');
  return { ...record, data: { ...record.data, Adres: { ...item, Land: land } } };
}
