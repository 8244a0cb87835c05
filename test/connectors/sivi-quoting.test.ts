import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SiviTokenizer } from '../../connectors/sivi/tokenizer.js';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';

/** What a SIVI rejection quotes: element names of the message's schema, never words of a text. */

const fixture = (name: string) => path.join(path.resolve('test/fixtures/sivi'), name);

describe('sivi rejections quote no text', () => {
  /** What reading the Dienstverbanden fixture with one replacement gives: the rejection, or the records. */
  function tokenize(from: string, to: string): { error: AppError } | { records: SourceRecord[] } {
    const doc = readFileSync(fixture('dienstverbanden.xml'), 'utf8').replace(from, to);
    const t = new SiviTokenizer('t.xml', 'auto');
    try {
      return { records: [...t.push(doc), ...t.end()] };
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return { error: err as AppError };
    }
  }

  it('When a "</" in a text is followed by an address and a phone number, then the rejection names the line and path but not the text', () => {
    const outcome = tokenize(
      '<StraatLang>Oudegracht</StraatLang>',
      '<StraatLang>Kerkstraat 12</ 3e etage, tel 06-12345678></StraatLang>',
    );
    expect(outcome).toHaveProperty('error');
    const { error } = outcome as { error: AppError };
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe(
      't.xml:26 /Dienstverbanden/Wrkgvr[1]/StrAdrNl[1]/StraatLang: a "</" that does not start a valid end tag: a "<" in a text is written as &lt;',
    );
    expect(error.message).not.toContain('06-12345678');
    expect(error.message).not.toContain('etage');
  });

  it.each([
    [
      'a self-closing tag',
      '<StraatLang>Hoofdweg <Jansen/></StraatLang>',
      /^t\.xml:26 \/Dienstverbanden\/Wrkgvr\[1\]\/StrAdrNl\[1\]\/StraatLang: <StraatLang> holds an element that is not in the SIVI Dienstverbanden 2022 schema; a "<" in a text is written as &lt;/,
    ],
    [
      'a start tag',
      '<StraatLang>Hoofdweg <Jansen></StraatLang>',
      /^t\.xml:26 \/Dienstverbanden\/Wrkgvr\[1\]\/StrAdrNl\[1\]\/StraatLang: /,
    ],
    [
      'an end tag',
      '<StraatLang>Hoofdweg </Jansen></StraatLang>',
      /^t\.xml:26 \/Dienstverbanden\/Wrkgvr\[1\]\/StrAdrNl\[1\]\/StraatLang: an end tag of an element that is not in the SIVI Dienstverbanden 2022 schema does not match the start tag <StraatLang> on line 26/,
    ],
    [
      'words after the name',
      '<StraatLang>Hoofdweg <Jansen en Zn></StraatLang>',
      /^t\.xml:26 \/Dienstverbanden\/Wrkgvr\[1\]\/StrAdrNl\[1\]\/StraatLang: /,
    ],
    [
      'a prefix',
      '<StraatLang>Mail <info:Jansen></StraatLang>',
      /^t\.xml:26 \/Dienstverbanden\/Wrkgvr\[1\]\/StrAdrNl\[1\]\/StraatLang: /,
    ],
  ])('When a name in a text reads as %s, then the rejection does not quote it', (_what, to, message) => {
    const outcome = tokenize('<StraatLang>Oudegracht</StraatLang>', to);
    expect(outcome).toHaveProperty('error');
    const { error } = outcome as { error: AppError };
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/Jansen|info/);
  });

  it('When a name in a text of a record reads as a tag, then the record is rejected without quoting it', () => {
    const outcome = tokenize(
      '<Gebdat>1980-02-01</Gebdat>',
      '<Gebdat>1980-02-01 <Jansen Pietersen="x"/></Gebdat>',
    );
    expect(outcome).toHaveProperty('records');
    const { records } = outcome as { records: SourceRecord[] };
    expect(records[0]!.problems).toEqual([
      {
        field: 'Gebdat',
        reason:
          'line 34: <Gebdat> holds an element that is not in the SIVI Dienstverbanden 2022 schema; a "<" in a text is written as &lt;',
      },
    ]);
    const unclosed = tokenize('<Gebdat>1980-02-01</Gebdat>', '<Gebdat>1980-02-01 <Jansen></Gebdat>');
    expect((unclosed as { error: AppError }).error.message).toBe(
      't.xml:34 /Dienstverbanden/Wrkgvr[1]/Wrknmr[1]/Gebdat: the end tag </Gebdat> does not match the start tag of an element that is not in the SIVI Dienstverbanden 2022 schema on line 34: the document is not well-formed XML',
    );
  });
});
