import { decodeReferences } from './references.js';
import type { ElementDecl, SimpleType } from './schema.js';

/**
 * Checks a SIVI document against its schema while the tokenizer streams it, one start tag, text and
 * end tag at a time: which elements may appear where, in which order and how often, and that every
 * value has the form its type prescribes. It keeps only the open elements, so memory stays flat.
 * Problems are returned in plain words and never quote a value (a value may be a BSN); the tokenizer
 * adds the line and the element path.
 */

interface Frame {
  /** Undefined for an element that was itself refused: its content is not checked. */
  decl: ElementDecl | undefined;
  /** Position in the parent's sequence reached so far, and how often that child occurred. */
  at: number;
  count: number;
  last: string | undefined;
  text: string;
  /** Set once the element broke its type (text among elements, an element in a value). */
  broken: boolean;
}

const none: readonly string[] = Object.freeze([]);

export class Conformance {
  private readonly stack: Frame[] = [];

  constructor(
    private readonly root: ElementDecl,
    /** `SIVI Dienstverbanden 2022`, for messages. */
    private readonly label: string,
  ) {}

  /** An element starts. Returns what is wrong with it appearing here. */
  open(name: string): readonly string[] {
    const parent = this.stack[this.stack.length - 1];
    const frame: Frame = { decl: undefined, at: 0, count: 0, last: undefined, text: '', broken: false };
    this.stack.push(frame);
    if (!parent) {
      frame.decl = this.root;
      return none;
    }
    const p = parent.decl;
    if (!p || parent.broken) return none;
    if (!p.children) {
      parent.broken = true;
      return [`<${p.name}> holds a value, not elements: <${name}> is not allowed inside it`];
    }
    const i = p.order!.get(name);
    if (i === undefined) return [`<${name}> is not an element of <${p.name}> in the ${this.label} schema`];
    const child = p.children[i]!;
    if (i === parent.at && parent.count >= child.max)
      return [`<${name}> occurs more than ${child.max} times in <${p.name}>`];
    if (i < parent.at)
      return [`<${name}> comes after <${parent.last}>, but the schema puts it before that element`];
    let problems: string[] | undefined;
    if (i > parent.at) {
      problems = this.missing(p, parent, i, ` before <${name}>`);
      parent.at = i;
      parent.count = 0;
    }
    parent.count++;
    parent.last = name;
    frame.decl = child;
    return problems ?? none;
  }

  /**
   * Text inside the current element (character data as written, or the content of a CDATA section).
   * The tokenizer has already refused any reference other than the XML entities and character
   * references of allowed characters, so the value is checked decoded, as libxml2 checks it.
   */
  text(raw: string, cdata: boolean): readonly string[] {
    const frame = this.stack[this.stack.length - 1];
    if (!frame?.decl || frame.broken) return none;
    if (frame.decl.simple) {
      frame.text += cdata ? raw : decodeReferences(raw);
      return none;
    }
    if (/^[\t\n\r ]*$/.test(raw)) return none;
    frame.broken = true;
    return [`<${frame.decl.name}> holds elements, not text: there is text directly inside it`];
  }

  /** The current element ends. Returns what is wrong with its content. */
  close(): readonly string[] {
    const frame = this.stack.pop();
    const decl = frame?.decl;
    if (!frame || !decl || frame.broken) return none;
    if (decl.simple) {
      const problem = valueProblem(decl.simple, frame.text);
      return problem ? [`<${decl.name}> ${problem}`] : none;
    }
    return this.missing(decl, frame, decl.children!.length, '') ?? none;
  }

  /** Required children of `decl` between the current position and `upTo` that did not occur. */
  private missing(decl: ElementDecl, frame: Frame, upTo: number, where: string): string[] | undefined {
    let problems: string[] | undefined;
    for (let j = frame.at; j < upTo; j++) {
      const c = decl.children![j]!;
      const seen = j === frame.at ? frame.count : 0;
      if (seen < c.min) {
        const times = c.min > 1 ? ` at least ${c.min} times` : '';
        (problems ??= []).push(
          `<${decl.name}> lacks <${c.name}>${where}, which the ${this.label} schema requires${times}`,
        );
      }
    }
    return problems;
  }
}

