import { decodeReferences, inText, linesBefore, referenceProblem } from './references.js';

const attrRe = /\s*([^\s=/>"']+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

/**
 * What is wrong with the attributes of a start tag: not attributes at all, a bad reference in one,
 * or a prefix of the element's name that no declaration gives a namespace.
 */
export type AttributeProblem = 'malformed' | 'prefix' | { attribute: string; reference: string };

/**
 * The attributes of a start tag (`inner`: what stands between `<` and `>`, name first), apart from
 * the namespace declarations, which give the element's namespaces (`ns`: its parent's, with its own
 * declarations over them) and the namespace of the element itself (`uri`). A problem says what and
 * on which line of `inner` (`linesIn`).
 */
export function readAttributes(
  inner: string,
  qname: string,
  parentNs: Map<string, string>,
):
  | { ns: Map<string, string>; attributes: string[]; uri: string | undefined }
  | { problem: AttributeProblem; linesIn: number } {
  const rest = inner.slice(qname.length);
  const attributes: string[] = [];
  let ns = parentNs;
  let own: Map<string, string> | undefined;
  let at = 0;
  while (at < rest.length) {
    if (rest.slice(at).trim() === '') break;
    attrRe.lastIndex = at;
    const a = attrRe.exec(rest);
    if (!a) return { problem: 'malformed', linesIn: 0 };
    const value = a[2] ?? a[3] ?? '';
    const attribute = a[1]!;
    // Checked here so a bad reference is named with its element; a namespace name may be written
    // with character references too, so it is compared decoded.
    const bad = referenceProblem(value);
    if (bad) {
      const valueAt = qname.length + attrRe.lastIndex - 1 - value.length; // in `inner`
      return {
        problem: { attribute, reference: bad.problem },
        linesIn: linesBefore(inner, valueAt + bad.at),
      };
    }
    if (attribute === 'xmlns' || attribute.startsWith('xmlns:')) {
      own ??= new Map(ns);
      own.set(attribute === 'xmlns' ? '' : attribute.slice(6), decodeReferences(value));
    } else attributes.push(attribute);
    at = attrRe.lastIndex;
  }
  if (own) ns = own;
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const uri = ns.get(prefix);
  if (prefix !== '' && uri === undefined) return { problem: 'prefix', linesIn: 0 };
  return { ns, attributes, uri };
}

/**
 * The words of an attribute problem of the element `qname`, or of an element the schema does not
 * know (`unknown`, how messages name it: its name may be words of a text, and is not quoted), and
 * whether it is about the element itself (its path then ends in it).
 */
export function attributeProblem(
  problem: AttributeProblem,
  qname: string,
  unknown: string | undefined,
): { message: string; ofElement: boolean } {
  if (problem === 'malformed')
    return {
      message: unknown
        ? `a "<" that does not open a valid start tag: ${inText}`
        : `malformed attributes in <${qname}>`,
      ofElement: false,
    };
  if (problem === 'prefix') {
    const prefix = qname.slice(0, qname.indexOf(':'));
    return {
      message: unknown
        ? `the namespace prefix of ${unknown} is not declared; ${inText}`
        : `the namespace prefix "${prefix}" of <${qname}> is not declared`,
      ofElement: false,
    };
  }
  if (unknown) return { message: `in an attribute of ${unknown}: ${problem.reference}`, ofElement: false };
  return {
    message: `in the attribute ${problem.attribute} of <${qname}>: ${problem.reference}`,
    ofElement: true,
  };
}
