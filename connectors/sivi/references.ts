/**
 * Entity and character references in SIVI text and attribute values. A delivery may only use the
 * five predefined XML entities and character references (`&#233;`, `&#xE9;`) of characters XML
 * allows; DOCTYPE and ENTITY declarations are refused by the tokenizer, so nothing else can ever be
 * expanded. The tokenizer checks every text and attribute value with `referenceProblem` before it is
 * decoded, so decoding itself never meets a reference it cannot turn into a character.
 */

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Every reference in a value, to decode them in one pass (so `&amp;#233;` stays `&#233;`). */
const references = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/g;
/** One reference at a given position (sticky), to check references one `&` at a time. */
const referenceAt = new RegExp(references.source, 'y');

/** The XML 1.0 `Char` production: what a character reference may stand for. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function codePoint(decimal: string | undefined, hex: string | undefined): number {
  return decimal !== undefined ? parseInt(decimal, 10) : parseInt(hex!, 16);
}

/** Characters XML 1.0 does not allow written directly either (control characters, U+FFFE, U+FFFF). */
// eslint-disable-next-line no-control-regex -- finding those control characters is the point
const disallowed = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * A character XML does not allow, written as itself in a text, attribute value or CDATA section,
 * with its offset; undefined when there is none. Such a document is not well-formed, as one with the
 * same character written as a reference (`&#1;`) is not.
 */
export function disallowedCharacter(raw: string): { at: number; problem: string } | undefined {
  const m = disallowed.exec(raw);
  if (!m) return undefined;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    at: m.index,
    problem: `the character ${code} (a control character or a noncharacter) is not allowed in XML: the document is not well-formed XML`,
  };
}

/**
 * What is wrong with the characters and references in a text or attribute value as written, with the
 * offset of the first bad one (so the caller can name its line); undefined when all are allowed.
 */
export function referenceProblem(raw: string): { at: number; problem: string } | undefined {
  const character = disallowedCharacter(raw);
  if (character) return character;
  for (let at = raw.indexOf('&'); at !== -1; at = raw.indexOf('&', at + 1)) {
    referenceAt.lastIndex = at;
    const m = referenceAt.exec(raw);
    if (!m) {
      return {
        at,
        problem:
          'an entity reference other than &lt; &gt; &amp; &quot; &apos; or a character reference, or a bare "&" (write it as &amp;)',
      };
    }
    if (m[1] === undefined && !isXmlChar(codePoint(m[2], m[3]))) {
      const shown = m[0].length > 24 ? `${m[0].slice(0, 20)}...;` : m[0];
      return {
        at,
        problem: `the character reference ${shown} stands for no character XML allows (zero, a control character, a surrogate or beyond U+10FFFF): the document is not well-formed XML`,
      };
    }
  }
  return undefined;
}

/**
 * The value with its references replaced by the characters they stand for. Meant for values that
 * passed `referenceProblem`; a reference to a character XML does not allow is left as written
 * rather than throwing, should one ever get here unchecked.
 */
export function decodeReferences(raw: string): string {
  if (raw.indexOf('&') === -1) return raw;
  return raw.replace(
    references,
    (whole, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (name !== undefined) return predefined[name]!;
      const cp = codePoint(dec, hex);
      return isXmlChar(cp) ? String.fromCodePoint(cp) : whole;
    },
  );
}

/** Number of line breaks in `text` before `end`: the line of a problem found inside a text. */
export function linesBefore(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** How a rejection tells a sender what a "<" in a text must be written as. */
export const inText = 'a "<" in a text is written as &lt;';
