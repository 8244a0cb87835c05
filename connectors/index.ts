import { AppError } from '../src/errors.js';
import type { Connector } from '../src/sync/types.js';
import { csv } from './csv/index.js';
import { sivi } from './sivi/index.js';

export {
  listDropFolder,
  moveDelivery,
  fileSourceSchema,
  type DropFile,
  type DeliveryOutcome,
} from './file-source.js';

/** Every connector, by the name used in employer link files. */
export const connectors = {
  csv,
  sivi,
  // Config types differ per connector; the registry only promises the common shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} satisfies Record<string, Connector<any>>;

export type ConnectorName = keyof typeof connectors;
export const connectorNames = Object.keys(connectors) as ConnectorName[];

export function isConnectorName(name: string): name is ConnectorName {
  return Object.prototype.hasOwnProperty.call(connectors, name);
}

/** The connector registered under `name`; a clear error for an unknown name. */
export function getConnector(name: string): Connector<unknown> {
  if (!isConnectorName(name)) {
    throw new AppError(
      'validation_failed',
      `Unknown connector "${name}": use one of ${connectorNames.join(', ')}.`,
    );
  }
  return connectors[name] as Connector<unknown>;
}
