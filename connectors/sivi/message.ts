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

/** The message a root element starts, or what is wrong with it as the root of a delivery. */
export function rootMessage(
  local: string,
  uri: string | undefined,
  wanted: SiviMessage | 'auto',
): { message: SiviMessage } | { problem: string } {
  const message = rootElements[local];
  const expected = message && siviNamespaces[message];
  if (!message) {
    return {
      problem: `the root element is <${local}>, not a SIVI Verzuimstandaard delivery: expected <Dienstverbanden> or <WerknemerGegevens>`,
    };
  }
  if (uri !== expected) {
    return {
      problem: `the root element <${local}> is in namespace "${uri ?? '(none)'}"; a SIVI ${message} 2022 delivery uses xmlns="${expected}". Ask the sender for a 2022 message.`,
    };
  }
  if (wanted !== 'auto' && wanted !== message) {
    return {
      problem: `the delivery is a ${message} message, but the link expects ${wanted}: check \`message\` in the link settings.`,
    };
  }
  return { message };
}

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
