import type { Language } from '../api/context.js';

/** Every sentence a user reads from the account and authorization layer, in Dutch and English. */
const messages = {
  unauthorized: {
    nl: 'Inloggen vereist: stuur een geldig token (Authorization: Bearer ...).',
    en: 'Authentication required: send a valid bearer token.',
  },
  operatorOnly: {
    nl: 'Deze functie is alleen voor beheerders van de arbodienst.',
    en: 'This route is for arbodienst operators.',
  },
  accountOnly: {
    nl: 'Deze functie is voor ingelogde gebruikers (eigen account).',
    en: 'This route is for logged-in users (their own account).',
  },
  noEmployer: {
    nl: 'Kies de werkgever waarbinnen u werkt met de header X-Employer (de code van de werkgever); u heeft daar een actieve rol nodig.',
    en: 'Name the employer you act within in the X-Employer header (its code); you need an active role there.',
  },
  missingCapability: {
    nl: 'Uw rol ({role}) geeft geen recht op deze functie ({capability}).',
    en: 'Your role ({role}) does not allow this ({capability}).',
  },
  outOfScope: {
    nl: 'Dit valt buiten uw autorisatie (afdelingen of werknemers waarvoor u bent geautoriseerd).',
    en: 'This is outside your scope (the departments or employees you are authorised for).',
  },
  notFound: {
    nl: 'Niet gevonden: {what} bestaat niet bij deze werkgever.',
    en: 'Not found: no such {what} at this employer.',
  },
  linkOwnsData: {
    nl: 'De HR-koppeling beheert de werknemers, dienstverbanden en afdelingen van deze werkgever; wijzig ze in het HR-systeem.',
    en: "This employer's HR link owns its employees, employments and departments; change them in the HR system.",
  },
  loginFailed: {
    nl: 'Inloggen mislukt: inlognaam, wachtwoord of code onjuist, of het account is niet actief.',
    en: 'Login failed: wrong login name, password or code, or the account is not active.',
  },
  lockedOut: {
    nl: 'Te veel mislukte pogingen. Probeer het over {minutes} minuten opnieuw of vraag een nieuw wachtwoord aan.',
    en: 'Too many failed attempts. Try again in {minutes} minutes or request a password reset.',
  },
  challengeInvalid: {
    nl: 'De inlogstap is verlopen of al gebruikt; log opnieuw in met uw wachtwoord.',
    en: 'This login step has expired or was already used; log in again with your password.',
  },
  linkInvalid: {
    nl: 'Deze link is verlopen of al gebruikt; vraag een nieuwe aan.',
    en: 'This link has expired or was already used; request a new one.',
  },
  passwordTooShort: {
    nl: 'Het wachtwoord moet minstens {min} tekens lang zijn.',
    en: 'The password must be at least {min} characters long.',
  },
  passwordPersonal: {
    nl: 'Het wachtwoord mag uw naam of inlognaam niet bevatten.',
    en: 'The password must not contain your name or login name.',
  },
  passwordWrong: {
    nl: 'Het huidige wachtwoord is onjuist.',
    en: 'The current password is wrong.',
  },
  codeWrong: {
    nl: 'De code van de authenticator-app is onjuist of al gebruikt.',
    en: 'The authenticator code is wrong or was already used.',
  },
  ownRoleOrScope: {
    nl: 'U kunt uw eigen rol, autorisatie of geldigheid niet wijzigen; vraag een andere supergebruiker.',
    en: 'You cannot change your own role, scope or validity; ask another superuser.',
  },
  roleTooHigh: {
    nl: 'U kunt geen rol toekennen met meer rechten dan uw eigen rol ({role}).',
    en: 'You cannot grant a role with more rights than your own ({role}).',
  },
  scopeTooWide: {
    nl: 'U kunt geen autorisatie toekennen buiten uw eigen autorisatie.',
    en: 'You cannot grant a scope outside your own scope.',
  },
  loginShared: {
    nl: 'Deze inlognaam wordt ook bij een andere werkgever gebruikt en wordt daarom hier niet gewijzigd.',
    en: 'This login is also used at another employer, so it is not renamed here.',
  },
  twoFactorRequired: {
    nl: 'Twee-factor-authenticatie is verplicht voor gebruikers van werkgevers en kan niet uit.',
    en: 'Two-factor authentication is required for employer users and cannot be switched off.',
  },
} as const satisfies Record<string, Record<Language, string>>;

export type MessageKey = keyof typeof messages;

/** The message in the language, with `{name}` placeholders filled in. */
export function t(lang: Language, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return messages[key][lang].replace(/\{(\w+)\}/g, (m, name: string) =>
    vars[name] === undefined ? m : String(vars[name]),
  );
}
