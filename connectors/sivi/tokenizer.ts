import { AppError } from '../../src/errors.js';
import type { FieldProblem, SourceRecord } from '../../src/sync/types.js';
import { Conformance } from './conformance.js';
import { parseElementXml, scalars } from './elements.js';
import { repeatable, rootMessage, siviNamespaces, type SiviMessage } from './message.js';
import { attributeProblem, readAttributes } from './attributes.js';
import { disallowedCharacter, inText, linesBefore, referenceProblem } from './references.js';
import { messageSchema, schemaNames } from './schema.js';

/**
 * The SIVI document scanner: a small tokenizer that knows comments, CDATA, processing instructions,
 * attributes and namespaces; it checks that the whole document is well formed (one root, matching
 * tags, nothing after the root) and valid against the message's schema (`conformance.ts`), cuts out
 * each complete `Wrknmr` element and parses only that element with fast-xml-parser. A schema problem
 * inside a `Wrknmr` rejects that record; anywhere else it rejects the document. DOCTYPE and ENTITY
 * declarations are rejected outright: only the five XML entities and character references are ever
 * expanded (`references.ts`). It does no I/O: `transport.ts` feeds it text.
 */

const MAX_RECORD_CHARS = 8 * 1024 * 1024;
const MAX_PENDING_CHARS = 16 * 1024 * 1024;
const MAX_RECORD_PROBLEMS = 10;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

interface Frame {
  qname: string;
  local: string;
  ns: Map<string, string>;
  line: number;
  /** 1-based position among same-named siblings, for repeatable elements. */
  index: number | undefined;
  counts: Map<string, number> | undefined;
  /** Whether the name is one of the message's schema (`schemaNames`); only then is it shown. */
  known: boolean;
}

export class XmlError extends AppError {
  constructor(message: string) {
    super('validation_failed', message);
  }
}

const asciiNameRe = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const nameRe = /^[\p{L}_][\p{L}\p{N}_.-]*(?::[\p{L}_][\p{L}\p{N}_.-]*)?$/u;

/** Incremental tokenizer; `push` text chunks, get the complete `Wrknmr` records found so far. */
export class SiviTokenizer {
  private buf = '';
  /** Characters already dropped from the front of `buf`. */
  private base = 0;
  private pos = 0;
  private line = 1;
  private readonly stack: Frame[] = [];
  private rootDone = false;
  private record: { start: number; line: number; path: string; problems: FieldProblem[] } | undefined;
  private schema: Conformance | undefined;
  /** The names of the message's schema, and how messages name that schema; set with the root. */
  private names: ReadonlySet<string> | undefined;
  private label = '';
  private capture: { kind: 'BrAlg' | 'AdmKantoor' | 'Wrkgvr'; start: number; qname: string } | undefined;
  private brAlg: Record<string, string> = {};
  private admKantoor: Record<string, string> | undefined;
  private employer: Record<string, string> = {};
  private readonly out: SourceRecord[] = [];
  /** The message type, known once the root element has been read. */
  message: SiviMessage | undefined;
  private rootNs = '';

  constructor(
    private readonly name: string,
    private readonly wanted: SiviMessage | 'auto',
  ) {}

  push(text: string): SourceRecord[] {
    if (this.pos > 0) {
      const keep = Math.min(this.pos, this.record?.start ?? Infinity, this.capture?.start ?? Infinity);
      if (keep > 0) {
        this.buf = this.buf.slice(keep);
        this.base += keep;
        this.pos -= keep;
        if (this.record) this.record.start -= keep;
        if (this.capture) this.capture.start -= keep;
      }
    }
    this.buf += text;
    this.scan(false);
    if (this.record && this.buf.length - this.record.start > MAX_RECORD_CHARS) {
      throw new XmlError(
        `${this.name}:${this.record.line} ${this.record.path}: this Wrknmr element is larger than ${MAX_RECORD_CHARS / 1024 / 1024} MB; the file is not a normal SIVI delivery.`,
      );
    }
    if (this.buf.length - this.pos > MAX_PENDING_CHARS) {
      throw new XmlError(
        `${this.name}:${this.line} ${this.path()}: a single tag or text is larger than ${MAX_PENDING_CHARS / 1024 / 1024} MB.`,
      );
    }
    return this.out.splice(0);
  }

