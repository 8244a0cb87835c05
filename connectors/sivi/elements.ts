import { XMLParser, type EntityDecoderOptions } from 'fast-xml-parser';
import { repeatable } from './message.js';
import { decodeReferences } from './references.js';

/**
 * fast-xml-parser as the tokenizer uses it: on one cut-out element (`Wrknmr`, `BrAlg`, `AdmKantoor`,
 * the leading part of `Wrkgvr`) whose structure and references the tokenizer has already checked.
 */

/** Declared entities are never accepted; the tokenizer refuses any DOCTYPE before this is reached. */
function refuseEntities(): never {
  throw new Error('entity declarations are not accepted in a SIVI delivery');
}

/**
 * fast-xml-parser's own decoder leaves character references as written unless `htmlEntities` is on,
 * which would also expand some 250 HTML names. This one decodes exactly what the tokenizer lets
 * through: the five XML entities and character references. It keeps no state, so reset and the XML
 * version have nothing to change.
 */
const referenceDecoder: EntityDecoderOptions = {
  decode: decodeReferences,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  setExternalEntities: refuseEntities,
  addInputEntities: refuseEntities,
};

const elementParser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  entityDecoder: referenceDecoder,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Callbacks get the matcher, not a path string built for every node.
  jPath: false,
  isArray: (tagName: string) => repeatable.has(tagName) && tagName !== 'Wrknmr' && tagName !== 'Wrkgvr',
});

/** The content of element `local` in `xml`; throws fast-xml-parser's error when it cannot parse. */
export function parseElementXml(xml: string, local: string): unknown {
  return (elementParser.parse(xml) as Record<string, unknown>)[local];
}

/** The leaf values of a context element (`BrAlg`, `Wrkgvr`), as strings. */
export function scalars(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === null || typeof node !== 'object') return out;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}
