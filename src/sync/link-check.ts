import { getConnector } from '../../connectors/index.js';
import { AppError } from '../errors.js';
import type { Link } from './link.js';
import { loadMapping, type Mapping } from './mapping/index.js';

/** The connector's settings from the link, checked against the connector's own schema. */
export function connectorConfig(link: Link): { config: unknown; connector: ReturnType<typeof getConnector> } {
  const connector = getConnector(link.connector);
  const parsed = connector.configSchema.safeParse(link.source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `source.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError(
      'validation_failed',
      `Employer ${link.employer.code}: the link's source settings are not valid: ${issues}`,
    );
  }
  return { connector, config: parsed.data };
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
 * after `where` (the link file, or `link` for a document sent to the API).
 */
export async function checkLink(link: Link, where: string): Promise<void> {
  try {
    connectorConfig(link);
  } catch (err) {
    throw refused(err, where);
  }
  try {
    await linkMapping(link);
  } catch (err) {
    throw refused(err, `${where}: mapping`);
  }
}

function refused(err: unknown, where: string): unknown {
  if (!(err instanceof AppError) || err.status >= 500) return err;
  return new AppError('validation_failed', `${where}: ${err.message}`, err.details);
}