  end(): SourceRecord[] {
    this.scan(true);
    if (this.stack.length > 0) {
      const open = this.stack[this.stack.length - 1]!;
      const inside = open.known ? `<${open.qname}>` : this.unknown();
      throw new XmlError(
        `${this.name}:${this.line} ${this.path()}: the file ends inside ${inside} (opened on line ${open.line}); the delivery is truncated or incomplete. Ask the sender for the complete file.`,
      );
    }
    if (!this.rootDone) {
      throw new XmlError(
        `${this.name}:${this.line}: the file has no root element; it is empty or not XML. A SIVI Dienstverbanden or WerknemerGegevens document is expected.`,
      );
    }
    return this.out.splice(0);
  }

  /**
   * The element path of the current position. It stops at an element the schema does not know: such
   * a name may be words of a text that contains a "<" (`Hoofdweg <Jansen>`), and is not shown.
   */
  private path(extra?: string): string {
    const parts: string[] = [];
    for (const f of this.stack) {
      if (!f.known) return '/' + parts.join('/');
      parts.push(f.index !== undefined ? `${f.local}[${f.index}]` : f.local);
    }
    if (extra) parts.push(extra);
    return '/' + parts.join('/');
  }

  /** Whether an element name may be shown: the root's (read before the schema is known) or a name of the schema. */
  private quotable(local: string): boolean {
    return this.names === undefined || this.names.has(local);
  }

  /** How messages speak of an element whose name is not shown. */
  private unknown(): string {
    return `an element that is not in the ${this.label} schema`;
  }

  private advance(to: number): void {
    let i = this.buf.indexOf('\n', this.pos);
    while (i !== -1 && i < to) {
      this.line++;
      i = this.buf.indexOf('\n', i + 1);
    }
    this.pos = to;
  }

  private fail(message: string, line = this.line, at = this.path()): never {
    throw new XmlError(`${this.name}:${line} ${at}: ${message}`);
  }

  private scan(final: boolean): void {
    const buf = this.buf;
    for (;;) {
      const lt = buf.indexOf('<', this.pos);
      if (lt === -1) {
        if (!final) return; // text may go on in the next chunk (and an entity may be split)
        this.text(buf.slice(this.pos));
        this.advance(buf.length);
        return;
      }
      if (lt > this.pos) {
        this.text(buf.slice(this.pos, lt));
        this.advance(lt);
      }
      if (!final && buf.length - lt < 10) return;
      const c1 = buf.charCodeAt(lt + 1);
      if (c1 === 33 /* ! */) {
        if (buf.startsWith('<!--', lt)) {
          const end = buf.indexOf('-->', lt + 4);
          if (end === -1) return this.needMore(final, 'a comment that is never closed (-->)');
          this.advance(end + 3);
        } else if (buf.startsWith('<![CDATA[', lt)) {
          if (this.stack.length === 0) this.fail('CDATA outside the root element');
          const end = buf.indexOf(']]>', lt + 9);
          if (end === -1) return this.needMore(final, 'a CDATA section that is never closed (]]>)');
          const content = buf.slice(lt + 9, end);
          const bad = disallowedCharacter(content);
          if (bad) this.fail(bad.problem, this.line + linesBefore(content, bad.at));
          this.conform(this.schema?.text(content, true));
          this.advance(end + 3);
        } else if (/^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.test(buf.slice(lt, lt + 12))) {
          this.fail(
            'the document contains a DOCTYPE or ENTITY declaration. These are not accepted (entity expansion is off for safety; SIVI messages never need them): remove the declaration and send the file again.',
          );
        } else {
          this.fail('unexpected "<!": not a comment or CDATA section');
        }
        continue;
      }
      if (c1 === 63 /* ? */) {
        const end = buf.indexOf('?>', lt + 2);
        if (end === -1) return this.needMore(final, 'a processing instruction that is never closed (?>)');
        const target = /^<\?([^\s?]+)/.exec(buf.slice(lt, Math.min(end, lt + 40)))?.[1] ?? '';
        if (target.toLowerCase() === 'xml' && this.base + lt !== 0)
          this.fail('the XML declaration <?xml ...?> must be the very first thing in the file');
        this.advance(end + 2);
        continue;
      }
      if (c1 === 47 /* / */) {
        const end = buf.indexOf('>', lt + 2);
        if (end === -1) return this.needMore(final, 'an end tag that is never closed (>)');
        const qname = buf.slice(lt + 2, end).trimEnd();
        if (!asciiNameRe.test(qname) && !nameRe.test(qname))
          // Not quoted, as with start tags: what follows a "</" in a text is the text itself.
          this.fail(`a "</" that does not start a valid end tag: ${inText}`);
        this.closeElement(qname, end + 1);
        this.advance(end + 1);
        continue;
      }
      const end = this.tagEnd(lt + 1);
      if (end === -1) return this.needMore(final, 'a start tag that is never closed (>)');
      const selfClosing = buf.charCodeAt(end - 1) === 47;
      const inner = buf.slice(lt + 1, selfClosing ? end - 1 : end);
      this.openElement(inner, lt, end + 1, selfClosing);
      this.advance(end + 1);
    }
  }

