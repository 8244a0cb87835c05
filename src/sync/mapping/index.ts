import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Scalar } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { isSameBsn, isValidBsn, normalizeBsn } from '../../domain/bsn.js';
import type { FieldProblem, MappingOutcome, SourceRecord } from '../types.js';
import { validateCandidate } from '../validate.js';
import { compileMapping, mapDraft, MappingCompileError, type Draft, type Mapping } from './map.js';
import { employmentTargets, mappingFileSchema, mappingIssueMessage } from './schema.js';
import { yamlLines, yamlSyntaxError, type LineOf } from '../../yaml-lines.js';

export type { Draft, Mapping } from './map.js';
export { mapDraft, sourceColumns } from './map.js';
export { readsData } from './compile.js';
export { elementPaths, type ElementPath } from './element-paths.js';

/**
 * Reads a mapping file (YAML or JSON), checks it and compiles it. Any problem is an AppError that
 * names the file, the line, the path inside it and what is wrong, e.g.
 * `mappings/x.yaml:14: employee[2]: unknown key "trasforms" (did you mean "transforms"?)`.
 */
export async function loadMapping(file: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError(
      code === 'ENOENT' ? 'not_found' : 'bad_request',
      code === 'ENOENT'
        ? `${file}: mapping file not found: check the \`mapping\` setting of the link (files live in mappings/).`
        : `${file}: mapping file cannot be read (${code ?? 'error'}).`,
      undefined,
      { cause: err },
    );
  }
  return parseMapping(text, file);
}

/** Targets whose values are numbers: a constant or default of `32.0` for them is 32. */
const numberTargets = new Set(
  Object.entries(employmentTargets)
    .filter(([, kind]) => kind === 'number')
    .map(([target]) => target),
);

/**
 * YAML reads `010`, `0x1`, `1e2` and `+31` as the numbers 10, 1, 100 and 31: a code-table key, a
 * constant or a default written so would silently become another code. Such a number must be
 * quoted. A code-table key is always a code, so there any number that does not read back as
 * written (`2.10`, `1.0`) is refused too, and so is a constant or default of a text target; a number
 * target may keep trailing zeros (`32.0` hours is 32).
 */
function refuseLossyNumbers(doc: ReturnType<typeof parseDocument>, lines: LineCounter, file: string): void {
  const refuse = (node: Scalar): never => {
    const line = node.range ? lines.linePos(node.range[0]).line : undefined;
    throw new AppError(
      'validation_failed',
      `${file}${line ? `:${line}` : ''}: ${node.source} is read as the number ${String(node.value)}, which is another code: write it in quotes ('${node.source}') to keep it as written.`,
    );
  };
  visit(doc, {
    Pair(_, pair, path) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'number' && key.source !== String(key.value)) refuse(key);
      // A constant or default of a text target (a function code `2.10`) is a code as well; only a
      // number target keeps the value (`32.0` hours is 32).
      const value = pair.value;
      const entry = path.at(-1);
      if (
        isScalar(key) &&
        (key.value === 'constant' || key.value === 'default') &&
        isScalar(value) &&
        typeof value.value === 'number' &&
        value.source !== String(value.value) &&
        isMap(entry) &&
        !numberTargets.has(String(entry.get('target')))
      )
        refuse(value);
    },
    Scalar(_, node) {
      if (typeof node.value === 'number' && /^[+-]?0(\d|[xob])|^\+|^[+-]?\.|e/i.test(node.source ?? ''))
        refuse(node);
    },
  });
}

/** JSON is YAML too: the same lookup, when the text also reads as YAML (else no line). */
function jsonLines(text: string): LineOf {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  return doc.errors.length > 0 ? () => undefined : yamlLines(doc, counter);
}

