import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { getConnector } from '../../connectors/index.js';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { StoredLink } from '../store/links.js';
import type { Link } from './link.js';
import type { LineOf } from '../yaml-lines.js';
import { loadMapping, type Mapping } from './mapping/index.js';

/**
 * The connector's settings from the link, checked against the connector's own schema. Problems name
 * `where` (the link file; by default the stored link of the employer) and each setting, e.g.
 * `config/employers/x.yaml: source.delimitor: unknown setting`.
 */
export function connectorConfig(
  link: Link,
  where = `the link of employer ${link.employer.code}`,
  lineOf?: LineOf,
): { config: unknown; connector: ReturnType<typeof getConnector> } {
  let connector: ReturnType<typeof getConnector>;
  try {
    connector = getConnector(link.connector);
  } catch (err) {
    throw refused(err, `${where}: connector`);
  }
  const parsed = connector.configSchema.safeParse(link.source);
  if (!parsed.success) {
    throw new AppError('validation_failed', `${where}: ${settingProblems(parsed.error, lineOf)}`);
  }
  return { connector, config: parsed.data };
}

/**
 * Each problem with the `source` settings, by the setting's path (an unknown key is named itself),
 * after its line in the link file when `lineOf` knows it.
 */
function settingProblems(error: z.ZodError, lineOf: LineOf = () => undefined): string {
  const problem = (path: PropertyKey[], message: string) => {
    const line = lineOf(path);
    return `${line ? `line ${line}, ` : ''}${path.map(String).join('.')}: ${message}`;
  };
  return error.issues
    .flatMap((i) => {
      const at = ['source', ...i.path];
      if (i.code === 'unrecognized_keys')
        return i.keys.map((key) => problem([...at, key], 'unknown setting'));
      return [problem(at, i.message)];
    })
    .join('; ');
}

/** The link's mapping file, loaded and checked, and written for the link's connector. */
export async function linkMapping(link: Link): Promise<Mapping> {
  const mapping = await loadMapping(link.mapping);
  if (mapping.connector && mapping.connector !== link.connector) {
    throw new AppError(
      'validation_failed',
      `${link.mapping}: the mapping is written for the ${mapping.connector} connector; the link uses ${link.connector}.`,
    );
  }
  return mapping;
}

/**
 * Checks a link completely before it is stored: the connector's settings, and the mapping file
 * (it loads, is valid and fits the connector). A link that cannot run is refused with each problem
 * after `where` (the link file, or `link` for a document sent to the API). Answers the connector
 * with its checked settings.
 */
export async function checkLink(
  link: Link,
  where: string,
  lineOf?: LineOf,
): Promise<ReturnType<typeof connectorConfig>> {
  const source = connectorConfig(link, where, lineOf);
  try {
    await linkMapping(link);
  } catch (err) {
    throw refused(err, `${where}: mapping`);
  }
  return source;
}

/** A problem of the link (an AppError a person can act on) as a refused link, after `where`. */
function refused(err: unknown, where: string): unknown {
  if (!(err instanceof AppError) || err.status >= 500) return err;
  return new AppError('validation_failed', `${where}: ${err.message}`, err.details);
}

/** How a stored link stands: whether a run could use it now, and what to fix or what was found. */
export interface LinkStatus {
  employer: string;
  ok: boolean;
  message: string;
}

/**
 * Checks a stored link as a run would use it: the document reads, the settings and the mapping hold
 * (a mapping file edited or an upgrade since the link was stored can break them), and the source
 * can be reached (the delivery file or the drop folder exists and can be read).
 */
export async function checkStoredLink(
  stored: StoredLink & { code: string },
  roots: readonly string[],
): Promise<LinkStatus> {
  const employer = stored.code;
  if (!stored.link) return { employer, ok: false, message: stored.problem };
  try {
    assertMappingWithinRoots(stored.link.mapping, roots, `the link of ${employer}`);
    const { connector, config } = await checkLink(stored.link, `the link of ${employer}`);
    assertSourceWithinRoots(config, roots, `the link of ${employer}`);
    const source = await connector.check(config);
    return { employer, ...source };
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return { employer, ok: false, message: err.message };
    throw err;
  }
}

/**
 * With `KOPPELING_SOURCE_ROOTS` set, a link's delivery file or drop folder must lie in one of those
 * folders, symbolic links followed as far as the path exists: a link stored through the API cannot
 * make the service read any other file it can reach (its content would show in a run's problems).
 * The paths checked are those the connector reads (`config`, its settings as `connectorConfig`
 * parsed them); a path that goes up (`..`) is refused, as the system would follow a link before it
 * and the check after.
 */
export function assertSourceWithinRoots(config: unknown, roots: readonly string[], where: string): void {
  if (roots.length === 0) return;
  const source = config as { file?: unknown; folder?: unknown };
  for (const key of ['file', 'folder'] as const) {
    const path = source[key];
    if (typeof path !== 'string') continue;
    const refusal = outside(path, roots, 'the folders deliveries may come from (KOPPELING_SOURCE_ROOTS)');
    if (refusal) throw new AppError('validation_failed', `${where}: source.${key} ${path} ${refusal}.`);
  }
}

/** Where mapping files live, relative to the working directory as links name them. */
const mappingsFolder = 'mappings';

/**
 * With `KOPPELING_SOURCE_ROOTS` set, a link's mapping file must lie in `mappings/` or in one of those
 * folders, checked before it is read: a link stored through the API cannot make the service read any
 * other file as a mapping (what it finds would show in the link's problems).
 */
export function assertMappingWithinRoots(mapping: string, roots: readonly string[], where: string): void {
  if (roots.length === 0) return;
  const refusal = outside(
    mapping,
    [mappingsFolder, ...roots],
    'the folders mapping files may come from (mappings/ and KOPPELING_SOURCE_ROOTS)',
  );
  if (refusal) throw new AppError('validation_failed', `${where}: mapping ${mapping} ${refusal}.`);
}

/** Why `path` is not within one of `roots` (described as `folders`), or undefined when it is. */
function outside(path: string, roots: readonly string[], folders: string): string | undefined {
  if (path.split(/[\\/]/).includes('..'))
    return 'goes up a folder (..), which is not allowed while KOPPELING_SOURCE_ROOTS is set';
  return roots.some((root) => within(realPath(path), realPath(root))) ? undefined : `lies outside ${folders}`;
}

/** The path with every symbolic link resolved, of the longest part that exists. */
function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
  }
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
