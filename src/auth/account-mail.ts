import type { Config } from '../config.js';
import type { Language } from '../api/context.js';
import type { Mailer } from './mailer.js';

type MailKind = 'activate' | 'reset' | 'email';

const texts: Record<MailKind, Record<Language, { subject: string; body: string }>> = {
  activate: {
    nl: {
      subject: 'Uw account voor Koppeling',
      body: 'Beste {name},\n\nEr is een account voor u aangemaakt bij {employer}. Uw inlognaam is: {login}\n\nKies uw wachtwoord via deze link (eenmalig te gebruiken, geldig tot {until}):\n{link}\n\nBij de eerste keer inloggen koppelt u een authenticator-app (twee-factor-authenticatie is verplicht).',
    },
    en: {
      subject: 'Your Koppeling account',
      body: 'Dear {name},\n\nAn account has been created for you at {employer}. Your login name is: {login}\n\nChoose your password through this link (single use, valid until {until}):\n{link}\n\nAt your first login you link an authenticator app (two-factor authentication is required).',
    },
  },
  reset: {
    nl: {
      subject: 'Nieuw wachtwoord voor Koppeling',
      body: 'Beste {name},\n\nEr is een nieuw wachtwoord aangevraagd voor inlognaam {login}. Kies een nieuw wachtwoord via deze link (eenmalig te gebruiken, geldig tot {until}):\n{link}\n\nHeeft u dit niet aangevraagd? Dan kunt u dit bericht negeren.',
    },
    en: {
      subject: 'New password for Koppeling',
      body: 'Dear {name},\n\nA new password was requested for login name {login}. Choose a new password through this link (single use, valid until {until}):\n{link}\n\nDid you not request this? Then ignore this message.',
    },
  },
  email: {
    nl: {
      subject: 'Bevestig uw e-mailadres voor Koppeling',
      body: 'Beste {name},\n\nBevestig dit nieuwe e-mailadres voor inlognaam {login} via deze link (geldig tot {until}):\n{link}',
    },
    en: {
      subject: 'Confirm your e-mail address for Koppeling',
      body: 'Dear {name},\n\nConfirm this new e-mail address for login name {login} through this link (valid until {until}):\n{link}',
    },
  },
};

const paths: Record<MailKind, string> = {
  activate: '/account/activate',
  reset: '/account/reset-password',
  email: '/account/confirm-email',
};

/** Sends an account e-mail with a single-use link; the token travels in the link's fragment only. */
export async function sendAccountMail(
  mailer: Mailer,
  config: Pick<Config, 'publicUrl'>,
  kind: MailKind,
  input: {
    to: string;
    language: Language;
    name: string;
    login: string;
    token: string;
    until: Date;
    employer?: string;
  },
): Promise<void> {
  const text = texts[kind][input.language];
  // The fragment is not sent to servers or written to access logs.
  const link = `${config.publicUrl.replace(/\/$/, '')}${paths[kind]}#token=${input.token}`;
  const vars: Record<string, string> = {
    name: input.name,
    login: input.login,
    link,
    until: input.until.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    employer: input.employer ?? '',
  };
  const body = text.body.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
  await mailer.send({ to: input.to, subject: text.subject, text: body });
}
