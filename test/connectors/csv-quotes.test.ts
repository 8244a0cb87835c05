import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QuoteCheck, type Delimiter } from '../../connectors/csv/quotes.js';

/** Runs text through QuoteCheck in the given chunks and returns what comes out. */
async function check(chunks: string[], delimiter: Delimiter = ';'): Promise<string> {
  let out = '';
  for await (const part of Readable.from(chunks).pipe(new QuoteCheck('x.csv', delimiter))) out += part;
  return out;
}

/** Every way to cut the text in two, plus one character at a time. */
function splits(text: string): string[][] {
  const cuts = Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
  return [...cuts, [...text]];
}

describe('csv quote check', () => {
  it('When the text arrives in any chunks, then spaces around quoted values are dropped the same way', async () => {
    const text = 'A; "B" ;C\r\n  "x ""y"" z"  ;\t"\r\nq" ; a "b" \r\n  ;  \n';
    const want = 'A;"B";C\r\n"x ""y"" z";"\r\nq"; a "b" \r\n  ;  \n';
    expect(await check([text])).toBe(want);
    for (const chunks of splits(text)) expect(await check(chunks)).toBe(want);
  });

  it('When text after a closing quote straddles a chunk boundary, then it is still refused with its line', async () => {
    const text = 'A;B\r\n1;2\r\n3;"x" \t y\r\n';
    for (const chunks of splits(text)) {
      await expect(check(chunks)).rejects.toThrow(/^x\.csv:3: a quoted value in column 2 is followed/);
    }
  });

  it('When the delimiter is tab, then a tab after a closing quote separates instead of being dropped', async () => {
    expect(await check(['"a" \t "b"\t\t"c"\n'], '\t')).toBe('"a"\t"b"\t\t"c"\n');
  });

  it('When the text ends in spaces at a field start or inside an open quote, then they are passed on', async () => {
    expect(await check(['A;B\n1;  '])).toBe('A;B\n1;  ');
    expect(await check(['A;B\n1;"open  '])).toBe('A;B\n1;"open  ');
  });
});
