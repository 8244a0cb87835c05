import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

function decodeQuotedPrintable(text: string): string {
  return Buffer.from(
    text
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** The e-mails the local transport wrote into `<dataDir>/mail/`, oldest first. */
export function sentMails(dataDir: string): SentMail[] {
  const dir = join(dataDir, 'mail');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((file) => {
      const raw = readFileSync(join(dir, file), 'utf8');
      const [head, ...rest] = raw.split(/\r?\n\r?\n/);
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head ?? '')?.[1] ?? '';
      const body = rest.join('\n\n');
      return {
        to: header('To'),
        subject: header('Subject'),
        text: /quoted-printable/i.test(head ?? '') ? decodeQuotedPrintable(body) : body,
      };
    });
}

/** Waits for the newest mail to an address and returns the token of its link. */
export async function waitForLinkToken(dataDir: string, to: string, after = 0): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mails = sentMails(dataDir).filter((m) => m.to.includes(to));
    if (mails.length > after) {
      const match = /#token=([A-Za-z0-9_-]+)/.exec(mails[mails.length - 1]!.text);
      if (match) return match[1]!;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no mail with a link to ${to}`);
}
