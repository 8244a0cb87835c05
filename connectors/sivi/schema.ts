import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import type { SiviMessage } from './message.js';

/**
 * The SIVI Verzuimstandaard 2022 schemas (`xsd/`, as published) compiled into element declarations
 * that `conformance.ts` checks a delivery against while it streams. The published schemas use a
 * small part of XML Schema: nested sequences of elements with minOccurs/maxOccurs, and simple types
 * restricting xsd:string, xsd:decimal, xsd:nonNegativeInteger, xsd:date and xsd:time by enumeration,
 * (max)length, pattern, totalDigits, fractionDigits and minInclusive/maxInclusive. Anything else in
 * a schema file is refused when it is compiled, so no rule of the schema is silently skipped.
 */

export type Builtin = 'string' | 'decimal' | 'nonNegativeInteger' | 'date' | 'time';

export interface SimpleType {
  /** The schema's name of the type (`Tekst35`), or of the built-in it restricts (`xsd:string`). */
  name: string;
  base: Builtin;
  enumeration?: readonly string[] | undefined;
  length?: number | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  /** One list per derivation step; a value must match one pattern of every list. */
  patterns: readonly { source: string; re: RegExp }[][];
  totalDigits?: number | undefined;
  fractionDigits?: number | undefined;
  minInclusive?: number | undefined;
  maxInclusive?: number | undefined;
}

export interface ElementDecl {
  name: string;
  min: number;
  max: number;
  /** A leaf holding a value. */
  simple?: SimpleType | undefined;
  /** The sequence of child elements of an element that holds elements. */
  children?: readonly ElementDecl[] | undefined;
  /** Position of each child in `children`, by name. */
  order?: ReadonlyMap<string, number> | undefined;
}

const XS = 'http://www.w3.org/2001/XMLSchema';
const builtins = new Set<string>(['string', 'decimal', 'nonNegativeInteger', 'date', 'time']);

type Node = Record<string, unknown>;
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
});

function tag(node: Node): string {
  return Object.keys(node).find((k) => k !== ':@') ?? '';
}
function attrs(node: Node): Record<string, string> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}
function kids(node: Node): Node[] {
  return ((node[tag(node)] as Node[] | undefined) ?? []).filter((k) => !('#text' in k) && !('?xml' in k));
}

class Compiler {
  private readonly named = new Map<string, Node>();
  private readonly types = new Map<string, SimpleType>();
  private xsPrefix = 'xsd';
  private tnsPrefix = '';
  readonly roots: Node[] = [];

  constructor(
    private readonly file: string,
    source: string,
  ) {
    const schema = (parser.parse(source) as Node[]).find((n) => tag(n) === `${this.xsPrefix}:schema`);
    if (!schema) this.refuse('no xsd:schema element');
    const a = attrs(schema);
    for (const [k, v] of Object.entries(a)) {
      if (!k.startsWith('xmlns:')) continue;
      if (v === XS) this.xsPrefix = k.slice(6);
      else if (v === a.targetNamespace) this.tnsPrefix = k.slice(6);
    }
    for (const n of kids(schema)) {
      const t = this.local(tag(n));
      if (t === 'simpleType') this.named.set(attrs(n).name ?? '', n);
      else if (t === 'element') this.roots.push(n);
      else if (t !== 'annotation') this.refuse(`top-level xsd:${t}`);
    }
  }

  private refuse(what: string): never {
    throw new Error(`${this.file}: ${what} is not supported by the SIVI schema check`);
  }

  private local(qname: string): string {
    const [p, l] = qname.includes(':') ? qname.split(':') : ['', qname];
    if (p !== this.xsPrefix) this.refuse(`element <${qname}>`);
    return l!;
  }

  element(node: Node): ElementDecl {
    const a = attrs(node);
    const name = a.name;
    if (!name) this.refuse('an xsd:element without a name');
    const min = a.minOccurs === undefined ? 1 : Number(a.minOccurs);
    const max = a.maxOccurs === undefined ? 1 : a.maxOccurs === 'unbounded' ? Infinity : Number(a.maxOccurs);
    if (a.type) return { name, min, max, simple: this.typeRef(a.type) };
    const body = kids(node).filter((k) => this.local(tag(k)) !== 'annotation');
    if (body.length !== 1) this.refuse(`element ${name} without exactly one type`);
    const t = this.local(tag(body[0]!));
    if (t === 'simpleType') return { name, min, max, simple: this.simpleType(body[0]!, name, false) };
    if (t !== 'complexType') this.refuse(`xsd:${t} in element ${name}`);
    const parts = kids(body[0]!);
    if (
      parts.length !== 1 ||
      this.local(tag(parts[0]!)) !== 'sequence' ||
      Object.keys(attrs(parts[0]!)).length
    )
      this.refuse(`the content of element ${name} (only a plain xsd:sequence is)`);
    const children = kids(parts[0]!).map((k) => {
      if (this.local(tag(k)) !== 'element') this.refuse(`xsd:${this.local(tag(k))} in element ${name}`);
      return this.element(k);
    });
    const order = new Map(children.map((c, i) => [c.name, i]));
    if (order.size !== children.length) this.refuse(`a repeated child name in element ${name}`);
    return { name, min, max, children, order };
  }