const dateRe = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-](\d{2}):(\d{2}))?$/;
const timeRe = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;
const decimalRe = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const nonNegativeRe = /^(\+?\d+|-0+)$/;

function zoneOk(h: string | undefined, m: string | undefined): boolean {
  return h === undefined || (Number(h) * 60 + Number(m) <= 14 * 60 && Number(m) <= 59);
}

function dateOk(value: string): boolean {
  const m = dateRe.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year !== 0 && days !== undefined && day >= 1 && day <= days && zoneOk(m[5], m[6]);
}

function timeOk(value: string): boolean {
  const m = timeRe.exec(value);
  if (!m) return false;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const midnight = h === 24 && min === 0 && s === 0 && !/[1-9]/.test(m[4] ?? '');
  return (midnight || (h <= 23 && min <= 59 && s <= 59)) && zoneOk(m[6], m[7]);
}

const lexical: Record<SimpleType['base'], { ok: (v: string) => boolean; form: string }> = {
  string: { ok: () => true, form: '' },
  date: { ok: dateOk, form: 'an existing date in the form yyyy-mm-dd' },
  time: { ok: timeOk, form: 'a time in the form hh:mm:ss' },
  decimal: { ok: (v) => decimalRe.test(v), form: 'a number (with a point before any decimals)' },
  nonNegativeInteger: { ok: (v) => nonNegativeRe.test(v), form: 'a whole number of 0 or more' },
};

const surrogate = /[\uD800-\uDBFF]/;

/** Length in characters (code points), as the schema counts it. */
function characters(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function codes(list: readonly string[]): string {
  return list.length <= 12 ? list.join(', ') : `${list.slice(0, 12).join(', ')}, ...`;
}

/** What is wrong with a value of this type, in words that never repeat the value; undefined when it fits. */
export function valueProblem(type: SimpleType, raw: string): string | undefined {
  const value = type.base === 'string' ? raw : raw.replace(/[\t\n\r ]+/g, ' ').trim();
  const named = type.name.startsWith('xsd:') ? '' : ` (SIVI type ${type.name})`;
  const base = lexical[type.base];
  if (!base.ok(value))
    return `${value === '' ? 'is empty' : 'is not'} ${value === '' ? `but must be ${base.form}` : base.form}`;
  if (type.enumeration && !type.enumeration.includes(value))
    return `${value === '' ? 'is empty' : 'holds a code that does not exist'}: allowed are ${codes(type.enumeration)}${named}`;
  if (type.length !== undefined || type.minLength !== undefined || type.maxLength !== undefined) {
    const n = surrogate.test(value) ? characters(value) : value.length;
    if (type.length !== undefined && n !== type.length)
      return `must be exactly ${type.length} characters long${n === 0 ? ', and is empty' : `, not ${n}`}${named}`;
    if (type.maxLength !== undefined && n > type.maxLength)
      return `is longer than ${type.maxLength} characters (${n})${named}`;
    if (type.minLength !== undefined && n < type.minLength)
      return `is shorter than ${type.minLength} characters${named}`;
  }
  for (const step of type.patterns) {
    if (!step.some((p) => p.re.test(value)))
      return `does not have the form the schema prescribes (${step.map((p) => p.source).join(' or ')})${named}`;
  }
  if (type.totalDigits !== undefined || type.fractionDigits !== undefined) {
    const [int = '', frac = ''] = value.replace(/^[+-]/, '').split('.');
    const fraction = frac.replace(/0+$/, '');
    const total = int.replace(/^0+/, '').length + fraction.length;
    if (type.totalDigits !== undefined && total > type.totalDigits)
      return `has more than ${type.totalDigits} digits${named}`;
    if (type.fractionDigits !== undefined && fraction.length > type.fractionDigits)
      return `has more than ${type.fractionDigits} decimals${named}`;
  }
  if (type.minInclusive !== undefined && Number(value) < type.minInclusive)
    return `is less than ${type.minInclusive}${named}`;
  if (type.maxInclusive !== undefined && Number(value) > type.maxInclusive)
    return `is more than ${type.maxInclusive}${named}`;
  return undefined;
}
