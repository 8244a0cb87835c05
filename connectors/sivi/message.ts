/** What a SIVI Verzuimstandaard 2022 delivery is: its message types, namespaces and repeating groups. */

export const siviNamespaces = {
  Dienstverbanden: 'http://www.sivi.org/Verzuimmanagement/Dienstverbanden/2022',
  WerknemersGegevens: 'http://www.sivi.org/Verzuimmanagement/WerknemerGegevens/2022',
} as const;

export type SiviMessage = keyof typeof siviNamespaces;

/** Root element name per message (the XSD's root of WerknemersGegevens is `WerknemerGegevens`). */
export const rootElements: Record<string, SiviMessage> = {
  Dienstverbanden: 'Dienstverbanden',
  WerknemerGegevens: 'WerknemersGegevens',
};

/** Groups that may repeat; always arrays in record data, and shown with an index in paths. */
export const repeatable = new Set([
  'Wrkgvr',
  'Wrknmr',
  'Dnstvbnd',
  'Com',
  'StrAdrNl',
  'StrAdrBl',
  'PbadrsNl',
  'Cntprsn',
  'Kostenplaats',
]);

export interface SiviReadOptions {
  message: SiviMessage | 'auto';
  signal?: AbortSignal | undefined;
}
