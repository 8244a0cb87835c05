import { isAlias, isMap, isNode, isSeq, type Document, type LineCounter, type YAMLError } from 'yaml';
import { AppError } from './errors.js';

/**
 * The first syntax error of a YAML file, with its line: only the description (which names line and
 * column), as the rest of the parser's message quotes the file's lines, and a line can hold a number
 * a user must not see again in a log or an answer (a payroll tax number is a sole trader's BSN).
 */
export function yamlSyntaxError(file: string, e: YAMLError): AppError {
  return new AppError('validation_failed', yamlSyntaxMessage(file, e));
}

/** The words of `yamlSyntaxError`, for errors of other kinds (the configuration file's). */
export function yamlSyntaxMessage(file: string, e: YAMLError): string {
  const line = e.linePos?.[0]?.line;
  return `${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`;
}

/** The line (from 1) of the node at a path inside a YAML file, or of the nearest parent that exists. */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

/**
 * Line lookup for a parsed YAML document (parsed with `counter` as its line counter). A key of a map
 * is found on the line of the key itself, so an unknown key is shown where it is written.
 */
export function yamlLines(doc: Document.Parsed, counter: LineCounter): LineOf {
  const lineAt = (node: unknown): number | undefined =>
    isNode(node) && node.range ? counter.linePos(node.range[0]).line : undefined;
  return (path) => {
    let node: unknown = doc.contents;
    // An empty document has no node: its problem is on line 1.
    let line = lineAt(node) ?? 1;
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => String(isNode(p.key) ? p.key.toJSON() : p.key) === String(key));
        if (!pair) break;
        line = lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && key < node.items.length) {
        node = node.items[key];
        line = lineAt(node) ?? line;
      } else break;
    }
    return line;
  };
}
