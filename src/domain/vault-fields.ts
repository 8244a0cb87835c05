/**
 * Field names whose values belong in the data vault (BSN and NAW/contact data). The logger redacts
 * any field with one of these names, and the vault schema uses the same list.
 */
export const vaultFieldNames = [
  'bsn',
  'legalFirstNames',
  'legalLastName',
  'street',
  'houseNumber',
  'houseNumberSuffix',
  'postcode',
  'town',
  'country',
  'phoneNumbers',
  'emailAddresses',
  'ibans',
] as const;

export type VaultFieldName = (typeof vaultFieldNames)[number];