/** Like loadMapping, from text already read (`file` is only used in messages). */
export function parseMapping(text: string, file: string): Mapping {
  let raw: unknown;
  let lineOf: LineOf;
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      // The parser's message quotes the text around the problem, which may be anything but a mapping.
      const position = /position (\d+)/.exec((err as Error).message)?.[1];
      const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
      throw new AppError('validation_failed', `${file}${line ? `:${line}` : ''}: not valid JSON.`);
    }
    let json: LineOf | undefined;
    lineOf = (p) => (json ??= jsonLines(text))(p);
  } else {
    const lines = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
    if (doc.errors.length > 0) throw yamlSyntaxError(file, doc.errors[0]!);
    refuseLossyNumbers(doc, lines, file);
    raw = doc.toJS();
    lineOf = yamlLines(doc, lines);
  }
  const at = (line: number | undefined) => `${file}${line ? `:${line}` : ''}`;
  const parsed = mappingFileSchema.safeParse(raw, { error: mappingIssueMessage });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .flatMap(specific)
      .map((i) => ({
        path: issuePath(i.path),
        // An unknown key is shown where it is written, not where its object starts.
        line: lineOf(i.code === 'unrecognized_keys' ? [...i.path, ...i.keys.slice(0, 1)] : i.path),
        message: i.message,
      }))
      .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    const lines = problems.slice(0, 10).map((p) => `${at(p.line)}: ${p.path}: ${p.message}`);
    const more = problems.length > 10 ? `\n(and ${problems.length - 10} more)` : '';
    throw new AppError('validation_failed', `Mapping file is not valid:\n${lines.join('\n')}${more}`, {
      issues: problems,
    });
  }
  try {
    return compileMapping(file, parsed.data);
  } catch (err) {
    if (err instanceof MappingCompileError) {
      const line = lineOf(pathSegments(err.path));
      throw new AppError(
        'validation_failed',
        `Mapping file is not valid:\n${at(line)}: ${err.path}: ${err.message}`,
        { issues: [{ path: err.path, line, message: err.message }] },
      );
    }
    throw err;
  }
}

/**
 * A union's issue as the issues of the one alternative that fits the value's kind (a list given to
 * `text or a list`, say), so the error names what is wrong inside it.
 */
function specific(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  let fitting = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  // A list of date formats with one unknown fits the list, not the single format.
  if (fitting.length > 1) fitting = fitting.filter((branch) => branch.every((i) => i.path.length > 0));
  if (fitting.length !== 1) return [issue];
  return fitting[0]!.flatMap((i) => specific({ ...i, path: [...issue.path, ...i.path] }));
}

function issuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`;
  return out || '(top level)';
}

/** `employee[1].transforms[0]` back into its keys and indexes. */
function pathSegments(p: string): PropertyKey[] {
  return [...p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Maps and validates one source record: a Candidate, or every problem with the record (each naming
 * the field, the source and the bad value; never a BSN or other vault value).
 */
export function mapRecord(mapping: Mapping, record: SourceRecord): MappingOutcome {
  const { draft, problems } = mapDraft(mapping, record);
  return finish(draft, problems);
}

/** Validates a draft; problems already found while mapping a field are not repeated by validation. */
export function finish(draft: Draft, mappingProblems: FieldProblem[]): MappingOutcome {
  const validated = draft.shifted ? undefined : validateCandidate(draft, draft.labels);
  if (validated?.ok && mappingProblems.length === 0) return validated;
  const seen = new Set(mappingProblems.map((p) => p.field));
  const problems = [
    ...mappingProblems,
    ...(validated === undefined || validated.ok ? [] : validated.problems.filter((p) => !seen.has(p.field))),
  ];
  const pn = draft.employee.personnelNumber;
  const rid = draft.employee.remoteId;
  const key =
    typeof pn === 'string' || typeof rid === 'string'
      ? {
          personnelNumber: typeof pn === 'string' && pn.trim() !== '' ? pn.trim() : undefined,
          remoteId: typeof rid === 'string' && rid.trim() !== '' ? rid.trim() : undefined,
        }
      : undefined;
  if (draft.shifted) {
    // The key read may be another column's value, and the real key another value of the line.
    const heldKeys = [...new Set((draft.cells ?? []).map((c) => c.trim()))].filter(
      (c) => c !== '' && !isValidBsn(normalizeBsn(c) ?? ''),
    );
    return { ok: false, position: draft.position, problems, key, heldKeys };
  }
  const bsn = typeof draft.vault.bsn === 'string' ? normalizeBsn(draft.vault.bsn) : undefined;
  const employmentIds = draft.employments
    .map((m) => (typeof m.externalId === 'string' ? m.externalId.trim() : ''))
    .filter((id) => id !== '' && !(bsn && isSameBsn(id, bsn)));
  return { ok: false, position: draft.position, problems, key, employmentIds };
}