  private typeRef(qname: string): SimpleType {
    const [p, l] = qname.includes(':') ? qname.split(':') : ['', qname];
    if (p === this.xsPrefix && builtins.has(l!))
      return { name: `xsd:${l}`, base: l as Builtin, patterns: [] };
    if (p !== this.tnsPrefix) this.refuse(`type ${qname}`);
    const known = this.types.get(l!);
    if (known) return known;
    const node = this.named.get(l!);
    if (!node) this.refuse(`the undefined type ${qname}`);
    const type = this.simpleType(node, l!, true);
    this.types.set(l!, type);
    return type;
  }

  private simpleType(node: Node, name: string, named: boolean): SimpleType {
    const body = kids(node).filter((k) => this.local(tag(k)) !== 'annotation');
    if (body.length !== 1 || this.local(tag(body[0]!)) !== 'restriction')
      this.refuse(`simple type ${name} (only xsd:restriction is)`);
    const base = this.typeRef(attrs(body[0]!).base ?? '');
    const type: SimpleType = { ...base, name: named ? name : base.name, patterns: [...base.patterns] };
    const enumeration: string[] = [];
    const patterns: { source: string; re: RegExp }[] = [];
    for (const f of kids(body[0]!)) {
      const facet = this.local(tag(f));
      const value = attrs(f).value ?? '';
      if (facet === 'enumeration') enumeration.push(value);
      else if (facet === 'pattern') patterns.push({ source: value, re: this.pattern(value, name) });
      else if (facet === 'length' || facet === 'minLength' || facet === 'maxLength')
        type[facet] = Number(value);
      else if (facet === 'totalDigits' || facet === 'fractionDigits') type[facet] = Number(value);
      else if (facet === 'minInclusive' || facet === 'maxInclusive') type[facet] = Number(value);
      else if (facet !== 'annotation') this.refuse(`the facet xsd:${facet} in type ${name}`);
    }
    if (enumeration.length > 0) type.enumeration = enumeration;
    if (patterns.length > 0) type.patterns = [...type.patterns, patterns];
    return type;
  }

  /** An XML Schema regular expression as an anchored JavaScript one; constructs that differ are refused. */
  private pattern(source: string, name: string): RegExp {
    if (/\\[icIC]|-\[|[\^$]/.test(source)) this.refuse(`the pattern ${source} in type ${name}`);
    return new RegExp(`^(?:${source})$`, 'u');
  }
}

const compiled = new Map<SiviMessage, ElementDecl>();

/** The root element declaration of a message, compiled from its schema file on first use. */
export function messageSchema(message: SiviMessage): ElementDecl {
  let root = compiled.get(message);
  if (!root) {
    const file = new URL(`./xsd/${message}.xsd`, import.meta.url);
    const compiler = new Compiler(`${message}.xsd`, readFileSync(file, 'utf8'));
    if (compiler.roots.length !== 1) throw new Error(`${message}.xsd: expected exactly one root element`);
    root = compiler.element(compiler.roots[0]!);
    compiled.set(message, root);
  }
  return root;
}

const elementNames = new Map<SiviMessage, ReadonlySet<string>>();

/**
 * The names of the message's schema: every element, anywhere in the message, and every SIVI type of a
 * value (a sender may write the type's name, `<Geslacht>`, for the element's). Only these are quoted
 * in messages; any other name after a "<" may be words of a text.
 */
export function schemaNames(message: SiviMessage): ReadonlySet<string> {
  let names = elementNames.get(message);
  if (!names) {
    const found = new Set<string>();
    const walk = (decl: ElementDecl): void => {
      found.add(decl.name);
      if (decl.simple && !decl.simple.name.startsWith('xsd:')) found.add(decl.simple.name);
      for (const child of decl.children ?? []) walk(child);
    };
    walk(messageSchema(message));
    names = found;
    elementNames.set(message, names);
  }
  return names;
}
