import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isValidBsn } from '../../src/domain/bsn.js';
import { createLogger, redact, redactText } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ stream, format: 'json', level: 'debug' }) };
}

async function flush(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

describe('logger redaction', () => {
  it('When a BSN is passed to the logger in any form, then it never reaches the output', async () => {
    const { lines, logger } = capture();
    logger.info('imported employee 999996708 from file', {
      bsn: '123456782',
      nested: { note: 'bsn 1234.56.782 on the form', list: ['999996708'], number: 999996708 },
      err: new Error('invalid record with 999996708'),
    });
    logger.warn('spaced 1234 56 782 too');
    await flush();
    const out = lines.join('');
    expect(out).not.toMatch(/999996708|123456782|1234\.56\.782|1234 56 782/);
    expect(out).toContain('[redacted]');
    expect(out).toContain('imported employee');
  });

  it('When secrets or vault fields are logged, then their values are redacted by key', async () => {
    const { lines, logger } = capture();
    logger.info('login', {
      password: 'hunter2-hunter2',
      headers: { Authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' },
      apiToken: 'kop_secret',
      postcode: '1234AB',
      street: 'Dorpsstraat',
      emailAddresses: ['a@example.nl'],
      personnelNumber: 'P-001',
    });
    await flush();
    const out = lines.join('');
    for (const secret of [
      'hunter2',
      'abcdefghijklmnop',
      'kop_secret',
      '1234AB',
      'Dorpsstraat',
      'a@example.nl',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('P-001');
  });

  it('When free text carries a bearer token or URL credentials, then they are removed', () => {
    expect(redactText('sent Bearer eyJhbGciOiJIUzI1NiJ9.abc to host')).not.toContain('eyJhbGci');
    expect(redactText('postgres://user:s3cret@db:5432/x')).not.toContain('s3cret');
  });

  it('When eight digits are a BSN without its leading zero, then they are redacted; other eight-digit numbers stay', () => {
    expect(redactText('Geslacht "12345672" is not a known gender code')).toBe(
      'Geslacht "[redacted]" is not a known gender code',
    );
    expect(redactText('bsn 12345672 read')).toBe('bsn [redacted] read');
    expect(redactText('KvK 12345678, date 20240101')).toBe('KvK 12345678, date 20240101');
  });

  it('When nine digits are grouped three by three, with dots, dashes or spaces, then they are redacted', () => {
    expect(redactText('Geb "123.456.782" / 123-456-782 / 123 456 782 / 1234-56-782')).toBe(
      'Geb "[redacted]" / [redacted] / [redacted] / [redacted]',
    );
    expect(redactText('date 2024-01-01, phone 020-123 4567')).toBe('date 2024-01-01, phone 020-123 4567');
  });

  it('When a number is longer than nine digits, then it is left alone', () => {
    expect(redactText('order 12345678901')).toBe('order 12345678901');
  });

  it('When a BSN is written the ways a spreadsheet or HR system writes it, then it is redacted wherever it is quoted', () => {
    for (const written of [
      '123 45 6782',
      '12 34 56 782',
      '1234 567 82',
      '123/456/782',
      '(123) 456 782',
      '12-34-56-782',
      '1234567 82',
      '1 2 3 4 5 6 7 8 2',
      '1234\u00a056\u00a0782',
      '1234.56.72',
    ])
      expect(redactText(`Geboortedatum "${written}" is not a date`), written).toBe(
        'Geboortedatum "[redacted]" is not a date',
      );
    // Dates, phone numbers and amounts stay.
    expect(redactText('Datum "31-02-2020", 15/01/2024, 2024.1.15, 06-12345678, 12.345.678,90')).toBe(
      'Datum "31-02-2020", 15/01/2024, 2024.1.15, 06-12345678, 12.345.678,90',
    );
  });

  it('When a BSN stands next to other numbers, then it is still redacted', () => {
    expect(redactText('1985-03-04 123456782, line 7 123456782, 123456782 111222333, 12-123456782')).toBe(
      '1985-03-04 [redacted], line 7 [redacted], [redacted] [redacted], 12-[redacted]',
    );
  });

  it('When an IBAN or e-mail address is quoted (a shifted column), then it is redacted like a BSN', () => {
    expect(redactText('Geslacht "NL91ABNA0417164300" / NL91 ABNA 0417 1643 00 is not a known code')).toBe(
      'Geslacht "[redacted]" / [redacted] is not a known code',
    );
    expect(redactText('Geboortedatum "j.jansen@example.nl" is not a date')).toBe(
      'Geboortedatum "[redacted]" is not a date',
    );
    expect(redactText('department "NL01" and employment DV-7 stay')).toBe(
      'department "NL01" and employment DV-7 stay',
    );
  });

  it('When a BSN is spelled any way the product itself accepts it (dots, dashes, tabs, thin or no-break spaces), then it is redacted', () => {
    for (const written of [
      '123 - 456 - 782',
      '123\t456\t782',
      '123\u2009456\u2009782',
      '123\u00a0456\u00a0782',
      '123\u202f456\u202f782',
      '123.456.782',
      '123 . 456 . 782',
      '12\t-\t34 - 56  782',
      '1-2-3-4-5-6-7-8-2',
      '12 - 345 - 672',
      '12.345.672',
      '12\u202f345\u202f672',
    ]) {
      expect(isValidBsn(written), written).toBe(true);
      expect(redactText(`Geboortedatum "${written}" is not a date`), written).toBe(
        'Geboortedatum "[redacted]" is not a date',
      );
      expect(redactText(`bsn ${written}, row 4`), written).toBe('bsn [redacted], row 4');
    }
    expect(redactText('bsns 123 - 456 - 782 / 12\t345\t672  123.456.782 and 2026-11-11 - 123 456 782')).toBe(
      'bsns [redacted] / [redacted]  [redacted] and 2026-11-11 - [redacted]',
    );
  });

  it('When numbers only look like a BSN (dates, times, amounts, postcodes, phone and order numbers), then they are left alone', () => {
    const text =
      'from 2026-11-11 and 12-01-2026, 2026-11-30 9:00, at 12:30:45, paid 1.234,56 and 12.345.678,90, ' +
      'postcode 3511 AB, call 020-123 4567, 06 1234 5678 or +31 (0)6 1234 5678, number 1234567890 or 123 456 7890, order 12345678901';
    expect(redactText(text)).toBe(text);
  });

  it('When an IBAN is written in lower case or in groups of four, then it is redacted; words that only start like one stay', () => {
    for (const written of [
      'nl91abna0417164300',
      'nl91 abna 0417 1643 00',
      'Nl91 Abna 0417 1643 00',
      'NL91\u00a0ABNA\u00a00417\u00a01643\u00a000',
      'de89 3704 0044 0532 0130 00',
    ])
      expect(redactText(`Geslacht "${written}" is not a known gender code`), written).toBe(
        'Geslacht "[redacted]" is not a known gender code',
      );
    expect(redactText('account be68 5390 0754 7034 with text after it')).toBe(
      'account [redacted] with text after it',
    );
    const words = 'ab12 this text goes here, id42 with some more words, mp34 abcd efgh ijkl';
    expect(redactText(words)).toBe(words);
  });

  it('When a BSN is logged as a number of eight digits, then it is redacted; other numbers stay', () => {
    expect(redact({ column: 12345672, count: 12345678, year: 2026 })).toEqual({
      column: '[redacted]',
      count: 12345678,
      year: 2026,
    });
  });

  it('When a message names a loonheffingennummer, then its nine digits are redacted as a BSN (one function for logs and messages)', () => {
    const text = 'delivery is for loonheffingennummer 123456789L01, this link is for 987654321l02';
    const redacted = 'delivery is for loonheffingennummer [redacted]L01, this link is for [redacted]l02';
    expect(redactText(text)).toBe(redacted);
  });
});
