import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { log } from '../log.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends account e-mail (activation, password reset, e-mail confirmation). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** The folder where the local transport writes e-mails when no SMTP server is configured. */
export function mailDir(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'mail');
}

/**
 * A mailer over SMTP when `SMTP_URL` is set; otherwise one that writes each message as an `.eml`
 * file into `<dataDir>/mail/`, so a fresh install can create users without a mail server.
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from: config.mailFrom, ...message });
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const dir = mailDir(config);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: config.mailFrom, ...message });
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      log.info('mail written to the data folder', { file });
    },
  };
}

const cache = new WeakMap<object, Mailer>();

/** The context's mailer, or one built from its configuration (cached per context). */
export function mailerOf(ctx: { config: Config; mailer?: Mailer | undefined }): Mailer {
  if (ctx.mailer) return ctx.mailer;
  let mailer = cache.get(ctx);
  if (!mailer) {
    mailer = createMailer(ctx.config);
    cache.set(ctx, mailer);
  }
  return mailer;
}