  private needMore(final: boolean, what: string): void {
    if (final) this.fail(`the file ends inside ${what}; the delivery is truncated.`);
  }

  /** Index of the `>` that ends a start tag, skipping quoted attribute values; -1 when not yet in the buffer. */
  private tagEnd(from: number): number {
    const buf = this.buf;
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 62 /* > */) return i;
      if (c === 34 || c === 39) {
        const close = buf.indexOf(c === 34 ? '"' : "'", i + 1);
        if (close === -1) return -1;
        i = close;
      } else if (c === 60 /* < */) {
        this.fail('a "<" inside a tag: a start tag is not closed');
      }
    }
    return -1;
  }

  private text(t: string): void {
    if (this.stack.length === 0) {
      if (t.trim() !== '')
        this.fail(this.rootDone ? 'text after the end of the root element' : 'text before the root element');
      return;
    }
    const bad = referenceProblem(t);
    if (bad) this.fail(bad.problem, this.line + linesBefore(t, bad.at));
    this.conform(this.schema?.text(t, false));
  }

  /**
   * Schema problems found at the current element: inside a `Wrknmr` they reject that record (its
   * keys are still read, so a complete delivery does not end the employee); elsewhere the document.
   */
  private conform(problems: readonly string[] | undefined, line = this.line, path?: string): void {
    if (!problems || problems.length === 0) return;
    const at = path ?? this.path();
    const record = this.record;
    if (!record) this.fail(`${problems[0]!} (the document does not follow the SIVI schema)`, line, at);
    const field = at.length > record.path.length ? at.slice(record.path.length + 1) : 'Wrknmr';
    for (const reason of problems) {
      if (record.problems.length === MAX_RECORD_PROBLEMS)
        record.problems.push({ field, reason: 'more schema problems in this record are not listed' });
      if (record.problems.length > MAX_RECORD_PROBLEMS) return;
      record.problems.push({ field, reason: `line ${line}: ${reason}` });
    }
  }

  private openElement(inner: string, start: number, after: number, selfClosing: boolean): void {
    const m = /^[^\s]+/.exec(inner);
    const qname = m?.[0] ?? '';
    if (!asciiNameRe.test(qname) && !nameRe.test(qname))
      // Not quoted: what follows a "<" in a text is the text itself (an address, a phone number).
      this.fail(`a "<" that does not open a valid start tag: ${inText}`);
    const parent = this.stack[this.stack.length - 1];
    const colon = qname.indexOf(':');
    const local = colon === -1 ? qname : qname.slice(colon + 1);
    // A name the schema does not know may be words of a text (`Hoofdweg <Jansen/>`): not quoted.
    const known = this.quotable(local);
    if (!parent && this.rootDone)
      this.fail(`a second root element${known ? ` <${qname}>` : ''}: a document has exactly one root`);
    const read = readAttributes(inner, qname, parent?.ns ?? new Map<string, string>());
    if ('problem' in read) {
      const { message, ofElement } = attributeProblem(
        read.problem,
        qname,
        known ? undefined : this.unknown(),
      );
      this.fail(message, this.line + read.linesIn, ofElement ? this.path(local) : undefined);
    }
    const { ns, attributes, uri } = read;

    let index: number | undefined;
    if (parent && known && repeatable.has(local)) {
      parent.counts ??= new Map();
      index = (parent.counts.get(local) ?? 0) + 1;
      parent.counts.set(local, index);
    }
    const frame: Frame = { qname, local, ns, line: this.line, index, counts: undefined, known };
    const depth = this.stack.length; // depth of this element: 0 = root
    if (depth === 0) this.checkRoot(local, uri);
    else if ((uri ?? '') !== this.rootNs) {
      this.stack.push(frame);
      this.fail(
        `${known ? `<${qname}>` : this.unknown()} is in namespace "${uri ?? ''}", not in the namespace of this SIVI message ("${this.rootNs}"): every element must be in the message's namespace`,
      );
    }
    const problems = this.schema!.open(local);
    if (known) this.conform(problems);
    else if (problems.length > 0) this.conform([`<${parent!.local}> holds ${this.unknown()}; ${inText}`]);
    this.stack.push(frame);
    // An element the schema does not know is refused as a whole, as the schema check refuses its content.
    if (known)
      for (const attr of attributes) {
        const c = attr.indexOf(':');
        const xsi = c > 0 && ns.get(attr.slice(0, c)) === XSI;
        if (!xsi || !/^(schemaLocation|noNamespaceSchemaLocation)$/.test(attr.slice(c + 1)))
          this.conform([`<${local}> has the attribute ${attr}; the SIVI schema defines no attributes`]);
      }

    if (depth === 1) {
      if (local === 'BrAlg' || local === 'AdmKantoor' || local === 'Wrkgvr') {
        this.capture = { kind: local, start, qname };
        if (local === 'Wrkgvr') this.employer = {};
      }
    } else if (depth === 2 && local === 'Wrknmr' && this.stack[1]!.local === 'Wrkgvr') {
      if (this.capture?.kind === 'Wrkgvr') {
        this.employer = scalars(
          this.parseElement(this.buf.slice(this.capture.start, start) + `</${this.capture.qname}>`, 'Wrkgvr'),
        );
        this.capture = undefined;
      }
      this.record = { start, line: this.line, path: this.path(), problems: [] };
    }
    if (selfClosing) this.closeElement(qname, after);
  }

  private checkRoot(local: string, uri: string | undefined): void {
    const root = rootMessage(local, uri, this.wanted);
    if ('problem' in root) this.fail(root.problem, this.line, `/${local}`);
    this.message = root.message;
    this.rootNs = siviNamespaces[root.message];
    this.label = `SIVI ${root.message} 2022`;
    this.names = schemaNames(root.message);
    this.schema = new Conformance(messageSchema(root.message), this.label);
  }

  private closeElement(qname: string, after: number): void {
    const top = this.stack[this.stack.length - 1];
    const endTag = this.quotable(qname.slice(qname.indexOf(':') + 1))
      ? `the end tag </${qname}>`
      : `an end tag of ${this.unknown()}`;
    if (!top) this.fail(`${endTag} has no matching start tag`);
    if (top.qname !== qname) {
      const startTag = top.known ? `the start tag <${top.qname}>` : `the start tag of ${this.unknown()}`;
      this.fail(
        `${endTag} does not match ${startTag} on line ${top.line}: the document is not well-formed XML`,
      );
    }
    this.conform(this.schema?.close(), top.line);
    const depth = this.stack.length - 1;
    if (depth === 2 && this.record && top.local === 'Wrknmr') {
      const xml = this.buf.slice(this.record.start, after);
      const parsed = this.parseElement(xml, 'Wrknmr', this.record.line);
      const data: Record<string, unknown> =
        parsed !== null && typeof parsed === 'object' ? { ...(parsed as Record<string, unknown>) } : {};
      data.Wrkgvr = this.employer;
      data.BrAlg = this.brAlg;
      if (this.admKantoor) data.AdmKantoor = this.admKantoor;
      const problems = this.record.problems.length > 0 ? this.record.problems : undefined;
      this.out.push({ position: `${this.name}:${this.record.line} ${this.record.path}`, data, problems });
      this.record = undefined;
    } else if (depth === 1 && this.capture) {
      if (this.capture.kind === 'BrAlg')
        this.brAlg = scalars(this.parseElement(this.buf.slice(this.capture.start, after), 'BrAlg'));
      if (this.capture.kind === 'AdmKantoor') {
        this.admKantoor = scalars(this.parseElement(this.buf.slice(this.capture.start, after), 'AdmKantoor'));
      }
      this.capture = undefined;
    }
    this.stack.pop();
    if (this.stack.length === 0) this.rootDone = true;
  }

  private parseElement(xml: string, local: string, line = this.line): unknown {
    try {
      return parseElementXml(xml, local);
    } catch (err) {
      this.fail(`the ${local} element cannot be read: ${(err as Error).message.split('\n')[0]}`, line);
    }
  }
}
